"""Hide, restore and keep: what changes, what the reports become, what the audit log says."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.moderation.factories import make_flag
from tests.moderation.helpers import audit, decide, open_flags, reload, signed_in
from tests.people import csrf_of
from tests.proposals.factories import make_proposal


@pytest.mark.parametrize("kind", ["debate", "proposal", "comment"])
def test_moderator_hides_content_and_its_reports_are_reviewed(
    kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    target: Any = {
        "debate": lambda: debate,
        "proposal": lambda: make_proposal(db, tenant_a),
        "comment": lambda: make_comment(db, tenant_a, debate),
    }[kind]()
    for reason in ("spam", "spam", "offensive"):
        make_flag(db, tenant_a, kind, target.id, reason=reason)
    moderator = signed_in(client_a, db, tenant_a, "moderator")
    response = decide(client_a, "hide", kind, target.id, next="/moderation?page=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation?page=1"
    assert reload(db, tenant_a, target).hidden_at is not None
    assert open_flags(db, tenant_a, kind, target.id) == 0
    [entry] = audit(db, tenant_a, "moderation.hide")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        moderator.id,
        kind,
        str(target.id),
    )
    assert entry.details == {
        "changed": True,
        "flags_reviewed": 3,
        "reasons": {"spam": 2, "offensive": 1},
    }
    assert "The content is hidden." in client_a.get("/moderation").text


def test_hiding_a_comment_keeps_the_count_of_its_debate_right(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, debate)
    make_comment(db, tenant_a, debate)
    signed_in(client_a, db, tenant_a, "moderator")
    assert reload(db, tenant_a, debate).comments_count == 2
    assert decide(client_a, "hide", "comment", comment.id).status_code == 303
    assert reload(db, tenant_a, debate).comments_count == 1
    # Twice is harmless: the second one changes nothing.
    assert decide(client_a, "hide", "comment", comment.id).status_code == 303
    assert reload(db, tenant_a, debate).comments_count == 1
    assert [e.details["changed"] for e in audit(db, tenant_a, "moderation.hide")] == [True, False]
    assert decide(client_a, "restore", "comment", comment.id).status_code == 303
    assert reload(db, tenant_a, debate).comments_count == 2


def test_restore_shows_content_again(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a, hidden=True)
    admin = signed_in(client_a, db, tenant_a, "administrator")
    response = decide(client_a, "restore", "debate", debate.id)
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation"
    assert reload(db, tenant_a, debate).hidden_at is None
    [entry] = audit(db, tenant_a, "moderation.restore")
    assert (entry.actor_id, entry.object_id, entry.details["changed"]) == (
        admin.id,
        str(debate.id),
        True,
    )
    assert client_a.get(f"/debates/{debate.id}").status_code == 200


def test_keep_dismisses_the_reports_and_the_content_stays(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_proposal(db, tenant_a)
    make_flag(db, tenant_a, "proposal", proposal.id, reason="off_topic")
    make_flag(db, tenant_a, "proposal", proposal.id, reason="off_topic")
    moderator = signed_in(client_a, db, tenant_a, "moderator")
    assert decide(client_a, "keep", "proposal", proposal.id).status_code == 303
    assert reload(db, tenant_a, proposal).hidden_at is None
    assert open_flags(db, tenant_a, "proposal", proposal.id) == 0
    [entry] = audit(db, tenant_a, "moderation.keep")
    assert entry.actor_id == moderator.id
    assert entry.details["flags_reviewed"] == 2
    assert entry.details["reasons"] == {"off_topic": 2}
    assert "No reports are waiting." in client_a.get("/moderation").text


@pytest.mark.parametrize("action", ["hide", "restore", "keep"])
def test_unknown_or_foreign_targets_are_404(
    action: str, client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    foreign = make_debate(db, tenant_b)
    signed_in(client_a, db, tenant_a, "administrator")
    assert decide(client_a, action, "debate", foreign.id).status_code == 404
    assert decide(client_a, action, "poll", 1).status_code == 404
    assert reload(db, tenant_b, foreign).hidden_at is None
    assert audit(db, tenant_a, f"moderation.{action}") == []


def test_malformed_decision_is_a_4xx_page(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    signed_in(client_a, db, tenant_a, "moderator")
    data = {"target_type": "debate", "target_id": "abc", "csrf_token": csrf_of(client_a)}
    response = client_a.post("/moderation/hide", data=data)
    assert response.status_code == 422
    assert "<html" in response.text


def test_moderator_buttons_on_the_debate_page(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    signed_in(client_a, db, tenant_a, "moderator")
    page = client_a.get(f"/debates/{debate.id}").text
    assert 'action="/moderation/hide"' in page
    assert (
        decide(client_a, "hide", "debate", debate.id, next=f"/debates/{debate.id}").headers[
            "location"
        ]
        == f"/debates/{debate.id}"
    )
    page = client_a.get(f"/debates/{debate.id}").text
    assert 'action="/moderation/restore"' in page
