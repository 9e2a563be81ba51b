"""Who reports content and who moderates it.

Anyone signed in may report a debate, proposal or comment, except their own (reporting yourself
only adds noise to the queue). Moderators and administrators review the queue, hide, restore and
block. A moderator may not block staff who moderate (administrators, other moderators) nor
themselves: that decision belongs to an administrator, who may remove the role first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.authz.core import has_role, rule
from app.authz.principal import Principal

MODERATORS = ("moderator", "administrator")
# Only an administrator may block accounts that hold one of these roles.
PROTECTED_ROLES = frozenset({"administrator", "moderator"})


@dataclass(frozen=True)
class Account:
    """The account a block or unblock is about, with the roles that protect it."""

    user_id: int
    roles: frozenset[str] = frozenset()


@rule("moderation.flag")
def may_flag(principal: Principal | None, target: Any, ctx: Mapping[str, Any]) -> bool:
    """``target`` is the content (or None); templates without it pass ``author_id`` in ctx."""
    if principal is None:
        return False
    author_id = getattr(target, "author_id", None) if target is not None else ctx.get("author_id")
    return author_id is None or author_id != principal.user_id


rule("moderation.view")(has_role(*MODERATORS))
rule("moderation.hide")(has_role(*MODERATORS))
rule("moderation.restore")(has_role(*MODERATORS))
rule("moderation.keep")(has_role(*MODERATORS))


@rule("moderation.block")
def may_block(principal: Principal | None, account: Any, _ctx: Mapping[str, Any]) -> bool:
    """Blocking and unblocking; without an account, whether the person may block at all."""
    if principal is None or not principal.has_role(*MODERATORS):
        return False
    if not isinstance(account, Account):
        return True
    if account.user_id == principal.user_id:
        return False
    return principal.has_role("administrator") or account.roles.isdisjoint(PROTECTED_ROLES)
