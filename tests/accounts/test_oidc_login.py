"""OpenID Connect sign-in against a real provider (npm oidc-provider) on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User, UserSession
from app.census.models import CensusEntry
from app.census.service import birth_digest, census_key, dni_digest
from app.config import Settings
from app.db import scoped_to, utcnow
from app.oidc.models import Identity, OidcProvider
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.oidc.fixture import ACR_STRONG, TestProvider, sign_rs256, unsigned_token
from tests.people import csrf_of

CALLBACK = "http://alfa.test/auth/idp/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[TestProvider]:
    with TestProvider([CALLBACK]) as started:
        yield started


@pytest.fixture(scope="module")
def proxied() -> Iterator[TestProvider]:
    with TestProvider([CALLBACK], behind_proxy=True) as started:
        yield started


def configure(db: Session, tenant: Tenant, idp: TestProvider) -> OidcProvider:
    with scoped_to(db, tenant.id):
        row = OidcProvider(
            name="idp",
            label="ID Gob.pe (prueba)",
            issuer=idp.issuer,
            client_id=idp.client_id,
            client_secret=idp.client_secret,
            scope="openid email profile dni",
            national_id_claim="national_id",
            min_acr=ACR_STRONG,
        )
        db.add(row)
        db.commit()
    return row


def put_in_census(db: Session, tenant: Tenant, settings: Settings, dni: str) -> None:
    key = census_key(settings.census_secret, tenant.slug)
    with scoped_to(db, tenant.id):
        db.add(
            CensusEntry(
                dni_digest=dni_digest(key, dni),
                birth_digest=birth_digest(key, dni, date(1980, 1, 1)),
                updated_at=utcnow(),
            )
        )
        db.commit()


def counts(db: Session, tenant: Tenant) -> tuple[int, int, int]:
    with scoped_to(db, tenant.id):
        return (
            db.scalar(select(func.count()).select_from(User)) or 0,
            db.scalar(select(func.count()).select_from(Identity)) or 0,
            db.scalar(select(func.count()).select_from(UserSession)) or 0,
        )


def start(client: TestClient, next_path: str = "/") -> str:
    response = client.get("/auth/idp/login", params={"next": next_path}, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return response.headers["location"]


def sign_in_at(
    idp: TestProvider, client: TestClient, user: str = "ana", next_path: str = "/"
) -> str:
    return idp.login(None, start(client, next_path), user, idp.users[user].password)


def test_login_creates_one_account_per_issuer_and_subject(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider
) -> None:
    configure(db, tenant_a, provider)
    assert "ID Gob.pe (prueba)" in client_a.get("/login").text
    done = client_a.get(
        sign_in_at(provider, client_a, next_path="/geozones"), follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/geozones"
    account = client_a.get("/account")
    assert account.status_code == 200
    assert provider.users["ana"].claims()["name"] in account.text
    with scoped_to(db, tenant_a.id):
        identity = db.scalars(select(Identity)).one()
    assert identity.issuer == provider.issuer
    assert identity.subject == provider.users["ana"].claims()["sub"]
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    client_a.get(sign_in_at(provider, client_a))
    assert counts(db, tenant_a)[:2] == (1, 1)


def test_strong_acr_and_census_make_a_verified_resident(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider, settings: Settings
) -> None:
    configure(db, tenant_a, provider)
    put_in_census(db, tenant_a, settings, provider.users["ana"].claims()["national_id"])
    client_a.get(sign_in_at(provider, client_a))
    assert "Residente verificado" in client_a.get("/account").text
    with scoped_to(db, tenant_a.id):
        resident = db.scalars(select(Resident)).one()
    assert resident.method == "claim"


def test_weak_acr_does_not_verify(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider, settings: Settings
) -> None:
    configure(db, tenant_a, provider)
    put_in_census(db, tenant_a, settings, provider.users["beto"].claims()["national_id"])
    client_a.get(sign_in_at(provider, client_a, "beto"))
    page = client_a.get("/account").text
    assert "Verificar mi residencia" in page
    assert "Residente verificado" not in page


def test_logout_revokes_the_session_on_the_server(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider, app
) -> None:
    configure(db, tenant_a, provider)
    client_a.get(sign_in_at(provider, client_a))
    stolen = dict(client_a.cookies)
    assert client_a.get("/account", follow_redirects=False).status_code == 200
    out = client_a.post("/logout", data={"csrf_token": csrf_of(client_a)}, follow_redirects=False)
    assert out.status_code == 303
    with TestClient(app, base_url="http://alfa.test", cookies=stolen) as replay:
        response = replay.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_next_cannot_redirect_off_site(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider
) -> None:
    configure(db, tenant_a, provider)
    done = client_a.get(
        sign_in_at(provider, client_a, next_path="https://evil.example/"), follow_redirects=False
    )
    assert done.headers["location"] == "/"


def _refused(db: Session, tenant: Tenant, client: TestClient, callback: str) -> None:
    before = counts(db, tenant)
    response = client.get(callback, follow_redirects=False)
    assert response.status_code in {400, 502}, response.text[:300]
    assert counts(db, tenant) == before
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_missing_state_is_refused(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider
) -> None:
    configure(db, tenant_a, provider)
    callback = sign_in_at(provider, client_a)
    without_state = "&".join(
        p for p in callback.split("?", 1)[1].split("&") if not p.startswith("state=")
    )
    _refused(db, tenant_a, client_a, f"{CALLBACK}?{without_state}")


def test_state_of_another_browser_is_refused(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider, app
) -> None:
    configure(db, tenant_a, provider)
    callback = sign_in_at(provider, client_a)
    with TestClient(app, base_url="http://alfa.test") as other:
        other.get("/auth/idp/login", follow_redirects=False)  # its own, different state
        _refused(db, tenant_a, other, callback)


def test_replayed_state_is_refused(
    db: Session, tenant_a: Tenant, client_a: TestClient, provider: TestProvider
) -> None:
    configure(db, tenant_a, provider)
    callback = sign_in_at(provider, client_a)
    assert client_a.get(callback, follow_redirects=False).status_code == 303
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    _refused(db, tenant_a, client_a, callback)


Forge = Callable[[dict[str, Any]], str]


@pytest.mark.parametrize(
    "forge_name",
    ["wrong_nonce", "foreign_issuer", "wrong_audience", "expired", "alg_none", "foreign_key"],
)
def test_forged_id_tokens_are_refused(
    forge_name: str, db: Session, tenant_a: Tenant, client_a: TestClient, proxied: TestProvider
) -> None:
    forges: dict[str, Forge] = {
        "wrong_nonce": lambda c: proxied.sign({**c, "nonce": "not-the-one-sent"}),
        "foreign_issuer": lambda c: proxied.sign({**c, "iss": "https://evil.example"}),
        "wrong_audience": lambda c: proxied.sign({**c, "aud": "another-client"}),
        "expired": lambda c: proxied.sign(
            {**c, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
        ),
        "alg_none": lambda c: unsigned_token(c),
        "foreign_key": lambda c: sign_rs256(
            c, proxied.foreign_jwk, {"kid": proxied.public_jwk["kid"]}
        ),
    }
    configure(db, tenant_a, proxied)
    assert proxied.proxy is not None
    with proxied.proxy.forging_id_token(forges[forge_name]):
        callback = sign_in_at(proxied, client_a)
        forged_before = len(proxied.proxy.forged)
        _refused(db, tenant_a, client_a, callback)
        assert len(proxied.proxy.forged) == forged_before + 1  # the forged token was served


def test_untampered_proxy_login_works(
    db: Session, tenant_a: Tenant, client_a: TestClient, proxied: TestProvider
) -> None:
    configure(db, tenant_a, proxied)
    response = client_a.get(sign_in_at(proxied, client_a), follow_redirects=False)
    assert response.status_code == 303
    assert client_a.get("/account", follow_redirects=False).status_code == 200


def test_provider_down_gives_a_clear_page_and_creates_nothing(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    with scoped_to(db, tenant_a.id):
        db.add(
            OidcProvider(
                name="idp",
                label="Caído",
                issuer="http://127.0.0.1:9",
                client_id="x",
                client_secret="y",
            )
        )
        db.commit()
    before = counts(db, tenant_a)
    response = client_a.get("/auth/idp/login")
    assert response.status_code == 502
    assert "proveedor de identidad" in response.text
    assert counts(db, tenant_a) == before
