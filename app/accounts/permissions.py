"""What a signed-in person may do with their own account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.authz.core import rule, signed_in
from app.authz.principal import Level, Principal

rule("account.view")(signed_in)
rule("account.edit")(signed_in)
rule("account.export")(signed_in)
rule("account.delete")(signed_in)


@rule("account.verify")
def can_verify_residence(principal: Principal | None, _obj: Any, _ctx: Mapping[str, Any]) -> bool:
    """Organizations never vote, so they are never verified as residents."""
    return principal is not None and not principal.is_organization and principal.resident_id is None


@rule("account.confirm_birth")
def can_confirm_birth_date(principal: Principal | None, _obj: Any, _ctx: Mapping[str, Any]) -> bool:
    """A verified resident confirms their date of birth against the census (minimum ages)."""
    return principal is not None and principal.level == Level.VERIFIED
