"""The participation sections of the platform, in navigation order.

A section that is not built yet answers with a page that says so plainly; each feature's
router replaces its placeholder by setting ``available`` and mounting its own routes.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_


@dataclass(frozen=True)
class Section:
    key: str
    path: str
    title: str
    summary: str
    available: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "proposals",
        "/proposals",
        N_("Proposals"),
        N_("Citizen initiatives that gather support and receive a reasoned official answer."),
        available=True,
    ),
    Section(
        "debates",
        "/debates",
        N_("Debates"),
        N_("Open conversations about the issues that matter in your community."),
        available=True,
    ),
    Section(
        "polls",
        "/polls",
        N_("Votes"),
        N_("Secret votes on specific questions, online or at an in-person booth."),
        available=True,
    ),
    Section(
        "budgets",
        "/budgets",
        N_("Participatory budgets"),
        N_("Propose and choose the public works funded by the yearly budget."),
        available=True,
    ),
    Section(
        "legislation",
        "/legislation",
        N_("Regional regulations"),
        N_("Comment on draft regulations paragraph by paragraph before they are approved."),
    ),
    Section(
        "accountability",
        "/accountability",
        N_("Accountability"),
        N_("Follow the progress of public works, commitments and official answers."),
    ),
)
