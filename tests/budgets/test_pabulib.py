"""Reading and writing Pabulib files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from app.budgets.tally.election import Ballot, VoteType
from app.budgets.tally.pabulib import (
    PabulibError,
    PabulibFile,
    PabulibProject,
    PabulibVote,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)
from tests.budgets.pabulib_data import pabulib_dir

HOSTILE = "<script>alert('x')</script> \"Ñandú\"; Quechua: wasichakuy 🏗️"

APPROVAL = "\ufeff" + "\n".join(
    [
        "META",
        "key;value",
        'description;"Presupuesto; con punto y coma"',
        "budget;1000,50",
        "vote_type;approval",
        "PROJECTS",
        "project_id;cost;name",
        'p1;400,25;"Parque ""central"""',
        "p2;600;Pista",
        "VOTES",
        "voter_id;vote;age",
        "v1;p1,p2;30",
        "v2;;41",
        "v3;p2;",
    ]
)


def test_reads_quoted_fields_decimal_commas_and_empty_ballots() -> None:
    data = parse_pabulib(APPROVAL)
    assert data.meta["description"] == "Presupuesto; con punto y coma"
    assert data.budget == Fraction("1000.5")
    assert data.vote_type is VoteType.APPROVAL
    assert [(p.id, p.cost, p.fields["name"]) for p in data.projects] == [
        ("p1", Fraction("400.25"), 'Parque "central"'),
        ("p2", Fraction(600), "Pista"),
    ]
    assert [v.ballot.projects for v in data.votes] == [("p1", "p2"), (), ("p2",)]
    assert data.votes[0].fields == {"age": "30"}
    election = data.election()
    assert len(election.ballots) == 3  # the empty ballot still counts as a voter


def test_reads_cumulative_and_ordinal_ballots() -> None:
    cumulative = parse_pabulib(
        "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n"
        "a;4\nb;6\nVOTES\nvoter_id;vote;points\n1;a,b;2,1\n2;b;3\n"
    )
    assert cumulative.votes[0].ballot == Ballot(("a", "b"), (2, 1))
    ordinal = parse_pabulib(
        "META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n"
        "a;4\nb;6\nVOTES\nvoter_id;vote\n1;b,a\n"
    )
    assert ordinal.votes[0].ballot.positional_scores() == {"b": 2, "a": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing section META, PROJECTS, VOTES"),
        ("hola;mundo\nMETA\nkey;value\n", "line 1: text before the META section"),
        (
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
            "META has no vote_type",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;scoring\nPROJECTS\nproject_id;cost\n"
            "VOTES\nvoter_id;vote\n",
            "unsupported vote_type 'scoring'",
        ),
        (
            "META\nkey;value\nbudget;diez\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
            "VOTES\nvoter_id;vote\n",
            "not a number: 'diez'",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;-1\n"
            "VOTES\nvoter_id;vote\n",
            "line 7: negative cost",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;1\n"
            "VOTES\nvoter_id;vote\n1;a,zz\n",
            "line 10: vote for unknown project 'zz'",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;1\n"
            "VOTES\nvoter_id;vote;points\n1;a;1,2\n",
            "line 10: 1 projects but 2 points",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;choose-1\nPROJECTS\nproject_id;cost\na;1\nb;1\n"
            "VOTES\nvoter_id;vote\n1;a,b\n",
            "line 11: a choose-1 ballot names several projects",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;name\na;x\n"
            "VOTES\nvoter_id;vote\n",
            "column cost is missing",
        ),
        (
            "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;1\na;2\n"
            "VOTES\nvoter_id;vote\n",
            "two projects share a project_id",
        ),
    ],
)
def test_malformed_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(PabulibError) as caught:
        parse_pabulib(text)
    assert str(caught.value) == message


def test_a_missing_file_is_a_pabulib_error(tmp_path: Path) -> None:
    with pytest.raises(PabulibError, match="cannot read it"):
        read_pabulib(tmp_path / "nothing.pb")


def test_writer_round_trip_keeps_everything() -> None:
    data = PabulibFile(
        meta={"description": HOSTILE, "budget": "2917710.16", "vote_type": "cumulative"},
        projects=(
            PabulibProject("BO.D13.3/25", Fraction("400000.5"), {"name": HOSTILE}),
            PabulibProject("7", Fraction(1), {"name": "a;b\nnueva línea"}),
        ),
        votes=(
            PabulibVote("1", Ballot(("7", "BO.D13.3/25"), (Fraction("1.5"), 2)), {"sex": "F"}),
            PabulibVote("v;2", Ballot((), ()), {"sex": HOSTILE}),
        ),
    )
    text = write_pabulib(data)
    assert parse_pabulib(text) == data
    assert write_pabulib(parse_pabulib(text)) == text


def test_writer_refuses_an_amount_without_a_decimal_form() -> None:
    data = PabulibFile(
        meta={"budget": "1", "vote_type": "approval"},
        projects=(PabulibProject("a", Fraction(1, 3)),),
        votes=(),
    )
    with pytest.raises(ValueError, match="no finite decimal form"):
        write_pabulib(data)


def test_a_real_file_survives_a_round_trip() -> None:
    path = pabulib_dir() / "data" / "Switzerland_Zurich_D10.pb"
    if not path.is_file():
        pytest.skip(f"no Pabulib data at {path.parent}")
    data = read_pabulib(path)
    assert parse_pabulib(write_pabulib(data)) == data
