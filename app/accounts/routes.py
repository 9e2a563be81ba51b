"""Sign in and out, registration, email confirmation, password reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from app.accounts import emails, service
from app.accounts.schemas import NewPasswordForm, RegistrationForm
from app.accounts.sessions import SESSION_TOKEN_KEY, end_session, start_session
from app.audit.service import record
from app.deps import (
    ClientAddress,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TenantDep,
    WriteSessionDep,
)
from app.flash import flash
from app.forms import FormInvalid, error_of, parse_form
from app.i18n import N_, gettext
from app.mail import Mail, send_mail
from app.oidc.repository import enabled_providers
from app.security import CSRF_SESSION_KEY, safe_next
from app.templating import render
from app.urls import public_url

router = APIRouter()
# Generous limits: the form schemas give the friendly message for anything too long.
Text = Annotated[str, Form(max_length=5000)]
Secret = Annotated[str, Form(max_length=5000)]


def sign_in(request: Request, session: Session, token: str) -> None:
    """A fresh cookie session (new id, new CSRF token) holding only the login token; a login
    this browser held before is ended on the server."""
    previous = getattr(request.state, "principal", None)
    if previous is not None and previous.session_id is not None:
        end_session(session, previous.session_id)
    request.session.clear()
    request.session[SESSION_TOKEN_KEY] = token


def _mail_task(request: Request, settings: SettingsDep, mail: Mail) -> BackgroundTask:
    return BackgroundTask(send_mail, settings, mail)


def _link(request: Request, path: str) -> str:
    return public_url(request, request.state.tenant, request.app.state.settings, path)


@router.get("/login", name="login")
def show_login(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
) -> Response:
    return render(
        request,
        "accounts/login.html",
        {
            "providers": enabled_providers(session),
            "next_path": safe_next(next_path),
            "form": {"email": ""},
            "errors": {},
        },
    )


@router.post("/login", name="login_submit")
def submit_login(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    address: ClientAddress,
    email: Text = "",
    password: Secret = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    try:
        user = service.authenticate(session, email, password, address)
    except (service.SignInRefused, service.TooManyAttempts) as refused:
        context = {
            "providers": enabled_providers(session),
            "next_path": safe_next(next_path),
            "form": {"email": email},
            "errors": {"email": error_of(refused)},
        }
        return render(request, "accounts/login.html", context, status_code=refused.status_code)
    token, _login = start_session(session, user)
    sign_in(request, session, token)
    record(
        session,
        "login.password",
        actor=None,
        object_type="user",
        object_id=user.id,
        client_address=address,
    )
    return RedirectResponse(safe_next(next_path), status_code=303)


@router.post("/logout", name="logout")
def logout(
    request: Request, tenant: TenantDep, session: SessionDep, principal: PrincipalDep
) -> Response:
    if principal is not None and principal.session_id is not None:
        end_session(session, principal.session_id)
    request.session.clear()
    flash(request, N_("You have signed out."))
    return RedirectResponse("/", status_code=303)


@router.get("/register", name="register")
def show_registration(request: Request, tenant: TenantDep) -> Response:
    return render(request, "accounts/register.html", {"form": {}, "errors": {}})


@router.post("/register", name="register_submit")
def submit_registration(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    display_name: Text = "",
    email: Text = "",
    password: Secret = "",
    password_confirmation: Secret = "",
    accept_terms: Text = "",
) -> Response:
    submitted = {
        "display_name": display_name,
        "email": email,
        "password": password,
        "password_confirmation": password_confirmation,
        "accept_terms": accept_terms in {"true", "on", "yes", "1"},
    }
    try:
        form = parse_form(RegistrationForm, submitted)
    except FormInvalid as invalid:
        context = {"form": submitted, "errors": invalid.errors}
        return render(request, "accounts/register.html", context, status_code=422)
    language = request.state.language
    registration = service.register(session, form, language)
    if registration.confirm_token is not None:
        link = _link(request, f"/account/confirm?token={registration.confirm_token}")
        mail = emails.confirmation_mail(language, form.email, tenant.name, link)
    else:
        mail = emails.already_registered_mail(
            language, form.email, tenant.name, _link(request, "/password/forgot")
        )
    # The same answer whether or not the address had an account: no enumeration.
    return _check_your_email(request, form.email, _mail_task(request, settings, mail))


def _check_your_email(request: Request, email: str, task: BackgroundTask | None) -> Response:
    language = request.state.language
    return render(
        request,
        "accounts/message.html",
        {
            "title": gettext(language, N_("Check your email")),
            "text": gettext(
                language,
                N_(
                    "If %(email)s can receive our messages, a link is on its way. It may take a "
                    "few minutes; look in the spam folder too."
                ),
            )
            % {"email": email},
        },
        background=task,
    )


@router.get("/account/confirm", name="confirm_email")
def confirm_email(
    request: Request,
    tenant: TenantDep,
    session: WriteSessionDep,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    service.confirm_email(session, token)
    # No session from a link: mail scanners open links too. The person signs in next.
    flash(request, N_("Your email address is confirmed. Welcome! Sign in to continue."), "success")
    return RedirectResponse("/login?next=/account", status_code=303)


@router.get("/password/forgot", name="forgot_password")
def show_forgot(request: Request, tenant: TenantDep) -> Response:
    return render(request, "accounts/forgot.html", {"form": {}, "errors": {}})


@router.post("/password/forgot", name="forgot_password_submit")
def submit_forgot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    address: ClientAddress,
    email: Text = "",
) -> Response:
    task = None
    issued = service.request_password_reset(session, email, address)
    if issued is not None:
        user, token = issued
        link = _link(request, f"/password/reset?token={token}")
        language = user.language or request.state.language
        mail = emails.reset_mail(language, user.email or email, tenant.name, link)
        task = _mail_task(request, settings, mail)
    return _check_your_email(request, email.strip(), task)


@router.get("/password/reset", name="reset_password")
def show_reset(
    request: Request, tenant: TenantDep, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    return render(request, "accounts/reset.html", {"token": token, "errors": {}})


@router.post("/password/reset", name="reset_password_submit")
def submit_reset(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    token: Text = "",
    password: Secret = "",
    password_confirmation: Secret = "",
) -> Response:
    try:
        form = parse_form(
            NewPasswordForm, {"password": password, "password_confirmation": password_confirmation}
        )
    except FormInvalid as invalid:
        context = {"token": token, "errors": invalid.errors}
        return render(request, "accounts/reset.html", context, status_code=422)
    user = service.reset_password(session, token, form.password)
    record(session, "account.password_reset", actor=None, object_type="user", object_id=user.id)
    request.session.pop(SESSION_TOKEN_KEY, None)
    request.session.pop(CSRF_SESSION_KEY, None)
    flash(request, N_("Your password has been changed. Sign in with it."), "success")
    return RedirectResponse("/login", status_code=303)
