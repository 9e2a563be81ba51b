"""The one router of the budget pages: the public pages (routes.py) and the setup
(admin_routes.py) register on it; app.main includes it through ``routes.router``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
