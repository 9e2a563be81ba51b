"""The one router of the module. The list and proposal pages (routes.py), the writing forms
(form_routes.py), supports and author actions (action_routes.py) and the settings page
(admin_routes.py) register on it; app.main includes it through ``routes.router``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
