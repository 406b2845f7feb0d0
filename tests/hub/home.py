"""A real hub serving residents over real TLS: a test CA and the hub's certificate for
`hub.serang.test`, a village with its key pair (the private key stays with the test,
as it stays at the village) and a letter type's form, fed through the hub's own ingest."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from loket_protocol import events, sealed, subjects
from regency_hub import streams
from regency_hub.certs import ensure_tls
from regency_hub.database import HubDatabase
from tests.hub.events import ingest, message, profile
from tests.sync.harness import Hub, run_async, running_hub
from tests.sync.test_transport import hub_settings

HOST = "hub.serang.test"
KODE = "36.04.01.2001"
FORM = events.LetterTypeForm(
    code="domisili",
    title="Surat Keterangan Domisili",
    description="Keterangan tempat tinggal untuk keperluan administrasi.",
    self_service=True,
    active=True,
    required_documents=["KTP", "Kartu Keluarga"],
    fields=[
        events.FormField(name="tempat_lahir", label="Tempat lahir", max_length=60),
        events.FormField(name="tanggal_lahir", label="Tanggal lahir", type="date", when="past"),
        events.FormField(
            name="jenis_kelamin",
            label="Jenis kelamin",
            type="select",
            options=["Laki-laki", "Perempuan"],
        ),
        events.FormField(name="alamat", label="Alamat", type="textarea", max_length=200),
        events.FormField(name="keperluan", label="Keperluan", max_length=120),
    ],
)


@contextmanager
def bare_hub_over_tls(folder: Path, **env: str) -> Iterator[Hub]:
    """A running hub whose web speaks HTTPS for HOST (and 127.0.0.1), no village yet."""
    ca, cert, key = ensure_tls(folder / "web-tls", [HOST, "127.0.0.1"])
    with running_hub(folder / "hub") as hub:
        hub.web_ca = ca
        hub.extra_env = {
            "LOKET_REGENCY_WEB_TLS_CERT": str(cert),
            "LOKET_REGENCY_WEB_TLS_KEY": str(key),
            "LOKET_REGENCY_PUBLIC_WEB_URL": f"https://{HOST}:{hub.http_port}",
            **env,
        }
        yield hub


@contextmanager
def hub_over_tls(folder: Path, **env: str) -> Iterator[tuple[Hub, ec.EllipticCurvePrivateKey]]:
    """A running hub over HTTPS with one village registered with its public key (the
    private key stays with the test, as at the village) and the domisili form."""
    with bare_hub_over_tls(folder, **env) as hub:
        village_key = sealed.new_private_key()
        out = folder / f"credentials-{KODE}.json"
        hub.hub_cli(
            "add-village",
            "--kode-desa",
            KODE,
            "--name",
            KODE,
            "--out",
            str(out),
            "--public-key",
            sealed.public_key_text(village_key),
        )
        hub.start()
        db = HubDatabase(hub.url)
        try:
            now = datetime.now(UTC)
            counts = ingest(
                db,
                [
                    message(KODE, now, profile(KODE, "Sukamaju", "Cikande")),
                    message(KODE, now, FORM),
                ],
            )
            assert counts.refused == 0
        finally:
            db.dispose()
        yield hub, village_key


def launch_phone_browser(browser: Any, hub: Hub) -> Any:
    """A Chromium of its own (from the session's Playwright): the hub's name resolves to
    127.0.0.1 and its certificate (signed by the test's CA) is accepted by its key, as a
    trusted one would be."""
    from tests.support.fixtures import CHROMIUM, CHROMIUM_ARGS
    from tests.support.waiting import HANG_GUARD_MS

    assert hub.web_ca is not None
    return browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
            f"--ignore-certificate-errors-spki-list={spki_hash(hub.web_ca.parent / 'server.pem')}",
        ],
        timeout=HANG_GUARD_MS,
    )


def spki_hash(cert_pem: Path) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: base64 SHA-256 of the
    certificate's SubjectPublicKeyInfo."""
    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def feed(hub: Hub, *data: Any) -> None:
    """Events from the village, through the hub's ingest."""
    db = HubDatabase(hub.url)
    try:
        assert ingest(db, [message(KODE, datetime.now(UTC), d) for d in data]).refused == 0
    finally:
        db.dispose()


def sealed_requests(hub: Hub) -> list[events.SealedRequest]:
    """Every `request.sealed` JetStream holds for the village, oldest first."""

    async def read() -> list[events.SealedRequest]:
        nc = await streams.connect(hub_settings(hub))
        try:
            js = nc.jetstream()
            info = await js.stream_info(subjects.DOWN_STREAM)
            found: list[events.SealedRequest] = []
            if not info.state.messages:
                return found
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(subjects.DOWN_STREAM, seq)
                if msg.subject == subjects.down_subject(KODE, "request.sealed"):
                    event = events.decode(msg.data or b"")
                    assert isinstance(event, events.Event)
                    assert isinstance(event.data, events.SealedRequest)
                    found.append(event.data)
            return found
        finally:
            await nc.close()

    return run_async(read)


def stream_bytes(hub: Hub) -> bytes:
    async def read() -> bytes:
        nc = await streams.connect(hub_settings(hub))
        try:
            js = nc.jetstream()
            info = await js.stream_info(subjects.DOWN_STREAM)
            found = b""
            if not info.state.messages:
                return found
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                found += ((await js.get_msg(subjects.DOWN_STREAM, seq)).data or b"") + b"\n"
            return found
        finally:
            await nc.close()

    return run_async(read)


def open_request(key: ec.EllipticCurvePrivateKey, request: events.SealedRequest) -> dict[str, Any]:
    return sealed.open_box(request.box, key, kode_desa=KODE, request_id=request.request_id)


def filing_body(
    key: ec.EllipticCurvePrivateKey,
    *,
    request_id: uuid.UUID | None = None,
    secret: str = "A" * 26,
    letter_type: str = "domisili",
) -> dict[str, Any]:
    """What the browser posts, sealed here with the reference implementation."""
    rid = request_id or uuid.uuid4()
    secret_hash = hashlib.sha256(secret.encode()).hexdigest()
    plain = {
        "request_id": str(rid),
        "letter_type": letter_type,
        "applicant_nik": "3604121708900001",
        "applicant_name": "Uji Coba",
        "form_data": {"keperluan": "uji"},
        "phone": None,
        "secret_hash": secret_hash,
    }
    box = sealed.seal(
        plain, public_key_b64=sealed.public_key_text(key), kode_desa=KODE, request_id=rid
    )
    return {
        "request_id": str(rid),
        "letter_type": letter_type,
        "secret_hash": secret_hash,
        "box": json.loads(box.model_dump_json()),
    }
