"""The one router of the module: the public pages (routes.py) and the settings page
(admin_routes.py) register on it, and app.main includes it through ``routes.router``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
