"""Comments: writing, threading, voting, and the section a page shows under its content.

Decisions kept here:
- ``comments_count`` on the target counts *visible* comments (neither deleted nor hidden). It
  grows when a comment is written, shrinks when its author deletes it, and is recounted when
  moderation hides or restores one (``on_comment_hidden`` / ``on_comment_restored``).
- Threads go at most ``MAX_DEPTH`` levels deep: a reply to a comment at the deepest level is
  attached beside it (to the same parent), so a thread never needs more than a bounded walk.
- Voting: one vote per account and comment (a unique constraint). Voting the same way again
  changes nothing, so a double click or a replayed form cannot count twice; voting the other
  way switches the vote; "none" withdraws it. Counters change by SQL UPDATE in the same
  transaction as the vote row, so the count always equals the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.service import ACCOUNT_DELETION_HOOKS
from app.authz.principal import Principal
from app.comments import repository
from app.comments.models import Comment, CommentVote
from app.comments.permissions import aware
from app.content.markdown import render_markdown
from app.content.targets import load_target, target_kind, target_path
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.notifications.service import follow, followers_of, notify

MAX_DEPTH = 4
PER_PAGE = 50
MAX_PAGE = 200  # offsets stay bounded: 10,000 threads is more than any page is read for
SORTS = ("most_voted", "newest", "oldest")
DEFAULT_SORT = "most_voted"
VOTE_VALUES = {"up": 1, "down": -1, "none": 0}


@dataclass
class CommentItem:
    """One comment as a page shows it; a placeholder (hidden or deleted) shows no author or
    text, only its place in the thread."""

    comment: Comment
    state: str  # "visible", "hidden" or "deleted"
    author_name: str | None  # None: the account was deleted, or nothing is shown
    html: Markup | None
    replies: list[CommentItem] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def visible(self) -> bool:
        return self.state == "visible"

    @property
    def score(self) -> int:
        return self.comment.votes_up - self.comment.votes_down


@dataclass(frozen=True)
class CommentSection:
    target_type: str
    target_id: int
    target: Any
    items: list[CommentItem]
    my_votes: dict[int, int]
    sort: str
    page: int
    has_next: bool
    total: int

    @property
    def path(self) -> str:
        return target_path(self.target_type, self.target_id)


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = repository.get_comment(session, comment_id)
    if comment is None:
        raise NotFound()
    return comment


def target_of(session: Session, comment: Comment, *, include_hidden: bool = False) -> Any:
    """What the comment is on; NotFound when that is hidden (unless asked)."""
    return load_target(
        session, comment.target_type, comment.target_id, include_hidden=include_hidden
    )


def _sort_key(sort: str) -> Any:
    if sort == "oldest":
        return lambda item: (aware(item.comment.created_at), item.id)
    if sort == "newest":
        return lambda item: (-aware(item.comment.created_at).timestamp(), -item.id)
    return lambda item: (-item.score, -item.id)


def _item(comment: Comment, names: dict[int, str]) -> CommentItem:
    if comment.hidden_at is not None:
        return CommentItem(comment, "hidden", None, None)
    if comment.deleted_at is not None:
        return CommentItem(comment, "deleted", None, None)
    name = names.get(comment.author_id) if comment.author_id is not None else None
    return CommentItem(comment, "visible", name, render_markdown(comment.body))


def _prune(items: list[CommentItem]) -> list[CommentItem]:
    """Drop placeholders that no longer hold any visible reply."""
    kept = []
    for item in items:
        item.replies = _prune(item.replies)
        if item.visible or item.replies:
            kept.append(item)
    return kept


def comment_section(
    session: Session,
    target_type: str,
    target_id: int,
    principal: Principal | None,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    *,
    target: Any = None,
) -> CommentSection:
    """A page of threads under a target: four statements whatever the number of comments
    (threads, their replies, their authors, the viewer's votes). Pass ``target`` when the
    page has it loaded already; a hidden target is the caller's decision to show."""
    if target is None:
        target = load_target(session, target_type, target_id, include_hidden=True)
    sort = sort if sort in SORTS else DEFAULT_SORT
    page = min(max(page, 1), MAX_PAGE)
    roots = repository.top_level_page(
        session, target_type, target_id, sort, (page - 1) * PER_PAGE, PER_PAGE + 1
    )
    has_next = len(roots) > PER_PAGE
    roots = roots[:PER_PAGE]
    replies = repository.replies_under(session, [root.id for root in roots])
    everything = roots + replies
    names = repository.author_names(
        session, {c.author_id for c in everything if c.author_id is not None}
    )
    items = {comment.id: _item(comment, names) for comment in everything}
    key = _sort_key(sort)
    for reply in sorted((items[c.id] for c in replies), key=key):
        parent = items.get(reply.comment.parent_id or 0)
        if parent is not None:
            parent.replies.append(reply)
    my_votes = (
        repository.votes_of(session, principal.user_id, [c.id for c in everything])
        if principal is not None and everything
        else {}
    )
    return CommentSection(
        target_type=target_type,
        target_id=target_id,
        target=target,
        items=_prune([items[root.id] for root in roots]),
        my_votes=my_votes,
        sort=sort,
        page=page,
        has_next=has_next,
        total=int(getattr(target, "comments_count", 0) or 0),
    )


def comment_location(session: Session, comment: Comment) -> str:
    """The address that shows this comment: its target's page, on the page of threads that
    holds it when there is more than one, with the comment's anchor."""
    root = comment
    for _ in range(MAX_DEPTH + 1):
        if root.parent_id is None:
            break
        root = get_comment(session, root.parent_id)
    path = target_path(comment.target_type, comment.target_id)
    before, total = repository.roots_before(session, root)
    if total > PER_PAGE:
        page = min(before // PER_PAGE + 1, MAX_PAGE)
        path += f"?comments_sort=newest&comments_page={page}"
    return f"{path}#comment-{comment.id}"


def reply_parent(session: Session, target_type: str, target_id: int, parent_id: int) -> Comment:
    """The comment being answered: of the same target, and still standing."""
    parent = repository.get_comment(session, parent_id)
    if parent is None or (parent.target_type, parent.target_id) != (target_type, target_id):
        raise NotFound()
    if parent.hidden_at is not None or parent.deleted_at is not None:
        raise Conflict(N_("This comment can no longer be answered."))
    return parent


def badge_of(principal: Principal) -> str | None:
    if principal.has_role("official"):
        return "official"
    if principal.has_role("moderator"):
        return "moderator"
    return "organization" if principal.is_organization else None


def _change_count(session: Session, target_type: str, target_id: int, delta: int) -> None:
    model = target_kind(target_type).model
    if not hasattr(model, "comments_count"):
        return
    values: dict[str, Any] = {"comments_count": model.comments_count + delta}
    if delta > 0 and hasattr(model, "last_activity_at"):
        values["last_activity_at"] = utcnow()
    repository.execute_update(session, update(model).where(model.id == target_id).values(values))


def create_comment(
    session: Session,
    author: Principal,
    target_type: str,
    target: Any,
    body: str,
    *,
    parent: Comment | None = None,
) -> Comment:
    """Publish a comment (already authorized and validated); the author follows the target,
    the replied-to author and the target's followers are told."""
    parent_id, depth = None, 0
    if parent is not None:
        if parent.depth >= MAX_DEPTH:
            parent_id, depth = parent.parent_id, parent.depth
        else:
            parent_id, depth = parent.id, parent.depth + 1
    comment = Comment(
        target_type=target_type,
        target_id=target.id,
        parent_id=parent_id,
        depth=depth,
        author_id=author.user_id,
        author_badge=badge_of(author),
        body=body,
        created_at=utcnow(),
        votes_up=0,
        votes_down=0,
    )
    session.add(comment)
    session.flush()
    _change_count(session, target_type, target.id, +1)
    follow(session, author.user_id, target_type, target.id)
    values = {
        "title": str(getattr(target, "title", "")),
        "author": author.display_name,
        "comment_id": comment.id,
    }
    actor = author.user_id
    answered = parent.author_id if parent is not None else None
    if answered is not None:
        notify(session, [answered], "reply", target_type, target.id, values, actor_id=actor)
    followers = [uid for uid in followers_of(session, target_type, target.id) if uid != answered]
    notify(session, followers, "comment", target_type, target.id, values, actor_id=actor)
    return comment


def edit_comment(session: Session, comment: Comment, body: str) -> None:
    comment.body = body
    comment.edited_at = utcnow()
    session.flush()


def delete_comment(session: Session, comment: Comment) -> None:
    """The author takes the text back; the thread keeps a "deleted" placeholder."""
    if comment.deleted_at is not None:
        return
    comment.deleted_at = utcnow()
    session.flush()
    if comment.hidden_at is None:
        _change_count(session, comment.target_type, comment.target_id, -1)


def _recount(session: Session, comment: Comment) -> None:
    model = target_kind(comment.target_type).model
    if not hasattr(model, "comments_count"):
        return
    visible = repository.count_visible(comment.target_type, comment.target_id)
    repository.execute_update(
        session,
        update(model).where(model.id == comment.target_id).values(comments_count=visible),
    )


def on_comment_hidden(session: Session, comment: Comment) -> None:
    """For moderation, after it set ``hidden_at``: the target's count is recounted (so calling
    it twice is harmless)."""
    session.flush()
    _recount(session, comment)


def on_comment_restored(session: Session, comment: Comment) -> None:
    """For moderation, after it cleared ``hidden_at``."""
    session.flush()
    _recount(session, comment)


def vote_comment(session: Session, user_id: int, comment: Comment, value: int) -> None:
    """Set this account's vote to +1, -1 or 0 (none); see the module notes."""
    existing = repository.get_vote(session, comment.id, user_id)
    if existing is None and value != 0:
        try:
            with session.begin_nested():
                session.add(CommentVote(comment_id=comment.id, user_id=user_id, value=value))
                session.flush()
        except IntegrityError:
            # Someone (this same account, in another request) voted first: theirs stands.
            existing = repository.get_vote(session, comment.id, user_id)
        else:
            repository.add_to_votes(session, comment.id, int(value > 0), int(value < 0))
            session.expire(comment, ["votes_up", "votes_down"])
            return
    if existing is None or existing.value == value:
        return
    old = existing.value
    if value == 0:
        changed = repository.execute_update(
            session,
            delete(CommentVote).where(CommentVote.id == existing.id, CommentVote.value == old),
        )
    else:
        changed = repository.execute_update(
            session,
            update(CommentVote)
            .where(CommentVote.id == existing.id, CommentVote.value == old)
            .values(value=value),
        )
    if changed != 1:
        return  # another request changed it first; its counters are already right
    up = int(value > 0) - int(old > 0)
    down = int(value < 0) - int(old < 0)
    repository.add_to_votes(session, comment.id, up, down)
    session.expire(existing)
    session.expire(comment, ["votes_up", "votes_down"])


def forget_votes_of(session: Session, user_id: int) -> None:
    """Before an account is deleted (its votes cascade): take its votes out of the counters."""
    votes = session.execute(
        select(CommentVote.comment_id, CommentVote.value).where(CommentVote.user_id == user_id)
    ).all()
    for comment_id, value in votes:
        repository.add_to_votes(session, comment_id, -int(value > 0), -int(value < 0))
    repository.execute_update(session, delete(CommentVote).where(CommentVote.user_id == user_id))


ACCOUNT_DELETION_HOOKS.append(forget_votes_of)
