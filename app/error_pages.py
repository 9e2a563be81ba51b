"""The one place errors become pages: every status keeps the layout and shows no internals."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.authz.core import LoginRequired
from app.errors import DomainError
from app.i18n import N_, translate
from app.middleware import apply_security_headers
from app.templating import render

log = logging.getLogger("minka.errors")

TITLES: dict[int, str] = {
    400: N_("Bad request"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Action not allowed here"),
    409: N_("Conflict"),
    401: N_("Sign in"),
    413: N_("Too much data"),
    429: N_("Too many attempts"),
    422: N_("Invalid data"),
    500: N_("Something went wrong"),
    502: N_("The other service did not answer"),
    503: N_("Service unavailable"),
}
MESSAGES: dict[int, str] = {
    400: N_("The request could not be understood."),
    403: N_("You do not have permission to do this."),
    404: N_("The page you are looking for does not exist or was moved."),
    405: N_("This address does not accept that kind of request."),
    409: N_("This conflicts with something that already exists."),
    401: N_("Please sign in to continue."),
    413: N_("What you sent is larger than this site accepts."),
    429: N_("Too many attempts. Wait a few minutes and try again."),
    422: N_("Some of the information sent is not valid."),
    500: N_("An unexpected error happened on our side. It has been recorded; please try again."),
    502: N_("A service we depend on did not answer as expected. Please try again later."),
    503: N_("The service is temporarily unavailable. Please try again in a few minutes."),
}
UNKNOWN_HOST_MESSAGE = N_("There is no Minka instance at this address.")


def render_error(
    request: Request,
    status: int,
    message: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    language = str(getattr(request.state, "language", "es"))
    text = translate(language, message or MESSAGES.get(status, MESSAGES[400]), values)
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse({"error": text}, status_code=status)
    else:
        title = TITLES.get(status, TITLES[400])
        context = {"status": status, "title": title, "text": text}
        response = render(request, "errors/error.html", context, status_code=status)
    if status >= 500:
        # Server errors can leave through the outermost middleware, past the headers one.
        settings = getattr(request.app.state, "settings", None)
        apply_security_headers(response.headers, hsts=bool(settings and settings.https))
    return response


def render_unknown_host(request: Request, status: int) -> Response:
    return render_error(request, status, UNKNOWN_HOST_MESSAGE if status == 404 else None)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired) and request.method == "GET":
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    return render_error(request, exc.status_code, exc.message, exc.values)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = render_error(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    return render_error(request, 422)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    # SQLite's write lock held past the busy timeout, or the database server gone: nothing
    # was saved (the session rolled back), so the person may simply try again.
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = render_error(request, 503)
    response.headers["Retry-After"] = "5"
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render_error(request, 500)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _server_error)
