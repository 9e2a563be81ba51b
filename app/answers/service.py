"""Official answers: the due date of a successful proposal, its office, and the answers given.

``current_answer`` and ``answers_by_proposal`` are for other modules (API, lists);
``answer_panel`` builds everything the proposal page shows in ``answers/_panel.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers import repository
from app.answers.calendar import add_working_days, lima_date, lima_today, non_working_days
from app.answers.models import Office, ProposalAnswer, ProposalMilestone
from app.answers.permissions import AnswerSubject
from app.answers.schemas import AnswerForm, AnswerSettings, MilestoneForm
from app.audit.service import record
from app.authz.principal import Principal
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.notifications.service import notify
from app.proposals.models import Proposal
from app.tenants.models import Tenant

SETTINGS_KEY = "answers"


def load_settings(session: Session, tenant_id: int) -> AnswerSettings:
    """The instance's answer settings; stored values that no longer validate fall back to the
    defaults rather than break every proposal page."""
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id)).one()
    try:
        return AnswerSettings.model_validate((tenant.settings or {}).get(SETTINGS_KEY) or {})
    except ValidationError:
        return AnswerSettings()


def save_settings(
    session: Session, tenant_id: int, settings: AnswerSettings, *, actor: Principal, address: str
) -> None:
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id)).one()
    # A new dict, so SQLAlchemy sees the JSON column change.
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: settings.stored()}
    record(
        session,
        "answers.settings_changed",
        actor=actor,
        object_type="tenant",
        object_id=tenant_id,
        client_address=address,
        details=settings.stored(),
    )


def holidays_from(settings: AnswerSettings, start: date) -> set[date]:
    return non_working_days(start, settings.extra_holidays)


def current_answer(session: Session, proposal_id: int) -> ProposalAnswer | None:
    """The newest answer of a proposal (earlier ones stay, superseded)."""
    answers = repository.current_answers(session, [proposal_id])
    return answers.get(proposal_id)


def answers_by_proposal(session: Session, proposal_ids: Sequence[int]) -> dict[int, ProposalAnswer]:
    """The current answer of many proposals in one query."""
    return repository.current_answers(session, proposal_ids)


def start_answer_clock(session: Session, proposal: Proposal) -> None:
    """Called once when a proposal becomes successful: the answer is due N working days after
    that day in Lima. The clock runs from success, not from assignment, so a slow assignment
    buys the government no time; a later change of the setting does not move the date."""
    if proposal.successful_at is None:
        proposal.successful_at = utcnow()
    settings = load_settings(session, proposal.tenant_id)
    start = lima_date(proposal.successful_at)
    proposal.answer_due_on = add_working_days(
        start, settings.working_days, holidays_from(settings, start)
    )
    session.flush()


def require_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = repository.get_proposal(session, proposal_id)
    if proposal is None:
        raise NotFound()
    return proposal


def subject_of(session: Session, proposal: Proposal) -> AnswerSubject:
    office = repository.get_office(session, proposal.office_id) if proposal.office_id else None
    return AnswerSubject(
        proposal_id=proposal.id,
        state=proposal.state,
        office_name=office.name if office else None,
        hidden=proposal.hidden_at is not None,
    )


def create_office(session: Session, name: str, *, actor: Principal, address: str) -> Office:
    if repository.office_by_name(session, name) is not None:
        raise Conflict(N_("There is already an office called %(name)s."), name=name)
    office = Office(name=name)
    session.add(office)
    session.flush()
    record(
        session,
        "answers.office_created",
        actor=actor,
        object_type="office",
        object_id=office.id,
        client_address=address,
        details={"name": name},
    )
    return office


def assign_proposal(
    session: Session,
    proposal: Proposal,
    office_id: int,
    *,
    actor: Principal,
    channel: str = "web",
    address: str = "",
) -> Office:
    if proposal.state != "successful":
        raise Conflict(N_("Only successful proposals are assigned to an office."))
    office = repository.get_office(session, office_id)
    if office is None:
        raise Invalid(N_("Choose one of the options."))
    previous = proposal.office_id
    proposal.office_id = office.id
    proposal.assigned_at = utcnow()
    session.flush()
    record(
        session,
        "answers.assigned",
        actor=actor,
        object_type="proposal",
        object_id=proposal.id,
        channel=channel,
        client_address=address,
        details={"office_id": office.id, "office": office.name, "previous_office_id": previous},
    )
    return office


def answer_proposal(
    session: Session,
    proposal: Proposal,
    form: AnswerForm,
    milestones: Sequence[MilestoneForm],
    *,
    actor: Principal,
    channel: str = "web",
    address: str = "",
) -> ProposalAnswer:
    """Record a new answer (it supersedes earlier ones) and tell everyone who cares."""
    if proposal.state != "successful":
        raise Conflict(N_("Only successful proposals receive an official answer."))
    office = repository.get_office(session, proposal.office_id) if proposal.office_id else None
    now = utcnow()
    answer = ProposalAnswer(
        proposal_id=proposal.id,
        status=form.status,
        body=form.body,
        official_id=actor.user_id,
        official_name=actor.display_name[:120],
        office_name=office.name if office else "",
        created_at=now,
    )
    session.add(answer)
    session.flush()
    session.add_all(
        ProposalMilestone(
            proposal_id=proposal.id,
            answer_id=answer.id,
            position=position,
            title=milestone.title,
            due_on=milestone.due_on,
        )
        for position, milestone in enumerate(milestones)
    )
    proposal.answer_status = form.status
    if proposal.answered_at is None:
        # The first answer is the one that met (or missed) the due date.
        proposal.answered_at = now
    proposal.last_activity_at = now
    session.flush()
    notify(
        session,
        repository.people_to_tell(session, proposal),
        "answer",
        "proposal",
        proposal.id,
        {"title": proposal.title, "status": form.status},
        actor_id=actor.user_id,
    )
    record(
        session,
        "answers.answered",
        actor=actor,
        object_type="proposal",
        object_id=proposal.id,
        channel=channel,
        client_address=address,
        details={"answer_id": answer.id, "status": form.status, "milestones": len(milestones)},
    )
    return answer


def mark_milestone_done(
    session: Session,
    proposal: Proposal,
    milestone_id: int,
    *,
    actor: Principal,
    channel: str = "web",
    address: str = "",
) -> ProposalMilestone:
    milestone = repository.get_milestone(session, proposal.id, milestone_id)
    if milestone is None:
        raise NotFound()
    if milestone.done_on is None:
        milestone.done_on = lima_today()
        session.flush()
        record(
            session,
            "answers.milestone_done",
            actor=actor,
            object_type="proposal",
            object_id=proposal.id,
            channel=channel,
            client_address=address,
            details={"milestone_id": milestone.id},
        )
    return milestone
