"""``minka budgets tally FILE.pb --rule …``: anyone can recount a published result."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.budgets.pabulib_data import expected, pabulib_dir

SMALL = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
    "x1;50\nx2;50\ny;50\nVOTES\nvoter_id;vote\n"
    + "".join(f"{i};x1,x2\n" for i in range(6))
    + "".join(f"{i + 6};y\n" for i in range(4))
)


def recount(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["budgets", "tally", *args])
    return result.exit_code, result.stdout, result.stderr


def test_both_rules_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    assert recount(str(path), "--rule", "greedy") == (0, "x1\nx2\n", "")
    assert recount(str(path), "--rule", "equal-shares") == (0, "x1\ny\n", "")
    assert recount(str(path), "--rule", "mes_cost") == (0, "x1\n", "")


def test_a_real_file_gives_the_reference_ids() -> None:
    name = "Poland_Swiecie_2023.pb"
    path = pabulib_dir() / "data" / name
    if not path.is_file():
        pytest.skip(f"no Pabulib data at {path.parent}")
    reference = {
        (r["file"], r["rule"]): r["selected_project_ids"]
        for r in expected()["results"]
        if r["status"] == "ok"
    }
    code, out, err = recount(str(path), "--rule", "equal-shares")
    assert (code, err) == (0, "")
    assert sorted(out.split()) == sorted(reference[(name, "mes_cost_add1_greedy")])
    code, out, _ = recount(str(path), "--rule", "greedy")
    assert sorted(out.split()) == sorted(reference[(name, "greedy_cost")])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read it (No such file or directory)"),
        ("META\nkey;value\nbudget;10\n", "missing section PROJECTS, VOTES"),
        (b"\xff\xfe\x00META", "not UTF-8 text"),
    ],
)
def test_a_missing_or_malformed_file_fails_in_one_line(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "input.pb"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    code, out, err = recount(str(path), "--rule", "greedy")
    assert (code, out) == (1, "")
    assert err == f"minka: error: {path}: {message}\n"
