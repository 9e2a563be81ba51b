"""Reporting content through the real form: once per person, never one's own, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import scoped_to
from app.moderation.models import FLAG_REASONS, Flag
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal
from tests.rendering import context_of, template_name

RAW = "<script>alert('x')</script>"


def _signed_in(client: TestClient, db: Session, tenant: Tenant, *roles: str) -> User:
    user = make_user(db, tenant, *roles)
    db.commit()
    sign_in(client, user)
    return user


def _flag(client: TestClient, target_type: str, target_id: object, **fields: str) -> Response:
    data = {
        "target_type": target_type,
        "target_id": str(target_id),
        "reason": "spam",
        "details": "",
        "next": "",
        **fields,
        "csrf_token": csrf_of(client),
    }
    return client.post("/flags", data=data, follow_redirects=False)


def _flags(db: Session, tenant: Tenant) -> list[Flag]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(Flag).order_by(Flag.id)))


@pytest.mark.parametrize("kind", ["debate", "proposal", "comment"])
def test_person_reports_content_and_goes_back(
    kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    target: Any = {
        "debate": lambda: debate,
        "proposal": lambda: make_proposal(db, tenant_a),
        "comment": lambda: make_comment(db, tenant_a, debate),
    }[kind]()
    me = _signed_in(client_a, db, tenant_a)
    response = _flag(client_a, kind, target.id, reason="offensive", details=HOSTILE, next="/x?a=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/x?a=1"
    [flag] = _flags(db, tenant_a)
    assert (flag.target_type, flag.target_id, flag.user_id) == (kind, target.id, me.id)
    assert (flag.reason, flag.details, flag.reviewed_at) == ("offensive", HOSTILE, None)
    assert "A moderator will review your report." in client_a.get("/").text


def test_second_report_by_the_same_person_is_a_friendly_message(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    assert _flag(client_a, "debate", debate.id).status_code == 303
    again = _flag(client_a, "debate", debate.id, reason="other")
    assert again.status_code == 303
    assert "You had already reported this." in client_a.get("/").text
    assert [flag.reason for flag in _flags(db, tenant_a)] == ["spam"]
    # Another person's report on the same content still counts.
    _signed_in(client_a, db, tenant_a)
    assert _flag(client_a, "debate", debate.id).status_code == 303
    assert len(_flags(db, tenant_a)) == 2


def test_without_next_the_report_returns_to_the_content(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    for hostile_next in ("", "https://evil.example/", "//evil.example", "/\\evil.example"):
        db.execute(delete(Flag))
        db.commit()
        response = _flag(client_a, "debate", debate.id, next=hostile_next)
        assert response.headers["location"] == f"/debates/{debate.id}"


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"reason": "because"}, "reason", "Choose one of the reasons."),
        ({"reason": ""}, "reason", "Choose one of the reasons."),
        ({"details": "x" * 501}, "details", "Write at most 500 characters."),
        ({"details": "abc\x00"}, "details", "could not be read"),
    ],
)
def test_bad_report_comes_back_with_the_text_and_a_message(
    fields: dict[str, str],
    field: str,
    text: str,
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    response = _flag(client_a, "debate", debate.id, **{"details": HOSTILE, **fields})
    assert response.status_code == 422
    assert template_name(response) == "moderation/flag.html"
    assert field in context_of(response)["errors"]
    assert text in response.text
    assert RAW not in response.text
    if "details" not in fields:
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    assert _flags(db, tenant_a) == []


def test_two_megabytes_of_details_is_refused_without_a_500(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    response = _flag(client_a, "debate", debate.id, details="x" * 2_000_000)
    assert response.status_code in {413, 422}
    assert _flags(db, tenant_a) == []


@pytest.mark.parametrize(
    ("target_type", "target_id"),
    [("debate", 999_999), ("poll", 1), ("debate", "abc"), ("debate", "-1"), ("", ""),
     ("debate", "9" * 30)],
)  # fmt: skip
def test_unknown_target_is_a_404_with_a_clear_message(
    target_type: str, target_id: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in(client_a, db, tenant_a)
    response = _flag(client_a, target_type, target_id)
    assert response.status_code == 404
    assert "does not exist or is no longer visible" in response.text


def test_hidden_content_and_content_of_another_instance_cannot_be_reported(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    hidden = make_debate(db, tenant_a, hidden=True)
    foreign = make_debate(db, tenant_b)
    _signed_in(client_a, db, tenant_a)
    assert _flag(client_a, "debate", hidden.id).status_code == 404
    assert _flag(client_a, "debate", foreign.id).status_code == 404
    assert _flags(db, tenant_a) == []
    assert _flags(db, tenant_b) == []


def test_nobody_reports_their_own_content(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    me = _signed_in(client_a, db, tenant_a)
    debate = make_debate(db, tenant_a, author=me)
    db.commit()
    response = _flag(client_a, "debate", debate.id)
    assert response.status_code == 403
    assert "You cannot report your own content." in response.text
    assert "Report" not in client_a.get(f"/debates/{debate.id}").text.split("<main")[-1]


def test_anonymous_report_is_refused(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    db.commit()
    assert _flag(client_a, "debate", debate.id).status_code == 401
    new = client_a.get(f"/flags/new?target_type=debate&target_id={debate.id}")
    assert new.status_code == 200
    assert "/login" in str(new.url)
    assert _flags(db, tenant_a) == []


def test_report_without_csrf_token_is_refused(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    data = {"target_type": "debate", "target_id": str(debate.id), "reason": "spam"}
    assert client_a.post("/flags", data=data).status_code == 403
    assert _flags(db, tenant_a) == []


def test_report_page_shows_the_content_escaped_and_every_reason(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, debate)
    _signed_in(client_a, db, tenant_a)
    page = client_a.get(
        f"/flags/new?target_type=comment&target_id={comment.id}&next=/debates/{debate.id}"
    )
    assert page.status_code == 200
    assert template_name(page) == "moderation/flag.html"
    assert RAW not in page.text
    assert "&lt;script&gt;" in page.text
    for reason in FLAG_REASONS:
        assert f'name="reason" value="{reason}"' in page.text
    assert f'name="next" value="/debates/{debate.id}"' in page.text
    foreign = client_a.get("/flags/new?target_type=comment&target_id=999999")
    assert foreign.status_code == 404


def test_debate_page_offers_the_report_form_to_others_only(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author)
    db.commit()
    assert 'action="/flags"' not in client_a.get(f"/debates/{debate.id}").text
    _signed_in(client_a, db, tenant_a)
    page = client_a.get(f"/debates/{debate.id}").text
    assert 'action="/flags"' in page
    assert f'name="next" value="/debates/{debate.id}"' in page
    sign_in(client_a, author)
    assert 'action="/flags"' not in client_a.get(f"/debates/{debate.id}").text
