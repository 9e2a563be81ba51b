"""What the proposal page shows about the official answer, ready for the template.

The body is Markdown rendered here (templates have no Markdown filter), and the due date,
days overdue and working days left are worked out here, so ``answers/_panel.html`` only prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlalchemy.orm import Session

from app.answers import repository
from app.answers.calendar import days_overdue, lima_date, lima_today, working_days_between
from app.answers.models import ProposalAnswer, ProposalMilestone
from app.answers.permissions import AnswerSubject
from app.answers.schemas import STATUS_LABELS
from app.answers.service import holidays_from, load_settings, subject_of
from app.content.markdown import render_markdown
from app.proposals.models import Proposal


@dataclass(frozen=True)
class MilestoneView:
    id: int
    title: str
    due_on: date | None
    done_on: date | None
    late: bool


@dataclass(frozen=True)
class AnswerView:
    id: int
    status: str
    status_label: str  # an English msgid: the template translates it
    body_html: Markup
    official_name: str
    office_name: str
    answered_on: date
    milestones: list[MilestoneView] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerPanel:
    """Pass as ``answer`` to ``answers/_panel.html``, with ``proposal``."""

    subject: AnswerSubject
    current: AnswerView | None
    earlier: list[AnswerView]
    office_name: str | None
    due_on: date | None
    working_days: int
    working_days_left: int | None
    days_overdue: int

    @property
    def awaiting(self) -> bool:
        return self.current is None and self.subject.state == "successful"


def _milestone(milestone: ProposalMilestone, today: date) -> MilestoneView:
    late = milestone.done_on is None and milestone.due_on is not None and milestone.due_on < today
    return MilestoneView(milestone.id, milestone.title, milestone.due_on, milestone.done_on, late)


def _view(answer: ProposalAnswer, milestones: list[MilestoneView]) -> AnswerView:
    return AnswerView(
        id=answer.id,
        status=answer.status,
        status_label=STATUS_LABELS.get(answer.status, answer.status),
        body_html=render_markdown(answer.body),
        official_name=answer.official_name,
        office_name=answer.office_name,
        answered_on=lima_date(answer.created_at),
        milestones=milestones,
    )


def answer_panel(session: Session, proposal: Proposal) -> AnswerPanel:
    """Everything the panel needs, in four small queries whatever the number of answers."""
    today = lima_today()
    subject = subject_of(session, proposal)
    by_answer: dict[int | None, list[MilestoneView]] = {}
    for milestone in repository.milestones_of(session, proposal.id):
        by_answer.setdefault(milestone.answer_id, []).append(_milestone(milestone, today))
    views = [
        _view(answer, by_answer.get(answer.id, []))
        for answer in repository.answers_of(session, proposal.id)
    ]
    settings = load_settings(session, proposal.tenant_id)
    due_on = proposal.answer_due_on
    left = None
    if views == [] and due_on is not None and due_on >= today:
        left = working_days_between(today, due_on, holidays_from(settings, today))
    return AnswerPanel(
        subject=subject,
        current=views[0] if views else None,
        earlier=views[1:],
        office_name=subject.office_name,
        due_on=due_on,
        working_days=settings.working_days,
        working_days_left=left,
        days_overdue=days_overdue(due_on, today) if not views else 0,
    )
