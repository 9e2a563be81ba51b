"""The test identity provider itself, end to end, without the app: discovery, the code flow
with PKCE, signatures, userinfo, refused logins, sign-out and the tampering proxy."""

from __future__ import annotations

import hashlib
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest

from tests.oidc.fixture import (
    ACR_STRONG,
    ACR_WEAK,
    HERE,
    SCOPES,
    LoginRefused,
    TestProvider,
    b64url_encode,
    decode_jwt,
    ensure_node_modules,
    sign_rs256,
    unsigned_token,
    verify_rs256,
)

CALLBACK = "http://testserver/auth/test-op/callback"
AFTER_LOGOUT = "http://testserver/"


@pytest.fixture(scope="module")
def provider() -> Iterator[TestProvider]:
    with TestProvider([CALLBACK], post_logout_redirect_uris=[AFTER_LOGOUT]) as provider:
        yield provider


@pytest.fixture(scope="module")
def proxied() -> Iterator[TestProvider]:
    with TestProvider([CALLBACK], behind_proxy=True) as provider:
        yield provider


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=10) as client:
        yield client


@dataclass
class Flow:
    url: str
    state: str
    nonce: str
    verifier: str


def start_flow(provider: TestProvider, scope: str = SCOPES, **extra: str) -> Flow:
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    challenge = b64url_encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return Flow(provider.url("/auth") + "?" + urlencode(params), state, nonce, verifier)


def callback_params(url: str) -> dict[str, str]:
    assert url.startswith(CALLBACK + "?"), url
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def redeem(http: httpx2.Client, provider: TestProvider, code: str, verifier: str) -> Any:
    response = http.post(
        provider.url("/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=(provider.client_id, provider.client_secret),
    )
    return response.status_code, response.json()


def log_in(http: httpx2.Client, provider: TestProvider, username: str) -> tuple[Flow, Any]:
    flow = start_flow(provider)
    callback = provider.login(None, flow.url, username, provider.users[username].password)
    params = callback_params(callback)
    assert params["state"] == flow.state
    assert params["iss"] == provider.issuer
    status, tokens = redeem(http, provider, params["code"], flow.verifier)
    assert status == 200, tokens
    return flow, tokens


def test_discovery_announces_the_issuer_and_pkce_s256(provider, http):
    metadata = http.get(provider.url("/.well-known/openid-configuration")).json()

    assert metadata["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert {"openid", "email", "profile", "dni"} <= set(metadata["scopes_supported"])
    assert {ACR_WEAK, ACR_STRONG} <= set(metadata["acr_values_supported"])
    assert metadata["response_types_supported"] == ["code"]


def test_code_flow_gives_a_signed_id_token_and_the_claims(provider, http):
    ana = provider.users["ana"]
    flow, tokens = log_in(http, provider, "ana")

    jwks = http.get(provider.url("/jwks")).json()
    assert jwks["keys"] == [provider.public_jwk | {"use": "sig"}]
    header, _ = decode_jwt(tokens["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == provider.private_jwk["kid"]
    claims = verify_rs256(tokens["id_token"], jwks)
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == provider.client_id
    assert claims["nonce"] == flow.nonce
    assert claims["sub"] == ana.sub
    assert claims["acr"] == ACR_STRONG
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["iat"] - time.time()) < 60
    assert "national_id" not in claims  # the code flow keeps user claims for userinfo

    userinfo = http.get(
        provider.url("/me"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert userinfo == {
        "sub": ana.sub,
        "email": ana.email,
        "email_verified": True,
        "name": ana.name,
        "national_id": ana.national_id,
    }


def test_scopes_decide_the_released_claims(provider, http):
    flow = start_flow(provider, scope="openid email")
    params = callback_params(provider.login(None, flow.url, "beto", "beto-clave-2024"))
    _, tokens = redeem(http, provider, params["code"], flow.verifier)

    assert decode_jwt(tokens["id_token"])[1]["acr"] == ACR_WEAK
    userinfo = http.get(
        provider.url("/me"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert set(userinfo) == {"sub", "email", "email_verified"}


def test_a_user_without_national_id_or_acr(provider, http):
    _, tokens = log_in(http, provider, "kusi")

    assert "acr" not in decode_jwt(tokens["id_token"])[1]
    userinfo = http.get(
        provider.url("/me"), headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert userinfo["name"] == provider.users["kusi"].name
    assert userinfo["email_verified"] is False
    assert "national_id" not in userinfo


def test_wrong_password_and_unknown_user_are_refused(provider):
    with pytest.raises(LoginRefused, match="Invalid username or password"):
        provider.login(None, start_flow(provider).url, "ana", "not-her-password")
    with pytest.raises(LoginRefused, match="Invalid username or password"):
        provider.login(None, start_flow(provider).url, "nobody", "whatever")


def test_pkce_is_required(provider, http):
    flow = start_flow(provider, code_challenge="", code_challenge_method="")
    response = http.get(flow.url)

    assert response.is_redirect
    params = callback_params(response.headers["location"])
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]


def test_a_code_needs_its_verifier_and_is_single_use(provider, http):
    flow = start_flow(provider)
    params = callback_params(provider.login(None, flow.url, "ana", provider.users["ana"].password))

    status, body = redeem(http, provider, params["code"], secrets.token_urlsafe(32))
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = redeem(http, provider, params["code"], flow.verifier)
    assert status == 200, body
    status, body = redeem(http, provider, params["code"], flow.verifier)
    assert (status, body["error"]) == (400, "invalid_grant")  # already redeemed


def test_session_is_reused_and_ends_at_sign_out(provider, http):
    ana = provider.users["ana"]
    with provider.user_agent() as browser:
        first = provider.login(browser, start_flow(provider).url, "ana", ana.password)
        assert callback_params(first)["iss"] == provider.issuer
        # Signed in already: no form this time, straight back to the app.
        second = provider.login(browser, start_flow(provider).url, "ana", "no form to fill")
        assert "code" in callback_params(second)

        flow = start_flow(provider)
        params = callback_params(provider.login(browser, flow.url, "ana", ana.password))
        _, tokens = redeem(http, provider, params["code"], flow.verifier)
        query = urlencode(
            {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT}
        )
        back = provider.logout(browser, provider.url("/session/end") + "?" + query)
        assert back == AFTER_LOGOUT

        with pytest.raises(LoginRefused):  # the form is shown again: the session ended
            provider.login(browser, start_flow(provider).url, "ana", "wrong")


def test_forged_tokens_verify_with_the_provider_keys(provider, http):
    """The hand-made RS256 signatures are accepted by an independent implementation."""
    claims = {"iss": provider.issuer, "aud": "x", "sub": "s", "exp": int(time.time()) + 60}
    forged = provider.sign(claims)
    jwks = http.get(provider.url("/jwks")).json()

    assert verify_rs256(forged, jwks) == claims
    assert node_verifies(forged, provider.public_jwk)
    by_someone_else = sign_rs256(claims, provider.foreign_jwk, {"kid": provider.public_jwk["kid"]})
    with pytest.raises(ValueError, match="signature"):
        verify_rs256(by_someone_else, jwks)
    assert not node_verifies(by_someone_else, provider.public_jwk)


def node_verifies(token: str, jwk: dict[str, str]) -> bool:
    script = """
        const crypto = require('node:crypto');
        const { token, jwk } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
        const [header, payload, signature] = token.split('.');
        const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
        const ok = crypto.verify('sha256', Buffer.from(`${header}.${payload}`), key,
                                 Buffer.from(signature, 'base64url'));
        process.stdout.write(ok ? 'valid' : 'invalid');
    """
    result = subprocess.run(
        [ensure_node_modules(), "-e", script],
        input=json.dumps({"token": token, "jwk": jwk}),
        capture_output=True,
        text=True,
        timeout=20,
        cwd=HERE,
        check=True,
    )
    return result.stdout == "valid"


def test_proxy_stands_in_for_the_provider(proxied, http):
    proxy = proxied.proxy
    assert proxy is not None
    metadata = http.get(proxied.url("/.well-known/openid-configuration")).json()

    assert proxied.issuer == proxy.origin != proxied.listen_url
    assert metadata["issuer"] == proxy.origin
    assert metadata["token_endpoint"] == proxy.origin + "/token"
    assert metadata["jwks_uri"] == proxy.origin + "/jwks"
    flow, tokens = log_in(http, proxied, "ana")
    claims = verify_rs256(tokens["id_token"], http.get(metadata["jwks_uri"]).json())
    assert claims["iss"] == proxy.origin
    assert claims["nonce"] == flow.nonce
    assert not proxy.forged
    assert "POST /token" in proxy.paths


def test_proxy_replaces_the_id_token(proxied, http):
    proxy = proxied.proxy
    assert proxy is not None
    jwks = http.get(proxied.url("/jwks")).json()

    with proxy.forging_id_token(lambda claims: proxied.sign({**claims, "aud": "someone-else"})):
        flow, tokens = log_in(http, proxied, "ana")
    claims = verify_rs256(tokens["id_token"], jwks)
    assert claims["aud"] == "someone-else"
    assert claims["nonce"] == flow.nonce
    original, forged = proxy.forged[-1]
    assert forged == tokens["id_token"]
    assert decode_jwt(original)[1]["aud"] == proxied.client_id

    with proxy.forging_id_token(unsigned_token):
        _, tokens = log_in(http, proxied, "ana")
    header, claims = decode_jwt(tokens["id_token"])
    assert header["alg"] == "none"
    assert tokens["id_token"].endswith(".")
    assert claims["aud"] == proxied.client_id

    _, tokens = log_in(http, proxied, "ana")  # back to pass-through
    assert verify_rs256(tokens["id_token"], jwks)["aud"] == proxied.client_id


def test_a_broken_forge_fails_loudly(proxied, http):
    proxy = proxied.proxy
    assert proxy is not None
    flow = start_flow(proxied)
    params = callback_params(proxied.login(None, flow.url, "ana", proxied.users["ana"].password))

    with proxy.forging_id_token(lambda claims: claims["no such claim"]):
        response = http.post(
            proxied.url("/token"),
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": CALLBACK,
                "code_verifier": flow.verifier,
            },
            auth=(proxied.client_id, proxied.client_secret),
        )
    assert response.status_code == 500
    assert isinstance(proxy.errors.pop(), KeyError)
