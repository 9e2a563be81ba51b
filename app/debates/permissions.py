"""Who may open, vote on and edit debates.

Any registered account opens a debate, organizations included. Voting agree/disagree is for
people: organizations speak through comments, as in Decidim and CONSUL. The author may edit only
while nobody has voted or commented, so no one's vote or reply changes meaning afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import app.debates.targets  # noqa: F401 - registers the "debate" target kind
from app.authz.core import has_role, rule, signed_in
from app.authz.principal import Principal
from app.debates.models import Debate

rule("debates.create")(signed_in)
# Moderation hides a debate; its staff still reach it to review or restore it.
rule("debates.view_hidden")(has_role("moderator", "administrator"))


@rule("debates.vote")
def may_vote(principal: Principal | None, debate: Any, _ctx: Mapping[str, Any]) -> bool:
    if principal is None or principal.is_organization:
        return False
    return not (isinstance(debate, Debate) and debate.hidden_at is not None)


@rule("debates.edit")
def may_edit(principal: Principal | None, debate: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        principal is not None
        and isinstance(debate, Debate)
        and debate.author_id == principal.user_id
        and debate.hidden_at is None
        and debate.votes_total == 0
        and debate.comments_count == 0
    )
