"""Loads every feature's permission rules, so ``can`` knows every action from start-up."""

from __future__ import annotations

import app.accounts.permissions
import app.admin.permissions
import app.answers.permissions
import app.budgets.permissions
import app.comments.permissions
import app.content.permissions
import app.debates.permissions
import app.desk.permissions
import app.moderation.permissions
import app.notifications.permissions
import app.polls.booth_permissions
import app.polls.permissions
import app.proposals.permissions

__all__ = ["app"]
