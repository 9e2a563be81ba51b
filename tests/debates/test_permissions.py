"""Debates and topics: every role × every action, through the real routes, and the rules."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.core import can
from app.authz.principal import Principal
from app.debates.models import Debate
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, check
from tests.content.factories import make_tag
from tests.debates.factories import make_debate

SIGNED_IN = frozenset(set(ALL_KINDS) - {"anonymous"})
PEOPLE = frozenset(SIGNED_IN - {"organization"})
ADMIN = frozenset({"administrator"})
NOBODY: frozenset[str] = frozenset()
FORM = {"title": "Agua potable", "body": "Texto del debate"}


def _debate(db: Session, tenant: Tenant) -> str:
    return f"/debates/{make_debate(db, tenant).id}"


def _tag(db: Session, tenant: Tenant) -> str:
    return f"/admin/tags/{make_tag(db, tenant).id}/delete"


ACTIONS = [
    Action("debates.list", "GET", "/debates", frozenset(ALL_KINDS)),
    Action("debates.show", "GET", _debate, frozenset(ALL_KINDS)),
    Action("debates.new", "GET", "/debates/new", SIGNED_IN),
    Action("debates.create", "POST", "/debates", SIGNED_IN, FORM),
    Action(
        "debates.vote", "POST", lambda db, t: _debate(db, t) + "/vote", PEOPLE, {"value": "agree"}
    ),
    # Only the author edits: for everyone else, someone else's debate is refused.
    Action("debates.edit.form", "GET", lambda db, t: _debate(db, t) + "/edit", NOBODY),
    Action("debates.edit", "POST", lambda db, t: _debate(db, t) + "/edit", NOBODY, FORM),
    Action("admin.tags", "GET", "/admin/tags", ADMIN),
    Action("admin.tags.create", "POST", "/admin/tags", ADMIN, {"name": "Agua"}),
    Action("admin.tags.delete", "POST", _tag, ADMIN),
]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str, action: Action
) -> None:
    check(client_a, db, tenant_a, kind, action)


def _principal(**fields: object) -> Principal:
    return Principal.model_validate({"user_id": 7, "display_name": "P", **fields})


def _state(**fields: object) -> Debate:
    base = {"author_id": 7, "votes_total": 0, "comments_count": 0, "hidden_at": None}
    return Debate(**{**base, **fields})


@pytest.mark.parametrize(
    ("state", "author_may_edit"),
    [
        ({}, True),
        ({"votes_total": 1}, False),
        ({"comments_count": 1}, False),
        ({"hidden_at": "2026-01-01"}, False),
        ({"author_id": 8}, False),
    ],
)
def test_edit_by_state(state: dict[str, object], author_may_edit: bool) -> None:
    debate = _state(**state)
    assert can(_principal(), "debates.edit", debate) is author_may_edit
    assert can(_principal(is_organization=True), "debates.edit", debate) is author_may_edit
    assert can(None, "debates.edit", debate) is False


@pytest.mark.parametrize(
    ("hidden", "kind", "may_vote"),
    [
        (False, "citizen", True),
        (False, "organization", False),
        (True, "citizen", False),
        (False, "anonymous", False),
    ],
)
def test_vote_by_state(hidden: bool, kind: str, may_vote: bool) -> None:
    debate = _state(hidden_at="2026-01-01" if hidden else None)
    principal = None if kind == "anonymous" else _principal(is_organization=kind == "organization")
    assert can(principal, "debates.vote", debate) is may_vote


def test_hidden_debates_only_for_moderation() -> None:
    allowed = {
        role
        for role in ALL_KINDS
        if role != "anonymous" and can(_principal(roles=frozenset({role})), "debates.view_hidden")
    }
    assert allowed == {"moderator", "administrator"}
    assert not can(None, "debates.view_hidden")
