"""A small OpenID Connect provider on 127.0.0.1 for the end-to-end sign-in test.

Implements what Streamlit's ``st.login`` (Authlib) uses: the discovery document, an authorize
page (a form asking for the e-mail address to sign in as), the token endpoint (checks the
client secret, the code, the redirect URI and the PKCE verifier; returns an RS256-signed ID
token carrying the nonce), the JWKS and userinfo. Test-only: it trusts whatever address is
typed into the form.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "loadwatch-e2e"
CLIENT_SECRET = "e2e-client-secret-not-real"


@dataclass
class _Grant:
    email: str
    nonce: str | None
    redirect_uri: str
    challenge: str | None


@dataclass
class FakeOIDC:
    """The provider's state; :meth:`start` serves it on a free port of 127.0.0.1."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={
        "kid": "e2e", "use": "sig", "alg": "RS256"}))
    codes: dict[str, _Grant] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> FakeOIDC:
        provider = self

        class Handler(_Handler):
            oidc = provider

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:16],
            "aud": CLIENT_ID, "iat": now, "exp": now + 600, "email": grant.email,
            "email_verified": True, "name": grant.email.split("@")[0]}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode({"alg": "RS256", "kid": "e2e"}, claims, self.key)


class _Handler(BaseHTTPRequestHandler):
    oidc: FakeOIDC

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(status, json.dumps(value).encode())

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            self._json(self.oidc.metadata())
        elif url.path == "/jwks":
            self._json({"keys": [self.oidc.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            if query.get("client_id") != CLIENT_ID:
                self._json({"error": "unauthorized_client"}, 400)
                return
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" '
                             f'value="{html.escape(v)}">' for k, v in query.items())
            page = (f"<html><body><h1>Fake identity provider</h1><form method='post' "
                    f"action='/authorize'>{hidden}<label>E-mail <input name='email'></label>"
                    "<button type='submit'>Continue</button></form></body></html>")
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif url.path == "/userinfo":
            self._json({"error": "use the ID token"}, 400)
        else:
            self._json({"error": "not found"}, 404)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        form = self._form()
        if url.path == "/authorize":
            code = secrets.token_urlsafe(16)
            self.oidc.codes[code] = _Grant(form["email"], form.get("nonce"),
                                           form["redirect_uri"], form.get("code_challenge"))
            target = form["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": form.get("state", "")})
            self._send(302, b"", "text/plain", {"Location": target})
        elif url.path == "/token":
            self._token(form)
        else:
            self._json({"error": "not found"}, 404)

    def _token(self, form: dict[str, str]) -> None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic[6:]).decode()
            client_id, _, client_secret = (urllib.parse.unquote(p) for p in pair.partition(":"))
        grant = self.oidc.codes.pop(form.get("code", ""), None)
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET) or grant is None \
                or form.get("redirect_uri") != grant.redirect_uri:
            self._json({"error": "invalid_grant"}, 400)
            return
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if digest.rstrip(b"=").decode() != grant.challenge:
                self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                return
        self.oidc.issued.append(grant.email)
        self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                    "expires_in": 600, "id_token": self.oidc.id_token(grant)})
