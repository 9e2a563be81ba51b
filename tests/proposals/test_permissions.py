"""Every state-changing proposal action × every role × every state, through the real routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.factories import HOSTILE
from tests.people import sign_in
from tests.proposals.factories import make_proposal

STATES = ("open", "successful", "archived", "retired")
KINDS = (*ALL_KINDS, "author")
EVERYONE_SIGNED_IN = frozenset(set(KINDS) - {"anonymous"})
RESIDENTS = frozenset({"verified"})
AUTHOR = frozenset({"author"})
EDIT_FORM = {"title": "Nuevo título", "summary": "Resumen", "body": "Texto"}

# action -> (path after /proposals/{id}, form, who may, in which states)
ACTIONS: dict[str, tuple[str, dict[str, str], frozenset[str], frozenset[str]]] = {
    "support": ("/support", {}, RESIDENTS, frozenset({"open", "successful"})),
    "unsupport": ("/unsupport", {}, RESIDENTS, frozenset({"open"})),
    "edit": ("/edit", EDIT_FORM, AUTHOR, frozenset({"open"})),
    "retire": (
        "/retire",
        {"reason": "other", "explanation": HOSTILE},
        AUTHOR,
        frozenset({"open", "successful"}),
    ),
    "send_update": (
        "/updates",
        {"update_title": "Noticia", "update_body": HOSTILE},
        AUTHOR,
        frozenset({"open", "successful", "archived"}),
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_proposal_action_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    """One person per role (signed in once), then every action on a fresh proposal in each
    state."""
    person = person_for("citizen" if kind == "author" else kind, db, tenant_a)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    for action, (suffix, data, allowed_kinds, allowed_states) in sorted(ACTIONS.items()):
        for state in STATES:
            proposal = make_proposal(
                db,
                tenant_a,
                author=person if kind == "author" else None,  # type: ignore[arg-type]
                state=state,
                supports_needed=1 if state == "successful" else 10,
                supports_count=1 if state == "successful" else 0,
            )
            db.commit()
            path = f"/proposals/{proposal.id}{suffix}"
            status = answer(client_a, Action(action, "POST", path, frozenset(), data), path)
            where = f"{kind} {action} on {state}: {status}"
            if kind in allowed_kinds and state in allowed_states:
                assert status not in {401, 403}, f"refused: {where}"
                assert status < 500, where
            elif kind == "anonymous":
                assert status in {303, 401}, f"allowed: {where}"
            else:
                assert status == 403, f"allowed: {where}"


@pytest.mark.parametrize("kind", KINDS)
def test_creating_and_the_settings_page(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    person = person_for("citizen" if kind == "author" else kind, db, tenant_a)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    new = answer(client_a, Action("new", "GET", "/proposals/new", frozenset()), "/proposals/new")
    assert (new == 200) == (kind != "anonymous")
    create = Action("create", "POST", "/proposals/new", frozenset(), {"title": ""})
    created = answer(client_a, create, "/proposals/new")
    assert created == (422 if kind != "anonymous" else 401)
    settings = answer(
        client_a, Action("settings", "GET", "/admin/proposals", frozenset()), "/admin/proposals"
    )
    if kind == "administrator":
        assert settings == 200
    else:
        assert settings in ({303} if kind == "anonymous" else {403})
