"""Administration of one instance: only its administrators."""

from __future__ import annotations

from app.authz.core import has_role, rule

ADMIN_ACTIONS = (
    "admin.view",
    "admin.users.manage",
    "admin.roles.assign",
    "admin.census.import",
    "admin.audit.view",
    "admin.conflicts.resolve",
    "admin.providers.manage",
)

for _action in ADMIN_ACTIONS:
    rule(_action)(has_role("administrator"))
