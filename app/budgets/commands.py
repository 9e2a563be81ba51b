"""``minka budgets``: command-line tasks of the participatory budgets module."""

from __future__ import annotations

from pathlib import Path

import click

from app.budgets.tally.pabulib import PabulibError, read_pabulib
from app.budgets.tally.rules import Method, Rule, rule_for, tally

RULE_CHOICES = [method.value for method in Method] + [rule.value for rule in Rule]


@click.group()
def budgets() -> None:
    """Participatory budgets (see --help of each command)."""


@budgets.command("tally")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rule",
    "rule_name",
    type=click.Choice(RULE_CHOICES),
    required=True,
    help=(
        "greedy or equal-shares (the exact variant follows the file's vote_type, as on the "
        "results page), or one of the reference's rule names such as mes_cost."
    ),
)
def tally_command(file: Path, rule_name: str) -> None:
    """Recount a Pabulib FILE: print the funded project ids, one per line, in funding order."""
    from app.cli import fail  # late: app.cli imports this module

    try:
        data = read_pabulib(file)
    except PabulibError as error:
        fail(f"{file}: {error}")
    if rule_name in Method.__members__.values():
        rule = rule_for(Method(rule_name), data.vote_type)
    else:
        rule = Rule(rule_name)
    for project_id in tally(data.election(), rule):
        click.echo(project_id)
