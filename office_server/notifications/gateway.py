"""Sending one message through the village's rented gateway, over HTTP.

The one seam to the outside: httpx errors and refusals become `GatewayError` with a kind
the outbox records (never the gateway's answer text, which may quote the number). A
gateway of this kind (Fonnte, Wablas, Zenziva and the like) takes a POST with the
number and the text as JSON or form fields and a key in a header; the admin writes the
body as a small JSON template whose strings may hold {to}, {text} and {key}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

# A gateway that has not answered by then is treated as down: the sender thread must
# not hang on it, and the message is tried again later with the same key.
TIMEOUT_SECONDS = 10.0

DEFAULT_TEMPLATES = {
    "whatsapp": '{"target": "{to}", "message": "{text}"}',
    "sms": '{"to": "{to}", "text": "{text}"}',
}


class GatewayError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "timeout", "unreachable", "http_503", "config", ...


class Gateway(Protocol):
    def send(self, *, to: str, text: str, key: str) -> None:
        """Delivers or raises GatewayError; `key` is the same on every retry of a message."""


@dataclass(frozen=True)
class HttpGateway:
    url: str
    token: str = ""
    token_header: str = "Authorization"  # noqa: S105 - a header name, not a secret
    body_format: str = "json"
    body_template: str = ""
    timeout: float = TIMEOUT_SECONDS

    def send(self, *, to: str, text: str, key: str) -> None:
        body = fill_template(self.body_template, {"to": to, "text": text, "key": key})
        headers = {"Idempotency-Key": key}
        if self.token:
            headers[self.token_header or "Authorization"] = self.token
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                if self.body_format == "form":
                    answer = client.post(
                        self.url, data={k: str(v) for k, v in body.items()}, headers=headers
                    )
                else:
                    answer = client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GatewayError("timeout") from exc
        except httpx.HTTPError as exc:
            raise GatewayError("unreachable") from exc
        if answer.status_code >= 300:
            raise GatewayError(f"http_{answer.status_code}")


def fill_template(template: str, values: dict[str, str]) -> dict[str, Any]:
    """The body: the template's JSON object with {to}, {text}, {key} put into its strings.

    Values go in after parsing, so a quote or a brace in the text cannot change the JSON.
    """
    try:
        shape = json.loads(template)
    except ValueError as exc:
        raise GatewayError("config") from exc
    if not isinstance(shape, dict):
        raise GatewayError("config")
    return {k: _fill(v, values) for k, v in shape.items()}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, text in values.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def check_template(template: str) -> str | None:
    """An Indonesian message when the template cannot be used, else None."""
    try:
        shape = json.loads(template)
    except ValueError:
        return 'Templat isi harus JSON yang benar, mis. {"target": "{to}", "message": "{text}"}.'
    if not isinstance(shape, dict) or "{to}" not in template or "{text}" not in template:
        return "Templat isi harus objek JSON yang memuat {to} dan {text}."
    return None
