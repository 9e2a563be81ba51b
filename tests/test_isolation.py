"""Nothing of one instance is visible from another: by id on every route, and in the ORM."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import CrossTenantWriteError, UnscopedQueryError, bind_tenant, scoped_to
from app.geozones.models import Geozone
from app.main import ROUTERS
from app.oidc.models import OidcProvider
from app.tenants.models import Tenant
from tests.factories import make_geozone, make_page
from tests.people import make_user, sign_in
from tests.rendering import template_name


def _provider(db: Session, tenant: Tenant) -> OidcProvider:
    with scoped_to(db, tenant.id):
        provider = OidcProvider(
            name="solo-alfa",
            label="IdP",
            issuer="http://127.0.0.1:9/",
            client_id="c",
            client_secret="s",
        )
        db.add(provider)
        db.flush()
    return provider


def _user_page(db: Session, tenant: Tenant) -> tuple[str, str]:
    return f"/admin/users/{make_user(db, tenant, name='Sólo Alfa').id}", "Sólo Alfa"


# Every GET route that takes a path parameter, with how to make an object of a tenant for it:
# its URL, and a text only that object's page shows (None: the route shows no page of it).
ROUTES_WITH_IDS: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_geozone": lambda db, t: (f"/geozones/{make_geozone(db, t, code='ISO').id}", "🌽 ISO"),
    "show_page": lambda db, t: (
        f"/pages/{make_page(db, t, slug='solo-alfa').slug}",
        "🌽 solo-alfa",
    ),
    "admin_user": _user_page,
    "oidc_login": lambda db, t: (f"/auth/{_provider(db, t).name}/login", None),
    "oidc_callback": lambda db, t: (f"/auth/{_provider(db, t).name}/callback?code=x", None),
}
# Each feature lists its own in tests/<feature>/isolation_routes.py as ROUTES.
for _module in sorted(Path(__file__).parent.glob("*/isolation_routes.py")):
    _feature = importlib.import_module(f"tests.{_module.parent.name}.isolation_routes")
    ROUTES_WITH_IDS.update(_feature.ROUTES)


def test_every_route_with_an_id_is_covered() -> None:
    with_parameters = {
        route.name
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and "GET" in (route.methods or set())
        and route.param_convertors
    }
    assert with_parameters == set(ROUTES_WITH_IDS)


@pytest.mark.parametrize("route_name", sorted(ROUTES_WITH_IDS))
def test_object_of_one_instance_is_404_on_another(
    route_name: str,
    db: Session,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client_a: TestClient,
    client_b: TestClient,
) -> None:
    path, marker = ROUTES_WITH_IDS[route_name](db, tenant_a)
    # Administrators on both sides: staff of B must not reach A's objects either.
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    sign_in(client_b, make_user(db, tenant_b, "administrator"))
    db.commit()
    own = client_a.get(path, follow_redirects=False)
    assert own.status_code != 404
    if marker is not None:
        assert own.status_code == 200
        assert marker in own.text
    foreign = client_b.get(path, follow_redirects=False)
    assert foreign.status_code == 404
    if path.startswith("/api/"):
        assert foreign.headers["content-type"] == "application/json"
        assert foreign.json()["error"]
    else:
        assert template_name(foreign) == "errors/error.html"
    if marker is not None:
        assert marker not in foreign.text


def test_tenant_session_sees_only_its_tenant(
    db: Session, sessions: sessionmaker[Session], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    make_geozone(db, tenant_a, code="A1")
    make_geozone(db, tenant_b, code="B1")
    db.commit()
    session = bind_tenant(sessions(), tenant_a.id)
    # No explicit filter: the session adds the tenant criterion by itself.
    codes = session.scalars(select(Geozone.code).select_from(Geozone)).all()
    zones = session.scalars(select(Geozone)).all()
    session.close()
    assert [zone.code for zone in zones] == ["A1"]
    assert "B1" not in codes


def test_session_without_tenant_refuses_tenant_owned_queries(
    sessions: sessionmaker[Session], tenant_a: Tenant
) -> None:
    session = sessions()
    with pytest.raises(UnscopedQueryError):
        session.scalars(select(Geozone)).all()
    session.close()


def test_session_refuses_writes_for_another_tenant(
    sessions: sessionmaker[Session], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    session = bind_tenant(sessions(), tenant_a.id)
    session.add(Geozone(tenant_id=tenant_b.id, code="X", name="X", kind="urban"))
    with pytest.raises(CrossTenantWriteError):
        session.flush()
    session.rollback()
    session.close()


def test_new_rows_take_the_session_tenant(
    sessions: sessionmaker[Session], tenant_a: Tenant
) -> None:
    session = bind_tenant(sessions(), tenant_a.id)
    zone = Geozone(code="N1", name="Nuevo", kind="urban")
    session.add(zone)
    session.flush()
    assert zone.tenant_id == tenant_a.id
    session.rollback()
    session.close()
