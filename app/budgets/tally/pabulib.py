"""Read and write Pabulib ``.pb`` files (pabulib.org), the open-data format of PB research.

A file has three ``;``-separated sections (META, PROJECTS, VOTES), each starting with a header
row; fields may be quoted. Numbers may use a decimal comma. The reader keeps every column it
does not interpret in ``fields`` so that a file read and written again loses nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from app.budgets.tally.election import Ballot, Election, TallyProject, VoteType

SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """The text is not a Pabulib file this reader understands; the message says where."""


@dataclass(frozen=True, slots=True)
class PabulibProject:
    id: str
    cost: Fraction
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PabulibVote:
    voter_id: str
    ballot: Ballot
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PabulibFile:
    meta: dict[str, str]
    projects: tuple[PabulibProject, ...]
    votes: tuple[PabulibVote, ...]

    @property
    def vote_type(self) -> VoteType:
        return VoteType(self.meta["vote_type"])

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"])

    def election(self) -> Election:
        return Election(
            budget=self.budget,
            projects=tuple(TallyProject(p.id, p.cost) for p in self.projects),
            ballots=tuple(vote.ballot for vote in self.votes),
            vote_type=self.vote_type,
        )


def parse_number(text: str) -> Fraction:
    """An exact number from ``12``, ``2917710.16`` or ``2917710,16``."""
    cleaned = text.strip().replace(",", ".")
    try:
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"not a number: {text!r}") from None


def read_pabulib(path: str | Path) -> PabulibFile:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise PabulibError("not UTF-8 text") from None
    except OSError as error:
        raise PabulibError(f"cannot read it ({error.strerror or error})") from None
    return parse_pabulib(text)


def parse_pabulib(text: str) -> PabulibFile:
    sections: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in SECTIONS}
    headers: dict[str, list[str]] = {}
    current: list[tuple[int, list[str]]] | None = None
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    try:
        for row in rows:
            if len(row) == 1 or (row and not any(row[1:])):
                name = row[0].strip().lower()
                if not name:
                    continue
                if name in SECTIONS:
                    line = rows.line_num
                    if name in headers:
                        raise PabulibError(f"line {line}: section {name.upper()} appears twice")
                    header = next(rows, None)
                    if header is None:
                        raise PabulibError(f"line {line}: {name.upper()} has no header row")
                    headers[name] = [cell.strip() for cell in header]
                    current = sections[name]
                    continue
            elif not row:
                continue
            if current is None:
                raise PabulibError(f"line {rows.line_num}: text before the META section")
            current.append((rows.line_num, row))
    except csv.Error as error:
        raise PabulibError(f"line {rows.line_num}: {error}") from None
    missing = [name.upper() for name in SECTIONS if name not in headers]
    if missing:
        raise PabulibError(f"missing section {', '.join(missing)}")

    meta: dict[str, str] = {}
    for line, row in sections["meta"]:
        if len(row) < 2:
            raise PabulibError(f"line {line}: META rows are key;value")
        meta[row[0].strip()] = row[1].strip()
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PabulibError(f"META has no {key}")
    try:
        vote_type = VoteType(meta["vote_type"])
    except ValueError:
        raise PabulibError(f"unsupported vote_type {meta['vote_type']!r}") from None
    if parse_number(meta["budget"]) < 0:
        raise PabulibError("the budget is negative")

    projects: list[PabulibProject] = []
    for line, values in _records(sections["projects"], headers["projects"], ("project_id", "cost")):
        cost = parse_number(values.pop("cost"))
        if cost < 0:
            raise PabulibError(f"line {line}: negative cost")
        projects.append(PabulibProject(values.pop("project_id"), cost, values))
    ids = {project.id for project in projects}
    if len(ids) != len(projects):
        raise PabulibError("two projects share a project_id")

    votes: list[PabulibVote] = []
    for line, values in _records(sections["votes"], headers["votes"], ("voter_id", "vote")):
        ballot = _ballot(values, vote_type, line)
        if not ids.issuperset(ballot.projects):
            unknown = next(p for p in ballot.projects if p not in ids)
            raise PabulibError(f"line {line}: vote for unknown project {unknown!r}")
        votes.append(PabulibVote(values.pop("voter_id"), ballot, values))
    return PabulibFile(meta, tuple(projects), tuple(votes))


def _records(
    rows: list[tuple[int, list[str]]], header: list[str], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    for column in required:
        if column not in header:
            raise PabulibError(f"column {column} is missing")
    for line, row in rows:
        if len(row) > len(header):
            raise PabulibError(f"line {line}: more fields than the header names")
        values = dict(zip(header, map(str.strip, row), strict=False))
        if len(values) < len(required) or any(column not in values for column in required):
            raise PabulibError(f"line {line}: no value for {required[-1]}")
        yield line, values


def _ballot(values: dict[str, str], vote_type: VoteType, line: int) -> Ballot:
    listed = tuple(filter(None, map(str.strip, values.pop("vote").split(","))))
    if vote_type is not VoteType.CUMULATIVE:
        if vote_type is VoteType.CHOOSE_1 and len(set(listed)) > 1:
            raise PabulibError(f"line {line}: a choose-1 ballot names several projects")
        return Ballot(listed)
    raw_points = values.pop("points", "")
    points = tuple(_whole(parse_number(n)) for n in raw_points.split(",") if n.strip())
    if len(points) != len(listed):
        raise PabulibError(f"line {line}: {len(listed)} projects but {len(points)} points")
    if any(n < 0 for n in points):
        raise PabulibError(f"line {line}: negative points")
    return Ballot(listed, points)


def _whole(value: Fraction) -> Fraction | int:
    return value.numerator if value.denominator == 1 else value


def format_number(value: Fraction | int) -> str:
    """Exact decimal text, the form Pabulib files use; refuses what has no finite decimal."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator, places = value.denominator, 0
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal form")
    while (value * 10**places).denominator != 1:
        places += 1
    scaled = abs(value.numerator * 10**places // value.denominator)
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def write_pabulib(data: PabulibFile) -> str:
    """The file's text; ``parse_pabulib(write_pabulib(data)) == data``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(data.meta)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    writer.writerow(["PROJECTS"])
    project_columns = _extra_columns(project.fields for project in data.projects)
    writer.writerow(["project_id", "cost", *project_columns])
    for project in data.projects:
        extra = [project.fields.get(column, "") for column in project_columns]
        writer.writerow([project.id, format_number(project.cost), *extra])

    writer.writerow(["VOTES"])
    cumulative = data.vote_type is VoteType.CUMULATIVE
    vote_columns = _extra_columns(vote.fields for vote in data.votes)
    writer.writerow(["voter_id", "vote", *(["points"] if cumulative else []), *vote_columns])
    for vote in data.votes:
        row = [vote.voter_id, ",".join(vote.ballot.projects)]
        if cumulative:
            row.append(",".join(format_number(n) for n in vote.ballot.points or ()))
        writer.writerow([*row, *(vote.fields.get(column, "") for column in vote_columns)])
    return out.getvalue()


def _extra_columns(rows: Iterable[dict[str, str]]) -> list[str]:
    columns: dict[str, None] = {}
    for fields in rows:
        columns.update(dict.fromkeys(fields))
    return list(columns)
