"""The topics (tags) an instance offers are managed by its administrators."""

from __future__ import annotations

from app.authz.core import has_role, rule

rule("admin.tags.manage")(has_role("administrator"))
