"""create_app(): middleware, routers, static files and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from app.accounts.profile_routes import router as profile_router
from app.accounts.routes import router as accounts_router
from app.admin.routes import router as admin_router
from app.admin.setup_routes import router as admin_setup_router
from app.answers.routes import router as answers_router
from app.api.routes import router as api_router
from app.budgets.routes import router as budgets_router
from app.comments.routes import router as comments_router
from app.config import Settings, get_settings
from app.content.routes import router as content_router
from app.db import make_engine, make_sessionmaker
from app.debates.routes import router as debates_router
from app.desk.routes import router as desk_router
from app.error_pages import register_error_handlers, render_unknown_host
from app.geozones.routes import router as geozones_router
from app.jobs.worker import start_embedded_worker, stop_embedded_worker
from app.middleware import (
    CompressionMiddleware,
    RequestContextMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
)
from app.moderation.routes import router as moderation_router
from app.notifications.routes import router as notifications_router
from app.oidc.routes import router as oidc_router
from app.page_cache import PageCache
from app.pages.routes import router as pages_router
from app.polls.booth_routes import router as poll_booths_router
from app.polls.routes import router as polls_router
from app.proposals.routes import router as proposals_router
from app.search.routes import router as search_router
from app.sections.routes import router as sections_router
from app.security import verify_csrf
from app.site.health import router as health_router
from app.site.routes import router as site_router
from app.static_files import STATIC_DIR, VersionedStaticFiles
from app.verification.routes import router as verification_router

ROUTERS = (
    health_router,
    site_router,
    sections_router,
    geozones_router,
    pages_router,
    accounts_router,
    profile_router,
    verification_router,
    oidc_router,
    admin_router,
    admin_setup_router,
    desk_router,
    content_router,
    debates_router,
    # Before proposals: /proposals/answers must not be taken for a proposal id.
    answers_router,
    proposals_router,
    comments_router,
    moderation_router,
    notifications_router,
    polls_router,
    poll_booths_router,
    budgets_router,
    search_router,
    api_router,
)
SESSION_COOKIE = "minka_session"
SESSION_MAX_AGE = 14 * 24 * 3600


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("minka").setLevel(level)
    # Request lines are JSON already: print them bare so log shippers can parse every line.
    request_log = logging.getLogger("minka.request")
    if not request_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.propagate = False


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Embedded mode: queued jobs (emails) run in a thread of this process, after the response.
    start_embedded_worker(app)
    yield
    stop_embedded_worker(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url)

    app = FastAPI(
        title="Minka",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        max_body_size=settings.max_body_bytes,
        dependencies=[Depends(verify_csrf)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    register_error_handlers(app)

    # Added innermost first: the last one added sees the request first.
    app.add_middleware(PageCache, seconds=settings.cache_seconds)
    app.add_middleware(
        RequestContextMiddleware,
        sessions=lambda: app.state.sessionmaker,
        default_tenant=settings.default_tenant,
        render_unknown_host=render_unknown_host,
        cache_seconds=settings.cache_seconds,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.https,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.https)
    app.add_middleware(CompressionMiddleware, minimum_size=500)
    app.add_middleware(RequestLogMiddleware)
    return app
