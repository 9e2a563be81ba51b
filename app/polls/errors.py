"""What can go wrong with a ballot, each error carrying the status its page answers with."""

from __future__ import annotations

from typing import Any

from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_

# Said when staff acting for a person at the service desk (app.desk) tries to vote for them.
SECRET_AT_DESK = N_(
    "A ballot is secret: nobody votes for someone else. Stop acting for this person; they can "
    "vote on their own device or at a voting booth."
)


class BallotInvalid(Invalid):
    """The ballot itself is wrong (too many answers, a repeated rank…): nothing was stored.

    ``question_id`` names the question at fault, so the form can show the message beside it.
    """

    message = N_("The ballot is not valid. Check your answers and send it again.")

    def __init__(
        self, message: str | None = None, *, question_id: int | None = None, **values: Any
    ) -> None:
        super().__init__(message, **values)
        self.question_id = question_id


class PollNotOpen(Conflict):
    message = N_("This poll is not open for voting.")


class AlreadyVotedAtBooth(Conflict):
    message = N_(
        "You already voted at a voting booth. That vote counts and cannot be replaced online."
    )


class NotReplaceable(Conflict):
    """The person voted online, but their ballot no longer answers to their hash (the
    instance's secret key was changed during the vote): a second ballot would count twice."""

    message = N_("Your earlier vote is recorded and still counts, but it can no longer be changed.")


class NotEligible(Forbidden):
    message = N_("You cannot vote in this poll.")


class KioskNotReady(Conflict):
    message = N_("No voter is waiting at this booth's tablet. Ask the poll officer.")


class PollStillOpen(Conflict):
    message = N_("The poll cannot be closed before its closing time.")
