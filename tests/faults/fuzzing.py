"""Sending probes and judging the answers: `Fuzzer` sends resident_inputs.py's probes
through any httpx-like client (Starlette's TestClient in process, or httpx against a real
`loket server`) and keeps their targets as the probes expect them; `problems()` says what
is wrong with an answer: a 5xx, an error or a traceback in the log, or a refusal that
does not tell the person why in Indonesian.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

from office_server.seed import DEMO_PASSWORDS
from tests.faults.hostile import Ref, dump_json, offline_frame
from tests.support import factories

# --- probes ----------------------------------------------------------------------------

Value = str | bytes | Ref
NO_BODY: Any = object()


@dataclass(frozen=True)
class FilePart:
    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Probe:
    """One request. The body is JSON (`json`, Raw parts allowed), raw bytes, a form
    (url-encoded or multipart, with files), or none."""

    kind: str
    method: str
    path: str  # a template: {name} from path_params, each percent-encoded when sent
    path_params: tuple[tuple[str, Value], ...] = ()
    headers: tuple[tuple[str, Value], ...] = ()
    json: Any = NO_BODY
    json_ascii: bool = True
    raw: bytes | None = None
    form: tuple[tuple[str, Value], ...] | None = None
    multipart: bool = False
    files: tuple[FilePart, ...] = ()
    content_type: str | None = None
    auth: str | None = None  # "kiosk" or "admin"
    # What a success changes, for Fuzzer to set back: "correction" or "cancel".
    changes: str | None = None


def _percent(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


def encode(probe: Probe, refs: dict[str, str]) -> tuple[str, dict[str, str | bytes], bytes]:
    """The probe as (url path, headers, body), its Refs filled in from `refs`."""

    def val(v: Value) -> str | bytes:
        return refs[v.name] if isinstance(v, Ref) else v

    path = probe.path.format(
        **{
            k: _percent(str(val(v)) if not isinstance(v, bytes) else v.decode("latin-1"))
            for k, v in probe.path_params
        }
    )
    headers: dict[str, str | bytes] = {k: val(v) for k, v in probe.headers}
    body = b""
    content_type = probe.content_type
    if probe.raw is not None:
        body = probe.raw
    elif probe.json is not NO_BODY and probe.form is None and not probe.files:
        body = dump_json(probe.json, ascii_only=probe.json_ascii, refs=refs)
        content_type = content_type or "application/json"
    elif probe.multipart or probe.files:
        boundary = "loketfuzz7d3f2a"
        body = _multipart(boundary, [(k, val(v)) for k, v in probe.form or ()], probe.files)
        content_type = content_type or f"multipart/form-data; boundary={boundary}"
    elif probe.form is not None:
        body = "&".join(
            f"{quote_plus(k, errors='surrogatepass')}="
            f"{quote_plus(_text(val(v)), errors='surrogatepass')}"
            for k, v in probe.form
        ).encode("ascii")
        content_type = content_type or "application/x-www-form-urlencoded"
    if content_type is not None:
        headers["Content-Type"] = content_type
    return path, headers, body


def _text(v: str | bytes) -> str:
    return v.decode("latin-1") if isinstance(v, bytes) else v


def _multipart(
    boundary: str, fields: Iterable[tuple[str, str | bytes]], files: Iterable[FilePart]
) -> bytes:
    out = io.BytesIO()
    for name, value in fields:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode(
                "utf-8", "surrogatepass"
            )
        )
        out.write(value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass"))
        out.write(b"\r\n")
    for f in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{f.name}"; '
            f'filename="{f.filename}"\r\nContent-Type: {f.content_type}\r\n\r\n'
        )
        out.write(head.encode("utf-8", "surrogatepass"))
        out.write(f.data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


# --- sending ---------------------------------------------------------------------------


class Client(Protocol):
    """What Starlette's TestClient and httpx.Client both are, as far as we use them."""

    headers: Any
    cookies: Any

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...
    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


def login(client: Client, username: str) -> str:
    """Logs the client in as a demo account; returns the CSRF token (also set as header)."""
    r = client.post(
        "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORDS[username]}
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


def _typed(secret: str) -> str:
    """A secret as a person types it off the paper."""
    return "-".join(secret[i : i + 4] for i in range(0, len(secret), 4)).lower()


@dataclass
class Fuzzer:
    """Sends probes and keeps their targets in the state the probes expect.

    `resident` sends what anybody sends (no cookies of an operator), `operator` is
    logged in as an operator (to ask for corrections again), `admin` as the admin.
    """

    resident: Client
    operator: Client
    admin: Client
    kiosk_key: str
    refs: dict[str, str] = field(default_factory=dict)
    serial: int = 9_000  # the probes draw theirs below
    # Answers by kind and status code.
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)

    def setup(self, *, signer: Client) -> bytes:
        """Files the targets (one to fix, one to cancel, one ready with its letter) and
        returns the letter's PDF."""
        self.refs["csrf"] = login(self.admin, "admin")
        login(self.operator, "operator")
        self._target("fix")
        self.ask_correction(self.refs["fix_code"])
        self._target("cancel")
        ready = self._file()
        rid = self.request_id(ready["code"])
        assert self.operator.post(f"/api/v1/operator/requests/{rid}/approve").status_code == 200
        login(signer, "kades")
        signed = signer.post(f"/api/v1/operator/requests/{rid}/sign")
        assert signed.status_code == 200, signed.text
        token = signed.json()["letter"]["verification_url"].rsplit("/", 1)[1]
        self.refs |= {"token": token, "token_lower": token.lower()}
        self.refs["ready_pickup"] = ready["pickup_qr"]
        body = factories.request_body(serial=self._next_serial())
        self.refs["offline_valid"] = offline_frame(
            dump_json(
                {
                    "v": 1,
                    "k": "fuzz-phone",
                    "t": body["letter_type"],
                    "n": body["applicant_nik"],
                    "m": body["applicant_name"],
                    "f": body["form_data"],
                }
            )
        )
        pdf = self.operator.get(f"/api/v1/operator/requests/{rid}/letter.pdf")
        assert pdf.status_code == 200
        return bytes(pdf.content)

    def _next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def _file(self) -> dict[str, Any]:
        r = self.resident.post(
            "/api/v1/requests", json=factories.request_body(serial=self._next_serial())
        )
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    def _target(self, name: str) -> None:
        created = self._file()
        secret = created["pickup_qr"].split("#", 1)[1]
        self.refs |= {
            f"{name}_code": created["code"],
            f"{name}_secret": secret,
            f"{name}_secret_typed": _typed(secret),
        }

    def request_id(self, code: str) -> int:
        rows = self.operator.get("/api/v1/operator/requests", params={"code": code}).json()
        return int(rows[0]["id"])

    def ask_correction(self, code: str) -> None:
        rid = self.request_id(code)
        r = self.operator.post(
            f"/api/v1/operator/requests/{rid}/ask-correction",
            json={"reason": "Alamat kurang lengkap."},
        )
        assert r.status_code in (200, 409), r.text

    def send(self, probe: Probe) -> Any:
        path, headers, body = encode(probe, self.refs)
        if probe.auth == "kiosk":
            headers["Authorization"] = f"Bearer {self.kiosk_key}"
        client = self.admin if probe.auth == "admin" else self.resident
        response = client.request(probe.method, path, content=body, headers=headers)
        self.answers[probe.kind, response.status_code] += 1
        if client is self.resident:
            # Every probe a new visitor: a ?lang=en one sets a cookie that would make the
            # next one's answers English.
            self.resident.cookies.clear()
        if probe.changes and response.status_code < 300:
            # Set the target back, so later probes meet it as the earlier ones did.
            if probe.changes == "correction":
                self.ask_correction(self.refs["fix_code"])
            else:
                self._target("cancel")
        return response

    def sweep(self, *, previews: int = 5) -> list[tuple[str, Any]]:
        """What was filed, read back by an operator: the JSON, the page and (for a few)
        the letter's preview. Accepted input must not break what reads it later."""
        answers = []
        rows = self.operator.get("/api/v1/operator/requests", params={"limit": 500}).json()
        for i, row in enumerate(rows):
            rid = row["id"]
            urls = [f"/api/v1/operator/requests/{rid}", f"/operator/permohonan/{rid}"]
            if i < previews:
                urls.append(f"/operator/permohonan/{rid}/pratinjau.pdf")
            for url in urls:
                answers.append((url, self.operator.get(url)))
        return answers


def describe(probe: Probe, limit: int = 300) -> str:
    """The probe in a few lines, long values cut (for a failure's message)."""

    def short(v: Any) -> str:
        text = repr(v)
        return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"

    parts = [f"{probe.kind}: {probe.method} {probe.path}"]
    for name in ("path_params", "headers", "json", "raw", "form", "files", "content_type"):
        value = getattr(probe, name)
        if value not in ((), None, NO_BODY):
            parts.append(f"  {name}={short(value)}")
    return "\n".join(parts)


# --- what an answer must be ------------------------------------------------------------

# Words of the refusals in Indonesian; an English refusal (pydantic's or Starlette's own
# words) has none of them.
_INDONESIAN = frozenset(
    re.findall(
        r"\w+",
        """
        tidak harus wajib terlalu isian kode coba silakan berisi tunggu belum sudah
        permohonan berkas surat halaman ditemukan karakter angka tanggal pilih nomor perlu
        diperbaiki lagi ini yang dan atau dengan bukan kesalahan rusak dapat hanya boleh
        sah sesi gambar berupa teks dikenal besar banyak diisi sedang server kembali ulang
        dari pesan kurang lengkap untuk pada di ke anda mohon periksa lihat kirim masuk
        """,
    )
)
_ENGLISH = (
    "Input should",
    "Value error",
    "Field required",
    "Extra inputs",
    "There was an",
    "validation error",
    "Not Found",
    "Method Not Allowed",
    "Internal Server Error",
)


def indonesian(text: str) -> bool:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return bool(words & _INDONESIAN) and not any(e in text for e in _ENGLISH)


_REFUSAL_HTML = (
    re.compile(r'<p class="err"[^>]*>([^<]+)</p>'),
    re.compile(r'<div class="box bad"[^>]*>(.*?)</div>', re.S),
    re.compile(r'<div class="card bad"><p><strong>(.*?)</strong>', re.S),
    re.compile(r'<body class="plain">\s*<h1>(.*?)</h1>', re.S),
)


def refusal_texts(response: Any) -> list[str]:
    """What a refusal tells the person: the messages of a JSON error, or the error texts
    on a page."""
    ctype = response.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return []
        fields = error.get("fields") or {}
        return [str(error.get("message", "")), *(str(m) for m in fields.values())]
    if ctype.startswith("text/html"):
        page = response.text
        found = [m for rx in _REFUSAL_HTML for m in rx.findall(page)]
        return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found if m.strip()]
    return []


def problems(probe_path: str, response: Any, log_lines: Iterable[str] = ()) -> list[str]:
    """Everything wrong with one answer (an empty list: all is well)."""
    found = []
    status = response.status_code
    if status >= 500:
        found.append(f"{status} from {probe_path}")
    for line in log_lines:
        found.append(f"log: {line[:200]}")
    if 400 <= status < 500:
        texts = refusal_texts(response)
        if not texts:
            found.append(
                f"{status} from {probe_path} says nothing a person can read: "
                f"{response.text[:300]!r}"
            )
        for text in texts:
            if not indonesian(text):
                found.append(f"{status} from {probe_path} not in Indonesian: {text[:200]!r}")
        wants_json = probe_path.startswith("/api/")
        ctype = response.headers.get("content-type", "")
        if wants_json != ctype.startswith("application/json"):
            found.append(f"{status} from {probe_path} answered as {ctype}")
    if probe_path == "/api/v1/kiosk/scans" and status == 200:
        message = response.json().get("message", "")
        if not indonesian(message):
            found.append(f"scan answered {message[:200]!r}, not in Indonesian")
    return found


def error_lines(lines: Iterable[str]) -> list[str]:
    """The server log's lines that say something went wrong: an error or a traceback."""
    return [
        line
        for line in lines
        if " ERROR " in line or "Traceback" in line or "unhandled" in line or " CRITICAL " in line
    ]
