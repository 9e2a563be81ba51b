"""Deleting an account takes its votes out of the counters, so counts keep equalling rows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.comments.models import Comment, CommentVote
from app.db import scoped_to
from app.debates.models import Debate, DebateVote
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.people import csrf_of, make_user, sign_in


def test_deleted_account_leaves_no_vote_behind(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, debate)
    stays, leaves = make_user(db, tenant_a), make_user(db, tenant_a)
    db.commit()
    for person, debate_vote, comment_vote in ((stays, "agree", "up"), (leaves, "disagree", "up")):
        sign_in(client_a, person)
        token = csrf_of(client_a)
        client_a.post(
            f"/debates/{debate.id}/vote", data={"value": debate_vote, "csrf_token": token}
        )
        client_a.post(
            f"/comments/{comment.id}/vote", data={"value": comment_vote, "csrf_token": token}
        )
    deleted = client_a.post(
        "/account/delete", data={"confirm": "yes", "csrf_token": csrf_of(client_a, "/account")}
    )
    assert deleted.status_code == 200
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        counted = db.get(Debate, debate.id)
        voted = db.get(Comment, comment.id)
        assert counted is not None
        assert voted is not None
        debate_rows = db.scalar(select(func.count()).select_from(DebateVote))
        comment_rows = db.scalar(select(func.count()).select_from(CommentVote))
        assert (counted.votes_agree, counted.votes_disagree, counted.votes_total) == (1, 0, 1)
        assert debate_rows == 1
        assert (voted.votes_up, voted.votes_down) == (1, 0)
        assert comment_rows == 1


def test_download_my_data_includes_my_participation(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me, other = make_user(db, tenant_a), make_user(db, tenant_a)
    mine = make_debate(db, tenant_a, author=me, title="Mi debate 🌽")
    make_debate(db, tenant_a, author=other, title="Debate ajeno")
    make_comment(db, tenant_a, mine, author=me)
    db.commit()
    sign_in(client_a, me)
    token = csrf_of(client_a)
    client_a.post(f"/debates/{mine.id}/vote", data={"value": "agree", "csrf_token": token})
    client_a.post(
        "/follows", data={"target_type": "debate", "target_id": mine.id, "csrf_token": token}
    )
    data = client_a.get("/account/export").json()
    participation = data["participation"]
    assert [d["title"] for d in participation["debates"]] == ["Mi debate 🌽"]
    assert len(participation["comments"]) == 1
    assert participation["debate_votes"] == [{"debate_id": mine.id, "value": 1}]
    assert {"type": "debate", "id": mine.id} in participation["follows"]
    assert "Debate ajeno" not in client_a.get("/account/export").text
