"""Comments are flagged (and linked to) as target type ``comment``.

A comment has no page of its own: its path is ``/comments/{id}``, which redirects to the
anchor of the comment on the page of what it comments on.
"""

from __future__ import annotations

from app.comments.models import Comment
from app.content.targets import TargetKind, register_target
from app.i18n import N_

COMMENT = register_target(
    TargetKind("comment", Comment, N_("comment"), lambda id: f"/comments/{id}")
)
