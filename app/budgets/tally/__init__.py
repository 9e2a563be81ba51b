"""Counting a participatory budget: Pabulib files in and out, greedy and Equal Shares.

The budgets module builds an ``Election`` from its tables and calls ``tally`` with the rule
``rule_for(method, vote_type)`` gives; ``write_pabulib`` exports a heading's ballots.
"""

from app.budgets.tally.election import Ballot, Election, TallyProject, VoteType
from app.budgets.tally.equal_shares import Utility
from app.budgets.tally.greedy import Scoring, tally_greedy
from app.budgets.tally.pabulib import (
    PabulibError,
    PabulibFile,
    PabulibProject,
    PabulibVote,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)
from app.budgets.tally.rules import Method, Rule, rule_for, tally, tally_equal_shares

__all__ = [
    "Ballot",
    "Election",
    "Method",
    "PabulibError",
    "PabulibFile",
    "PabulibProject",
    "PabulibVote",
    "Rule",
    "Scoring",
    "TallyProject",
    "Utility",
    "VoteType",
    "parse_pabulib",
    "read_pabulib",
    "rule_for",
    "tally",
    "tally_equal_shares",
    "tally_greedy",
    "write_pabulib",
]
