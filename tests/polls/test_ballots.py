"""Casting web ballots: receipts, the roll, replacement, refusal after a booth vote, the period."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.authz.principal import Principal
from app.db import scoped_to, utcnow
from app.errors import NotFound
from app.polls.ballots import (
    Voter,
    cast_booth_ballot,
    cast_web_ballot,
    normalize_receipt,
    roll_entry_of,
    web_voter,
)
from app.polls.errors import (
    AlreadyVotedAtBooth,
    BallotInvalid,
    NotEligible,
    NotReplaceable,
    PollNotOpen,
)
from app.polls.models import Poll, PollBallot, PollVoter
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.people import make_user
from tests.polls.factories import make_booth, make_person, make_poll, questions_of

RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def voter_of(db: Session, tenant: Tenant, **person: object) -> Voter:
    someone = make_person(db, tenant, **person)  # type: ignore[arg-type]
    assert someone.user is not None
    assert someone.resident is not None
    principal = Principal(
        user_id=someone.user.id, display_name="x", resident_id=someone.resident.id
    )
    with scoped_to(db, tenant.id):
        voter = web_voter(db, principal, SECRET)
    assert voter is not None
    return voter


def first_choice(db: Session, poll: Poll, index: int = 0) -> dict[int, list[int]]:
    ((question, answers),) = questions_of(db, poll)
    return {question.id: [answers[index].id]}


def ballots(db: Session, tenant: Tenant, poll: Poll) -> list[PollBallot]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(PollBallot).where(PollBallot.poll_id == poll.id)))


def roll(db: Session, tenant: Tenant, poll: Poll) -> list[PollVoter]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(PollVoter).where(PollVoter.poll_id == poll.id)))


def cast(
    db: Session, tenant: Tenant, poll: Poll, voter: Voter, choices: dict[int, list[int]]
) -> str:
    with scoped_to(db, tenant.id):
        return cast_web_ballot(db, poll, voter, choices, SECRET, utcnow())


def test_a_web_ballot_gives_a_receipt_and_puts_the_voter_on_the_roll(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a)
    voter = voter_of(db, tenant_a)
    receipt = cast(db, tenant_a, poll, voter, first_choice(db, poll))
    assert RECEIPT.fullmatch(receipt)
    (entry,) = roll(db, tenant_a, poll)
    assert (entry.voter_key, entry.channel, entry.booth_id) == (voter.key, "web", None)
    assert entry.voted_on == lima_date(utcnow())
    (ballot,) = ballots(db, tenant_a, poll)
    assert (ballot.receipt, ballot.channel, ballot.booth_id) == (receipt, "web", None)
    ((question_id, (answer_id,)),) = first_choice(db, poll).items()
    assert ballot.choices == f"{question_id}:{answer_id}"
    assert ballot.replace_tag is not None
    assert voter.key not in ballot.replace_tag


def test_voting_again_replaces_only_that_persons_ballot(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a)
    me, neighbour = voter_of(db, tenant_a), voter_of(db, tenant_a)
    theirs = cast(db, tenant_a, poll, neighbour, first_choice(db, poll, 2))
    first = cast(db, tenant_a, poll, me, first_choice(db, poll, 0))
    second = cast(db, tenant_a, poll, me, first_choice(db, poll, 1))
    assert len({theirs, first, second}) == 3
    stored = {ballot.receipt: ballot.choices for ballot in ballots(db, tenant_a, poll)}
    ((question_id, _),) = first_choice(db, poll).items()
    assert set(stored) == {theirs, second}
    assert stored[second] == f"{question_id}:{first_choice(db, poll, 1)[question_id][0]}"
    assert len(roll(db, tenant_a, poll)) == 2


def test_someone_marked_at_a_booth_cannot_vote_online(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a)
    booth = make_booth(db, tenant_a, poll)
    voter = voter_of(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        db.add(
            PollVoter(
                poll_id=poll.id,
                voter_key=voter.key,
                channel="paper",
                booth_id=booth.id,
                voted_on=lima_date(utcnow()),
            )
        )
        db.flush()
    with pytest.raises(AlreadyVotedAtBooth) as refused:
        cast(db, tenant_a, poll, voter, first_choice(db, poll))
    assert refused.value.status_code == 409
    assert ballots(db, tenant_a, poll) == []
    assert [entry.channel for entry in roll(db, tenant_a, poll)] == ["paper"]


@pytest.mark.parametrize(
    ("opens", "closes", "published", "closed"),
    [
        (timedelta(hours=1), timedelta(days=1), True, False),  # not yet open
        (timedelta(days=-2), timedelta(seconds=-1), True, False),  # past closing, not yet closed
        (timedelta(days=-2), timedelta(days=1), False, False),  # a draft
        (timedelta(days=-2), timedelta(days=1), True, True),  # closed early
    ],
    ids=["before", "after", "draft", "closed"],
)
def test_ballots_only_within_the_period(
    db: Session,
    tenant_a: Tenant,
    opens: timedelta,
    closes: timedelta,
    published: bool,
    closed: bool,
) -> None:
    poll = make_poll(db, tenant_a, opens=opens, closes=closes, published=published, closed=closed)
    voter = voter_of(db, tenant_a)
    with pytest.raises(PollNotOpen):
        cast(db, tenant_a, poll, voter, first_choice(db, poll))
    assert ballots(db, tenant_a, poll) == []
    assert roll(db, tenant_a, poll) == []


def test_an_ineligible_voter_is_refused_by_the_service(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, min_age=18)
    voter = voter_of(db, tenant_a, known_birth=False)
    with pytest.raises(NotEligible) as refused:
        cast(db, tenant_a, poll, voter, first_choice(db, poll))
    assert refused.value.status_code == 403
    assert "date of birth" in refused.value.message
    assert roll(db, tenant_a, poll) == []


def test_a_poll_of_another_instance_is_not_found(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    theirs = make_poll(db, tenant_b)
    voter = voter_of(db, tenant_a)
    with pytest.raises(NotFound):
        cast(db, tenant_a, theirs, voter, first_choice(db, theirs))
    assert ballots(db, tenant_b, theirs) == []


def test_choices_that_no_form_could_send_are_refused(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, questions=[("single", 3), ("multiple", 3, 2)])
    other = make_poll(db, tenant_a)
    (single, single_answers), (multiple, multiple_answers) = questions_of(db, poll)
    voter = voter_of(db, tenant_a)
    wrong = [
        {single.id: [a.id for a in single_answers[:2]]},
        {multiple.id: [a.id for a in multiple_answers]},
        {single.id: [multiple_answers[0].id]},
        {single.id: [single_answers[0].id, single_answers[0].id]},
        first_choice(db, other),
        {},
    ]
    for choices in wrong:
        with pytest.raises(BallotInvalid):
            cast(db, tenant_a, poll, voter, choices)
    assert ballots(db, tenant_a, poll) == []
    assert roll(db, tenant_a, poll) == []


def test_someone_who_voted_before_being_verified_is_recognised(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, voter_level="registered")
    person = make_person(db, tenant_a)
    assert person.user is not None
    assert person.resident is not None
    with scoped_to(db, tenant_a.id):
        before = web_voter(db, Principal(user_id=person.user.id, display_name="x"), SECRET)
        after = web_voter(
            db,
            Principal(user_id=person.user.id, display_name="x", resident_id=person.resident.id),
            SECRET,
        )
    assert before is not None
    assert after is not None
    assert not before.verified
    assert after.verified
    assert after.user_key == before.key
    cast(db, tenant_a, poll, before, first_choice(db, poll, 0))
    receipt = cast(db, tenant_a, poll, after, first_choice(db, poll, 1))
    assert [ballot.receipt for ballot in ballots(db, tenant_a, poll)] == [receipt]
    assert len(roll(db, tenant_a, poll)) == 1
    with scoped_to(db, tenant_a.id):
        assert roll_entry_of(db, poll, after) is not None


def test_booth_ballots_need_an_open_poll_and_paper_only_rankings(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, questions=[("single", 2), ("ranked", 3)])
    booth = make_booth(db, tenant_a, poll)
    (single, single_answers), (ranked, ranked_answers) = questions_of(db, poll)
    ranking = {ranked.id: [ranked_answers[2].id, ranked_answers[0].id]}
    with scoped_to(db, tenant_a.id):
        tablet = cast_booth_ballot(
            db, poll, booth, {single.id: [single_answers[0].id], **ranking}, "tablet"
        )
        paper = cast_booth_ballot(db, poll, booth, ranking, "paper")
        with pytest.raises(BallotInvalid):
            cast_booth_ballot(db, poll, booth, {single.id: [single_answers[0].id]}, "paper")
        late = utcnow() + timedelta(days=8)
        with pytest.raises(PollNotOpen):
            cast_booth_ballot(db, poll, booth, ranking, "tablet", late)
        # Paper rankings are typed in after the closing time too.
        cast_booth_ballot(db, poll, booth, ranking, "paper", late)
    stored = {ballot.receipt: ballot for ballot in ballots(db, tenant_a, poll)}
    assert (stored[tablet].channel, stored[tablet].booth_id) == ("tablet", booth.id)
    assert stored[paper].choices == f"{ranked.id}:{ranked_answers[2].id}>{ranked_answers[0].id}"
    assert all(ballot.replace_tag is None for ballot in stored.values())
    assert roll(db, tenant_a, poll) == []  # the officer's mark is the roll entry, not the ballot


def test_receipts_are_read_back_as_people_type_them() -> None:
    assert normalize_receipt(" k7f3 9qx2-mm4t ") == "K7F3-9QX2-MM4T"
    assert normalize_receipt("K7F3-9QX2-MMOI") == "K7F3-9QX2-MM01"
    assert normalize_receipt("K7F3-9QX2-MM4") is None
    assert normalize_receipt("K7F3-9QX2-MM4U") is None
    assert normalize_receipt("<script>") is None


def test_an_organization_does_not_vote(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, voter_level="registered")
    group = make_user(db, tenant_a, organization=True)
    principal = Principal(user_id=group.id, display_name="x", is_organization=True)
    with scoped_to(db, tenant_a.id):
        voter = web_voter(db, principal, SECRET)
    assert voter is not None
    assert voter.organization
    with pytest.raises(NotEligible):
        cast(db, tenant_a, poll, voter, first_choice(db, poll))


def test_a_vote_is_not_replaced_twice_over_when_the_secret_key_changed(
    db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a)
    voter = voter_of(db, tenant_a)
    first = cast(db, tenant_a, poll, voter, first_choice(db, poll, 0))
    with scoped_to(db, tenant_a.id), pytest.raises(NotReplaceable) as refused:
        cast_web_ballot(db, poll, voter, first_choice(db, poll, 1), "another-" + SECRET, utcnow())
    assert refused.value.status_code == 409
    assert [ballot.receipt for ballot in ballots(db, tenant_a, poll)] == [first]
