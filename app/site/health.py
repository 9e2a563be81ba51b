from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse

router = APIRouter()
log = logging.getLogger("minka.health")


@router.get("/healthz", name="health")
def check_health(request: Request) -> JSONResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("health check: database unavailable")
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})
