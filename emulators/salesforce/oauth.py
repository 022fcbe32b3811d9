"""
The OAuth 2.0 token endpoint (username-password, client credentials and JWT bearer flows) and the
sessions it hands out, checked against the credentials in django.conf.settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt
from django.conf import settings
from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError

JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_MAX_LIFETIME = 180 + 30  # "within 3 minutes", plus some clock skew


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


class OAuthMixin:
    """Logging in and sessions; uses the emulator's lock, public_url, user_id() and org_id()."""

    sessions: dict[str, dict[str, Any]]

    def oauth_token(self, request: Request) -> Response:
        """https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm"""
        self.remember_url(request)
        form = request.form
        grant_type = form.get("grant_type", "")
        if grant_type == "password":
            error = self.check_client(form.get("client_id"), form.get("client_secret"))
            if error:
                return error
            if not (
                same_secret(form.get("username", ""), settings.SALESFORCE_USERNAME)
                and same_secret(form.get("password", ""), settings.SALESFORCE_PASSWORD)
            ):
                return oauth_error("invalid_grant", "authentication failure")
        elif grant_type == "client_credentials":
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id = request.authorization.username
                client_secret = request.authorization.password
            error = self.check_client(client_id, client_secret)
            if error:
                return error
        elif grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            error = self.check_jwt(form.get("assertion", ""), request)
            if error:
                return error
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        return self.issue_token(request)

    def check_client(self, client_id: str | None, client_secret: str | None) -> Response | None:
        if not same_secret(client_id, settings.SALESFORCE_CLIENT_ID):
            return oauth_error("invalid_client_id", "client identifier invalid")
        if not same_secret(client_secret, settings.SALESFORCE_CLIENT_SECRET):
            return oauth_error("invalid_client", "invalid client credentials")
        return None

    def check_jwt(self, assertion: str, request: Request) -> Response | None:
        """https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm"""
        key_file = getattr(settings, "SALESFORCE_PRIVATE_KEY_FILE", "")
        if not key_file:
            return oauth_error("invalid_grant", "invalid assertion")
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            with open(key_file, "rb") as handle:
                private_key = load_pem_private_key(handle.read(), password=None)
            claims = jwt.decode(
                assertion,
                private_key.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "require": ["exp"]},
            )
        except (OSError, ValueError, TypeError, jwt.PyJWTError):
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != settings.SALESFORCE_CLIENT_ID:
            return oauth_error("invalid_client_id", "client identifier invalid")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        accepted = {self.public_url, *JWT_AUDIENCES}
        if not any(isinstance(a, str) and a.rstrip("/") in accepted for a in audiences):
            return oauth_error("invalid_grant", "audience is invalid")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp < now:
            return oauth_error("invalid_grant", "expired authorization code")
        if exp > now + JWT_MAX_LIFETIME:
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("sub") != settings.SALESFORCE_USERNAME:
            return oauth_error("invalid_grant", "user hasn't approved this consumer")
        return None

    def issue_token(self, request: Request, user_id: str | None = None) -> Response:
        """A session for the integration user (the OAuth flows), or for user_id."""
        org_id = self.org_id()
        user_id = user_id or self.user_id()
        token = f"{org_id[:15]}!{secrets.token_urlsafe(48)}"
        instance_url = request.host_url.rstrip("/")
        identity = f"{instance_url}/id/{org_id}/{user_id}"
        issued_at = str(int(time.time() * 1000))
        signature = base64.b64encode(
            hmac.new(
                settings.SALESFORCE_CLIENT_SECRET.encode(),
                (identity + issued_at).encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        with self.lock:
            self.sessions[token] = {"user_id": user_id, "issued_at": issued_at}
        return json_response(
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": signature,
            }
        )

    def session_for(self, request: Request) -> dict[str, Any] | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            return None
        with self.lock:
            return self.sessions.get(token.strip())

    def invalid_session(self) -> Response:
        return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid").response()
