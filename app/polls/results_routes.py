"""Results, receipt codes and exports: published once the poll is closed, to everyone alike.

Before closing every one of these pages answers 403 with the reason, staff included, so no
one can watch a count grow or guess a late voter's choice from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from starlette.responses import Response

from app.authz.core import can
from app.deps import IdPath, PrincipalDep, SessionDep, TenantDep
from app.errors import Forbidden
from app.i18n import N_
from app.polls import exports, repository, service
from app.polls.ballots import normalize_receipt
from app.polls.models import Poll
from app.polls.pages import poll_outline
from app.polls.permissions import phase
from app.polls.results import PollResults
from app.polls.router import router
from app.polls.tally import published_results
from app.templating import render

CHANNEL_LABELS = {"web": N_("Online"), "tablet": N_("Booth tablet"), "paper": N_("Paper")}


class ResultsNotPublished(Forbidden):
    message = N_("The results are published when the poll closes.")


def _closed_poll(
    session: SessionDep, principal: PrincipalDep, poll_id: int
) -> tuple[Poll, PollResults]:
    poll = service.visible_poll(session, poll_id, include_drafts=can(principal, "polls.manage"))
    results = published_results(poll)
    if results is None:
        if phase(poll) == "counting":
            raise ResultsNotPublished(
                N_("Voting has ended. The votes are being counted: come back in a few minutes.")
            )
        raise ResultsNotPublished()
    return poll, results


@router.get("/polls/{poll_id}/results", name="poll_results")
def poll_results(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    poll_id: IdPath,
) -> Response:
    poll, results = _closed_poll(session, principal, poll_id)
    booth_names = {booth.booth_id: booth.name for booth in results.booths}
    context = {
        **poll_outline(session, poll),
        "results": results,
        "booth_names": booth_names,
        "channel_labels": CHANNEL_LABELS,
    }
    return render(request, "polls/results.html", context)


def _receipts_page(
    request: Request, session: SessionDep, poll: Poll, results: PollResults, code: str, after: str
) -> Response:
    wanted = normalize_receipt(code) if code.strip() else None
    found = None
    if code.strip():
        found = wanted is not None and repository.receipt_counted(session, poll.id, wanted)
    receipts, more = repository.receipts_after(session, poll.id, after.strip().upper())
    context = {
        "poll": poll,
        "results": results,
        "code": code,
        "wanted": wanted,
        "found": found,
        "receipts": receipts,
        "after": after,
        "next_after": receipts[-1] if more else None,
    }
    return render(request, "polls/receipts.html", context)


@router.get("/polls/{poll_id}/receipts", name="poll_receipts")
def poll_receipts(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    poll_id: IdPath,
    after: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    poll, results = _closed_poll(session, principal, poll_id)
    return _receipts_page(request, session, poll, results, "", after)


@router.post("/polls/{poll_id}/receipts", name="poll_find_receipt")
def find_receipt(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    poll_id: IdPath,
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A posted form, not a query: a code in the address would stay in proxy logs and in the
    history of a shared device, tying whoever used it to a published ballot."""
    poll, results = _closed_poll(session, principal, poll_id)
    return _receipts_page(request, session, poll, results, code, "")


def _download(body: str, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/polls/{poll_id}/results.csv", name="poll_results_csv")
def poll_results_csv(
    tenant: TenantDep, session: SessionDep, principal: PrincipalDep, poll_id: IdPath
) -> Response:
    poll, results = _closed_poll(session, principal, poll_id)
    body = exports.results_csv(results)
    return _download(body, "text/csv; charset=utf-8", f"poll-{poll.id}-results.csv")


@router.get("/polls/{poll_id}/results.json", name="poll_results_json")
def poll_results_json(
    tenant: TenantDep, session: SessionDep, principal: PrincipalDep, poll_id: IdPath
) -> Response:
    poll, results = _closed_poll(session, principal, poll_id)
    body = exports.results_json(results)
    return _download(body, "application/json", f"poll-{poll.id}-results.json")


@router.get("/polls/{poll_id}/ballots.json", name="poll_ballots_json")
def poll_ballots_json(
    tenant: TenantDep, session: SessionDep, principal: PrincipalDep, poll_id: IdPath
) -> Response:
    poll, _results = _closed_poll(session, principal, poll_id)
    body = exports.ballots_json(session, poll)
    return _download(body, "application/json", f"poll-{poll.id}-ballots.json")
