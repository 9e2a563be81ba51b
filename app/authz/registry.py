"""Loads every feature's permission rules, so ``can`` knows every action from start-up."""

from __future__ import annotations

import app.accounts.permissions
import app.admin.permissions
import app.desk.permissions

__all__ = ["app"]
