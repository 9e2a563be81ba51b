"""A reusable permission matrix: every role against every action, through the real routes.

A later module lists its actions as ``Action`` rows and the roles allowed for each; the test
signs in one person per role and checks the server's answer for every pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.models import ROLES
from app.tenants.models import Tenant
from tests.people import csrf_of, make_user, sign_in

CITIZEN_KINDS = ("anonymous", "citizen", "verified", "organization")
ALL_KINDS = CITIZEN_KINDS + ROLES


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    path: str | Callable[[Session, Tenant], str]
    allowed: frozenset[str]
    data: dict[str, str] = field(default_factory=dict)

    def url(self, db: Session, tenant: Tenant) -> str:
        return self.path if isinstance(self.path, str) else self.path(db, tenant)


def person_for(kind: str, db: Session, tenant: Tenant) -> object | None:
    if kind == "anonymous":
        return None
    if kind in ROLES:
        return make_user(db, tenant, kind)
    return make_user(db, tenant, verified=kind == "verified", organization=kind == "organization")


def answer(client: TestClient, action: Action, url: str) -> int:
    if action.method == "GET":
        return client.get(url, follow_redirects=False).status_code
    data = {**action.data, "csrf_token": csrf_of(client)}
    return client.request(action.method, url, data=data, follow_redirects=False).status_code


def check(client: TestClient, db: Session, tenant: Tenant, kind: str, action: Action) -> None:
    person = person_for(kind, db, tenant)
    db.commit()
    if person is not None:
        sign_in(client, person)  # type: ignore[arg-type]
    status = answer(client, action, action.url(db, tenant))
    refused = {303, 401} if kind == "anonymous" else {403}
    if kind in action.allowed:
        assert status not in refused | {401, 403}, f"{kind} refused {action.name}: {status}"
    else:
        assert status in refused, f"{kind} allowed {action.name}: {status}"
