"""Every model, imported in one place so Alembic and tests see the whole schema."""

from app.accounts.models import AccountToken, ThrottleEvent, User, UserSession
from app.answers.models import Office, ProposalAnswer, ProposalMilestone
from app.audit.models import AuditEntry
from app.authz.models import RoleAssignment
from app.budgets.models import (
    Budget,
    BudgetBallot,
    BudgetBallotLine,
    BudgetGroup,
    BudgetHeading,
    BudgetMilestone,
    BudgetPhase,
    BudgetPhoto,
    BudgetProject,
    BudgetProjectDocument,
    BudgetSupport,
    BudgetValuator,
)
from app.census.models import CensusEntry
from app.comments.models import Comment, CommentVote
from app.content.models import Tag
from app.db import Base
from app.debates.models import Debate, DebateVote
from app.geozones.models import Geozone
from app.jobs.models import Job
from app.moderation.models import Flag
from app.notifications.models import Follow, Notification
from app.oidc.models import Identity, OidcFlow, OidcProvider
from app.pages.models import Page
from app.polls.models import (
    Poll,
    PollAnswer,
    PollBallot,
    PollBooth,
    PollBoothOfficer,
    PollPaperTotal,
    PollQuestion,
    PollVoter,
)
from app.proposals.models import Proposal, ProposalSupport, ProposalUpdate
from app.tenants.models import Tenant, TenantHost
from app.verification.models import Resident, VerificationConflict

__all__ = [
    "AccountToken",
    "AuditEntry",
    "Base",
    "Budget",
    "BudgetBallot",
    "BudgetBallotLine",
    "BudgetGroup",
    "BudgetHeading",
    "BudgetMilestone",
    "BudgetPhase",
    "BudgetPhoto",
    "BudgetProject",
    "BudgetProjectDocument",
    "BudgetSupport",
    "BudgetValuator",
    "CensusEntry",
    "Comment",
    "CommentVote",
    "Debate",
    "DebateVote",
    "Flag",
    "Follow",
    "Geozone",
    "Identity",
    "Job",
    "Notification",
    "Office",
    "OidcFlow",
    "OidcProvider",
    "Page",
    "Poll",
    "PollAnswer",
    "PollBallot",
    "PollBooth",
    "PollBoothOfficer",
    "PollPaperTotal",
    "PollQuestion",
    "PollVoter",
    "Proposal",
    "ProposalAnswer",
    "ProposalMilestone",
    "ProposalSupport",
    "ProposalUpdate",
    "Resident",
    "RoleAssignment",
    "Tag",
    "Tenant",
    "TenantHost",
    "ThrottleEvent",
    "User",
    "UserSession",
    "VerificationConflict",
]
