"""Size limits for forms that carry long text.

The global body limit (MINKA_MAX_BODY_BYTES, 1 MiB) would answer a 2 MB text with a bare 413
page and lose what the person wrote. Forms with free text raise it per route, cap each field
far above any valid length, and let their form model say "too long" next to the text.
"""

from __future__ import annotations

from typing import Any

TEXT_FORM_BYTES = 8 * 1024 * 1024
TEXT_FIELD_CHARS = 4_000_000
# Starlette refuses a single form field over 1 MB unless the route says otherwise.
TEXT_FORM_LIMITS: Any = {"max_part_size": TEXT_FORM_BYTES, "max_fields": 100}
