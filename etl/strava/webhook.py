"""A small webhook endpoint for Strava push subscriptions (stdlib ThreadingHTTPServer).

GET answers Strava's subscription validation
(``hub.mode=subscribe&hub.challenge=...&hub.verify_token=...`` -> ``{"hub.challenge": ...}``
when the verify token matches, 403 otherwise). POST takes one event as JSON
(https://developers.strava.com/docs/webhooks/), checks its size and shape, records it
durably in the store and answers 200 at once (Strava wants an answer within 2 s); the sync
worker applies recorded events later (:mod:`etl.strava.events`).
"""

from __future__ import annotations

import hmac
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.exc import SQLAlchemyError

from etl.errors import InputError, StoreError
from etl.store import strava_state as state
from etl.store.store import Store

MAX_BODY_BYTES = 4096
MAX_UPDATES = 20
OBJECT_TYPES = ("activity", "athlete")
ASPECT_TYPES = ("create", "update", "delete")
_INTEGER_FIELDS = ("object_id", "owner_id", "subscription_id", "event_time")
SOURCE_NAME = "webhook event"


def validate_event(body: bytes) -> dict[str, Any]:
    """Parse and check one event body; raise :class:`InputError` saying what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise InputError(SOURCE_NAME, f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}; "
                         "Strava events are small JSON objects")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(SOURCE_NAME, "body is not JSON; send the event object Strava "
                         "documents") from None
    if not isinstance(data, dict):
        raise InputError(SOURCE_NAME, "body must be a JSON object")
    if data.get("object_type") not in OBJECT_TYPES:
        raise InputError(SOURCE_NAME, f"object_type must be one of {OBJECT_TYPES}")
    if data.get("aspect_type") not in ASPECT_TYPES:
        raise InputError(SOURCE_NAME, f"aspect_type must be one of {ASPECT_TYPES}")
    for name in _INTEGER_FIELDS:
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(SOURCE_NAME, f"{name} must be a non-negative integer")
    updates = data.get("updates", {})
    if updates is None:
        updates = {}
    if not isinstance(updates, dict) or len(updates) > MAX_UPDATES or not all(
            isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
            for k, v in updates.items()):
        raise InputError(SOURCE_NAME, "updates must be a small object of plain values")
    event = {name: data[name] for name in ("object_type", "aspect_type", *_INTEGER_FIELDS)}
    event["updates"] = updates
    return event


class WebhookServer(ThreadingHTTPServer):
    """The HTTP server; ``store`` receives the events, ``verify_token`` guards validation."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: Store, verify_token: str) -> None:
        if not verify_token:
            raise InputError("--verify-token", "a webhook needs a non-empty verify token; "
                             "pass --verify-token or set LOADWATCH_STRAVA_VERIFY_TOKEN")
        super().__init__(address, WebhookHandler)
        self.store = store
        self.verify_token = verify_token
        self.recorded = 0
        self.lock = threading.Lock()


class WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer
    disable_nagle_algorithm = True

    def _json(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        mode = (query.get("hub.mode") or [""])[0]
        challenge = (query.get("hub.challenge") or [""])[0]
        token = (query.get("hub.verify_token") or [""])[0]
        if mode != "subscribe" or not challenge or not hmac.compare_digest(
                token.encode(), self.server.verify_token.encode()):
            self._json(HTTPStatus.FORBIDDEN, {"error": "verify token does not match"})
            return
        self._json(HTTPStatus.OK, {"hub.challenge": challenge})

    def do_POST(self) -> None:
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text is not None else -1
        except ValueError:
            length = -1
        if length < 0:
            self._json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return
        if length > MAX_BODY_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
            return
        kind = self.headers.get("Content-Type", "application/json")
        if "json" not in kind.lower():
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send application/json"})
            return
        body = self.rfile.read(length)
        try:
            event = validate_event(body)
        except InputError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": exc.reason})
            return
        try:
            state.record_event(self.server.store, event)
        except (StoreError, SQLAlchemyError):
            # not recorded: a non-200 answer makes Strava retry the event later
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "event store unavailable"})
            return
        with self.server.lock:
            self.server.recorded += 1
        self._json(HTTPStatus.OK, {"status": "recorded"})

    def log_message(self, format: str, *args: object) -> None:
        return


def make_server(store: Store, verify_token: str, *, host: str = "127.0.0.1",
                port: int = 8787) -> WebhookServer:
    """A bound (not yet serving) webhook server; call ``serve_forever()`` on it."""
    return WebhookServer((host, port), store, verify_token)
