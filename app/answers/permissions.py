"""Who assigns, answers and follows up the official answer of a proposal.

Rules take an ``AnswerSubject`` (the proposal's state and the name of its assigned office), so
the template's buttons and the routes decide with exactly the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.authz.core import has_role, rule
from app.authz.principal import Principal


@dataclass(frozen=True)
class AnswerSubject:
    proposal_id: int
    state: str
    office_name: str | None
    hidden: bool = False


rule("admin.offices.manage")(has_role("administrator"))
rule("admin.answers.settings")(has_role("administrator"))


def _answerable(obj: Any) -> bool:
    return isinstance(obj, AnswerSubject) and obj.state == "successful" and not obj.hidden


def _same_office(principal: Principal, office_name: str | None) -> bool:
    if office_name is None or principal.office is None:
        return False
    return principal.office.strip().casefold() == office_name.strip().casefold()


def is_answering_official(principal: Principal | None, obj: Any) -> bool:
    """An official of the office the proposal is assigned to (administrators also may answer,
    even before assigning: a small instance may have no offices at all)."""
    if principal is None or not _answerable(obj):
        return False
    if principal.has_role("administrator"):
        return True
    return principal.has_role("official") and _same_office(principal, obj.office_name)


@rule("answers.assign")
def can_assign(principal: Principal | None, obj: Any, _ctx: Mapping[str, Any]) -> bool:
    return principal is not None and principal.has_role("administrator") and _answerable(obj)


@rule("answers.answer")
def can_answer(principal: Principal | None, obj: Any, _ctx: Mapping[str, Any]) -> bool:
    return is_answering_official(principal, obj)


@rule("answers.milestone.done")
def can_mark_milestone(principal: Principal | None, obj: Any, _ctx: Mapping[str, Any]) -> bool:
    return is_answering_official(principal, obj)
