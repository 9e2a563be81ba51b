"""A person's participation, for "download my data": what they wrote, voted, supported,
followed and reported. Hidden content is included: it is still theirs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.comments.models import Comment, CommentVote
from app.debates.models import Debate, DebateVote
from app.moderation.models import Flag
from app.notifications.models import Follow
from app.proposals.models import Proposal, ProposalSupport
from app.verification.models import Resident


def participation_of(session: Session, user_id: int) -> dict[str, Any]:
    resident_id = session.scalar(select(Resident.id).where(Resident.user_id == user_id))
    debates = session.scalars(select(Debate).where(Debate.author_id == user_id).order_by(Debate.id))
    proposals = session.scalars(
        select(Proposal).where(Proposal.author_id == user_id).order_by(Proposal.id)
    )
    comments = session.scalars(
        select(Comment).where(Comment.author_id == user_id).order_by(Comment.id)
    )
    supports = (
        session.execute(
            select(ProposalSupport.proposal_id, ProposalSupport.channel, ProposalSupport.created_at)
            .where(ProposalSupport.resident_id == resident_id)
            .order_by(ProposalSupport.id)
        ).all()
        if resident_id is not None
        else []
    )
    debate_votes = session.execute(
        select(DebateVote.debate_id, DebateVote.value).where(DebateVote.user_id == user_id)
    ).all()
    comment_votes = session.execute(
        select(CommentVote.comment_id, CommentVote.value).where(CommentVote.user_id == user_id)
    ).all()
    follows = session.execute(
        select(Follow.target_type, Follow.target_id).where(Follow.user_id == user_id)
    ).all()
    flags = session.execute(
        select(Flag.target_type, Flag.target_id, Flag.reason, Flag.details, Flag.created_at).where(
            Flag.user_id == user_id
        )
    ).all()
    return {
        "debates": [
            {"id": d.id, "title": d.title, "body": d.body, "created_at": d.created_at}
            for d in debates
        ],
        "proposals": [
            {
                "id": p.id,
                "title": p.title,
                "summary": p.summary,
                "body": p.body,
                "state": p.state,
                "created_at": p.created_at,
            }
            for p in proposals
        ],
        "comments": [
            {
                "id": c.id,
                "on": f"{c.target_type} {c.target_id}",
                "body": c.body,
                "created_at": c.created_at,
                "deleted": c.deleted_at is not None,
            }
            for c in comments
        ],
        "supports": [
            {"proposal_id": pid, "channel": channel, "at": at} for pid, channel, at in supports
        ],
        "debate_votes": [{"debate_id": did, "value": value} for did, value in debate_votes],
        "comment_votes": [{"comment_id": cid, "value": value} for cid, value in comment_votes],
        "follows": [{"type": kind, "id": tid} for kind, tid in follows],
        "reports": [
            {"on": f"{kind} {tid}", "reason": reason, "details": details, "at": at}
            for kind, tid, reason, details, at in flags
        ],
    }
