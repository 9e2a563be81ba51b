"""The in-person service desk: desk managers only (administrators may take the role, logged)."""

from __future__ import annotations

from app.authz.core import has_role, rule

DESK_ACTIONS = ("desk.use", "desk.verify", "desk.create_account", "desk.act_for")

for _action in DESK_ACTIONS:
    rule(_action)(has_role("desk_manager"))
