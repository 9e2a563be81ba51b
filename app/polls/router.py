"""The one router of the polls pages. The public pages (routes.py), voting (vote_routes.py),
results (results_routes.py) and the editor (admin_routes.py, question_routes.py,
publish_routes.py) register on it; app.main includes it through ``routes.router``. The
booth pages have their own router."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
