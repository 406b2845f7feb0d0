"""Hostile requests to every resident-facing input: hypothesis strategies of `Probe`s
(one HTTP request each) for the JSON API of residents (file, status, corrections,
cancel; the kiosk's typed form too), the HTML forms of the resident pages, the kiosk's
scan of offline QR payloads (hostile JSON inside a valid `LD1O:` frame, and garbage),
and the uploads (a letter's PDF on its verification page; the admin's logo).

Built of hostile.py's pieces; fuzzing.py sends them and checks the answers. Used by
tests/faults/test_fuzz_residents.py and benchmarks/fuzz_memory.py. One file past 400
lines on purpose: every resident-facing input in one place, to read beside the route
table of docs/DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import base45
from hypothesis import strategies as st

from loket_protocol.qr import OFFLINE_PREFIX
from tests.faults.fuzzing import NO_BODY, FilePart, Probe, Value
from tests.faults.hostile import (
    ANY_VALUE,
    CODE_TEXT,
    JSON_VALUES,
    KEPT_TEXT,
    NUMERIC_STRINGS,
    SECRET_TEXT,
    SHORT_TEXT,
    TEXT,
    Raw,
    Ref,
    dump_json,
    filename,
    header_value,
    hostile_pdfs,
    logo_images,
    offline_frame,
    one_in,
)
from tests.support import factories

# The kinds of input, as the benchmark's table counts them.
FILE = "JSON API: file"
WITH_SECRET = "JSON API: status, fix, cancel"
KIOSK_FILE = "kiosk: file a typed form"
FORMS = "HTML forms"
SCANS = "offline QR scans"
UPLOAD = "verification upload"
LOGO = "logo upload (admin)"


# --- the JSON API ----------------------------------------------------------------------

SELF_SERVICE = ("domisili", "sktm", "usaha", "skck", "belum_menikah", "beda_identitas")
OTHER_TYPES = ("kelahiran", "kematian", "pindah", "penghasilan_ortu", "DOMISILI", "", "x" * 41)
DOMISILI_FIELDS = tuple(factories.domisili_form())
TOP_KEYS = ("letter_type", "applicant_nik", "applicant_name", "form_data", "phone", "extra")


TEXT_FIELDS = ("tempat_lahir", "pekerjaan", "alamat", "keperluan")
LETTER_TYPES = st.one_of(
    st.just("domisili"), st.just("domisili"), st.sampled_from(SELF_SERVICE + OTHER_TYPES)
)


@st.composite
def filing_bodies(draw: st.DrawFn) -> Any:
    """A valid request body, then up to three hostile changes to it."""
    body: dict[str, Any] = factories.request_body(
        serial=draw(st.integers(1, 8999)), letter_type=draw(LETTER_TYPES)
    )
    for _ in range(draw(st.integers(0, 3))):
        change = draw(st.sampled_from(("kept", "field", "field", "top", "drop", "form", "body")))
        if change == "kept" and isinstance(body.get("form_data"), dict):
            body["form_data"][draw(st.sampled_from(TEXT_FIELDS))] = draw(KEPT_TEXT)
        elif change == "field":
            if not isinstance(body.get("form_data"), dict):
                body["form_data"] = {}
            name = draw(st.sampled_from(DOMISILI_FIELDS) | SHORT_TEXT)
            body["form_data"][name] = draw(ANY_VALUE | NUMERIC_STRINGS)
        elif change == "top":
            body[draw(st.sampled_from(TOP_KEYS))] = draw(ANY_VALUE)
        elif change == "drop":
            body.pop(draw(st.sampled_from(TOP_KEYS)), None)
        elif change == "form":
            body["form_data"] = draw(ANY_VALUE)
        else:
            return draw(ANY_VALUE)
    return body


def _json_probe(
    kind: str, method: str, path: str, body: Any, **kw: Any
) -> st.SearchStrategy[Probe]:
    return st.builds(
        lambda b, ascii_only, ct: Probe(
            kind, method, path, json=b, json_ascii=ascii_only, content_type=ct, **kw
        ),
        body,
        st.booleans(),
        st.sampled_from(
            [None] * 8
            + [
                "text/plain",
                "application/x-www-form-urlencoded",
                "application/json; charset=latin-1",
            ]
        ),
    )


def _raw_bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [b"", b"{", b"null", b"[]", b'"x"', b"\xef\xbb\xbf{}", b"{}" * 3, b'{"a":}', b"\x00"]
        ),
        filing_bodies().map(lambda b: dump_json(b)[: len(dump_json(b)) // 2]),  # cut short
        filing_bodies().map(
            lambda b: dump_json(b, ascii_only=False).decode("utf-8", "replace").encode("utf-16")
        ),
    )


def filing_probes() -> st.SearchStrategy[Probe]:
    idempotency = st.lists(st.tuples(st.just("Idempotency-Key"), header_value(100)), max_size=1)
    json_probe = st.builds(
        lambda p, h: replace(p, headers=tuple(h)),
        _json_probe(FILE, "POST", "/api/v1/requests", filing_bodies()),
        idempotency,
    )
    raw_probe = st.builds(
        lambda raw: Probe(
            FILE, "POST", "/api/v1/requests", raw=raw, content_type="application/json"
        ),
        _raw_bodies(),
    )
    return st.one_of(json_probe, json_probe, json_probe, raw_probe)


def kiosk_filing_probes() -> st.SearchStrategy[Probe]:
    return filing_probes().map(
        lambda p: replace(p, kind=KIOSK_FILE, path="/api/v1/kiosk/requests", auth="kiosk")
    )


# Which request a probe aims at: the one waiting for a correction, the one to cancel, or
# a code and secret of its own.
_TARGETS = ("fix", "fix", "cancel", "none")


@st.composite
def _code_and_secret(draw: st.DrawFn) -> tuple[Value, Value | None]:
    target = draw(st.sampled_from(_TARGETS))
    if target == "none":
        return draw(CODE_TEXT), draw(st.none() | SECRET_TEXT)
    code: Value = Ref(f"{target}_code")
    secret: Value | None = Ref(f"{target}_secret")
    if one_in(draw, 5):  # the code right, the secret not
        secret = draw(st.none() | SECRET_TEXT)
    elif one_in(draw, 5):  # typed off paper: lower case, spaces, dashes
        secret = Ref(f"{target}_secret_typed")
    return code, secret


@st.composite
def correction_bodies(draw: st.DrawFn) -> Any:
    if one_in(draw, 6):
        return draw(ANY_VALUE)
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        names = st.sampled_from(DOMISILI_FIELDS) | SHORT_TEXT
        body["form_data"] = draw(st.dictionaries(names, ANY_VALUE | NUMERIC_STRINGS, max_size=4))
        if one_in(draw, 6):
            body["form_data"] = draw(ANY_VALUE)
    if draw(st.booleans()):
        body["applicant_name"] = draw(ANY_VALUE)
    if one_in(draw, 7):
        body[draw(SHORT_TEXT)] = draw(ANY_VALUE)
    return body


@st.composite
def secret_api_probes(draw: st.DrawFn) -> Probe:
    """Status, corrections and cancel: code in the path, secret in X-Pickup-Secret."""
    code, secret = draw(_code_and_secret())
    headers = (("X-Pickup-Secret", secret),) if secret is not None else ()
    action = draw(st.sampled_from(("status", "corrections", "corrections", "cancel")))
    params = (("code", code),)
    if action == "status":
        return Probe(
            WITH_SECRET, "GET", "/api/v1/requests/{code}/status", params, headers, json=NO_BODY
        )
    if action == "cancel":
        body = draw(st.just(NO_BODY) | ANY_VALUE)
        return Probe(
            WITH_SECRET,
            "POST",
            "/api/v1/requests/{code}/cancel",
            params,
            headers,
            json=body,
            changes="cancel",
        )
    return Probe(
        WITH_SECRET,
        "POST",
        "/api/v1/requests/{code}/corrections",
        params,
        headers,
        json=draw(correction_bodies()),
        json_ascii=draw(st.booleans()),
        changes="correction",
    )


# --- the HTML forms --------------------------------------------------------------------

FORM_TEXT = st.one_of(TEXT, NUMERIC_STRINGS)


@st.composite
def _form_fields(draw: st.DrawFn, *, with_person: bool) -> list[tuple[str, Value]]:
    """The resident's form, as a browser sends it, with hostile values and extra fields."""
    values: dict[str, str] = {
        f"form_data.{k}": str(v) for k, v in factories.domisili_form().items()
    }
    if with_person:
        values["applicant_nik"] = factories.make_nik(serial=draw(st.integers(1, 8999)))
        values["applicant_name"] = "Budi Santoso"
    pairs: list[tuple[str, Value]] = list(values.items())
    for _ in range(draw(st.integers(0, 3))):
        change = draw(st.sampled_from(("kept", "value", "value", "extra", "twice", "drop")))
        if change == "kept":
            pairs.append((f"form_data.{draw(st.sampled_from(TEXT_FIELDS))}", draw(KEPT_TEXT)))
        elif change == "value" and pairs:
            i = draw(st.integers(0, len(pairs) - 1))
            pairs[i] = (pairs[i][0], draw(FORM_TEXT))
        elif change == "extra":
            pairs.append((draw(SHORT_TEXT | st.just("form_data.x")), draw(FORM_TEXT)))
        elif change == "twice" and pairs:  # the same name twice
            pairs.append((draw(st.sampled_from([k for k, _ in pairs])), draw(FORM_TEXT)))
        elif change == "drop" and pairs:
            pairs.pop(draw(st.integers(0, len(pairs) - 1)))
    return pairs


@st.composite
def form_probes(draw: st.DrawFn) -> Probe:
    """The resident pages' forms: review, edit again, send, status lookup, status fix."""
    page = draw(
        st.sampled_from(("review", "review", "edit", "send", "send", "status", "fix", "fix", "get"))
    )
    multipart = one_in(draw, 4)
    lt = draw(st.one_of(LETTER_TYPES, LETTER_TYPES, LETTER_TYPES, CODE_TEXT))
    files: tuple[FilePart, ...] = ()
    if multipart and one_in(draw, 3):  # a file where text belongs
        name = draw(st.sampled_from(("applicant_name", "form_data.alamat", "code", "key")))
        files = (FilePart(name, draw(SHORT_TEXT), "text/plain", draw(st.binary(max_size=64))),)
    if page == "get":  # the pages a link or a QR opens, with what a URL can carry
        path = draw(
            st.sampled_from(
                ("/surat/{code}", "/s/{code}", "/S/{code}", "/v/{code}", "/antrean/{code}")
            )
        )
        params: tuple[tuple[str, Value], ...] = (("code", lt),)
        if not one_in(draw, 3):
            path += "?lang={lang}"
            params += (("lang", draw(st.sampled_from(("en", "id", "EN")) | SHORT_TEXT)),)
        return Probe(FORMS, "GET", path, params, json=NO_BODY)
    if page in ("review", "edit", "send"):
        pairs = draw(_form_fields(with_person=True))
        if page == "send" and not one_in(draw, 4):
            pairs.append(
                (
                    "key",
                    draw(st.text("abcdefABCDEF0123456789-_", min_size=1, max_size=30) | FORM_TEXT),
                )
            )
        path = {
            "review": "/surat/{code}",
            "edit": "/surat/{code}/ubah",
            "send": "/surat/{code}/kirim",
        }[page]
        return Probe(
            FORMS,
            "POST",
            path,
            (("code", lt),),
            form=tuple(pairs),
            multipart=multipart,
            files=files,
        )
    code, secret = draw(_code_and_secret())
    pairs = [("code", code), ("secret", secret if secret is not None else "")]
    if page == "status":
        return Probe(FORMS, "POST", "/status", form=tuple(pairs), multipart=multipart, files=files)
    pairs += draw(_form_fields(with_person=False))
    return Probe(
        FORMS,
        "POST",
        "/status/perbaiki",
        form=tuple(pairs),
        multipart=multipart,
        files=files,
        changes="correction",
    )


# --- the offline QR at the kiosk -------------------------------------------------------


@st.composite
def offline_json(draw: st.DrawFn) -> Any:
    """The phone's request (v1: t, n, m, f, p, k), then hostile changes."""
    body = factories.request_body(
        serial=draw(st.integers(1, 8999)),
        letter_type=draw(st.sampled_from(SELF_SERVICE + OTHER_TYPES)),
    )
    data: dict[str, Any] = {
        "v": 1,
        "t": body["letter_type"],
        "n": body["applicant_nik"],
        "m": body["applicant_name"],
        "f": body["form_data"],
    }
    if draw(st.booleans()):
        data["k"] = draw(SHORT_TEXT | st.text("0123456789abcdef", min_size=8, max_size=32))
    small = st.one_of(
        JSON_VALUES,
        st.sampled_from([Raw(b"[" * 8 + b"]" * 8), Raw(b"[" * 9 + b"]" * 9), Raw(b"1e999")]),
    )
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(("v", "t", "n", "m", "f", "p", "k", "x")))
        if key == "f" and draw(st.booleans()):
            data["f"] = dict(data["f"]) if isinstance(data["f"], dict) else {}
            data["f"][draw(st.sampled_from(DOMISILI_FIELDS) | SHORT_TEXT)] = draw(
                small | NUMERIC_STRINGS
            )
        else:
            data[key] = draw(small)
    return data


def _b45_garbage() -> st.SearchStrategy[str]:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    return st.text(alphabet, max_size=1300)


def scan_payloads() -> st.SearchStrategy[str]:
    hostile = st.builds(
        lambda d, a: offline_frame(dump_json(d, ascii_only=a)), offline_json(), st.booleans()
    )
    garbage = st.one_of(
        _b45_garbage().map(lambda s: OFFLINE_PREFIX + s),
        st.binary(max_size=600).map(lambda b: OFFLINE_PREFIX + base45.b45encode(b).decode()),
        st.binary(max_size=600).map(offline_frame),  # zlib of anything
        st.integers(1, 2_000_000).map(lambda n: offline_frame(b"[" * n)),  # a bomb
        st.integers(1, 200_000).map(lambda n: offline_frame(b'{"v":1,"k":"' + b"A" * n + b'"}')),
        st.builds(
            lambda d, cut: offline_frame(dump_json(d))[:cut], offline_json(), st.integers(5, 400)
        ),
        st.builds(lambda d: "  ld1o:" + offline_frame(dump_json(d))[5:] + "\n", offline_json()),
        st.just(OFFLINE_PREFIX),
    )
    pickup = st.builds(
        lambda code, secret: f"HTTP://127.0.0.1:8000/S/{code}#{secret}",
        CODE_TEXT,
        SECRET_TEXT.map(lambda s: s.decode("latin-1") if isinstance(s, bytes) else s),
    )
    other = st.one_of(TEXT, st.integers(3_900, 4_100).map(lambda n: "A" * n))
    return st.one_of(hostile, hostile, hostile, garbage, garbage, pickup, other)


@st.composite
def scan_probes(draw: st.DrawFn) -> Probe:
    body: Any = {"payload": draw(scan_payloads())}
    if one_in(draw, 10):
        body = draw(
            st.one_of(
                ANY_VALUE,
                st.fixed_dictionaries({"payload": ANY_VALUE}),
                st.just({"payload": "x", "extra": 1}),
            )
        )
    real = draw(st.integers(1, 15))
    if real == 8:
        body = {"payload": Ref("ready_pickup")}  # a real ticket: the letter is claimed
    elif real == 9:
        body = {"payload": Ref("offline_valid")}  # a real offline QR, scanned again
    return Probe(
        SCANS,
        "POST",
        "/api/v1/kiosk/scans",
        json=body,
        json_ascii=draw(st.booleans()),
        auth="kiosk",
    )


# --- uploads ---------------------------------------------------------------------------


@st.composite
def upload_probes(draw: st.DrawFn, letter_pdf: bytes) -> Probe:
    """A PDF posted to a letter's verification page to compare."""
    token: Value = Ref("token")
    which = draw(st.integers(1, 10))
    if which == 5:
        token = draw(CODE_TEXT)
    elif which == 6:
        token = Ref("token_lower")
    data = draw(hostile_pdfs(letter_pdf))
    name = draw(st.sampled_from(["file", "PDF", ""])) if one_in(draw, 10) else "pdf"
    ctype = draw(st.sampled_from(["application/pdf"] * 3 + ["text/plain", "image/png", ""]))
    path = draw(st.sampled_from(["/v/{token}", "/V/{token}"]))
    if one_in(draw, 15):  # not a form at all
        return Probe(
            UPLOAD, "POST", path, (("token", token),), raw=data, content_type="application/pdf"
        )
    return Probe(
        UPLOAD,
        "POST",
        path,
        (("token", token),),
        files=(FilePart(name, draw(filename()), ctype, data),),
    )


@st.composite
def logo_probes(draw: st.DrawFn) -> Probe:
    """The admin's logo upload (operator input, with the session's CSRF token)."""
    csrf: Value = draw(SHORT_TEXT) if one_in(draw, 10) else Ref("csrf")
    image = FilePart(
        draw(st.sampled_from(["logo"] * 9 + ["file"])),
        draw(filename()),
        draw(st.sampled_from(["image/png", "image/jpeg", "application/octet-stream", ""])),
        draw(logo_images()),
    )
    return Probe(
        LOGO, "POST", "/admin/desa/logo", form=(("csrf_token", csrf),), files=(image,), auth="admin"
    )


# Every kind, by name: its probes, given the letter's PDF (for the uploads).
ALL_KINDS: dict[str, Callable[[bytes], st.SearchStrategy[Probe]]] = {
    FILE: lambda pdf: filing_probes(),
    WITH_SECRET: lambda pdf: secret_api_probes(),
    KIOSK_FILE: lambda pdf: kiosk_filing_probes(),
    FORMS: lambda pdf: form_probes(),
    SCANS: lambda pdf: scan_probes(),
    UPLOAD: lambda pdf: upload_probes(pdf),
    LOGO: lambda pdf: logo_probes(),
}
