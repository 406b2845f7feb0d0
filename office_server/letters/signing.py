"""PAdES signatures on issued letters, with a key of the village's own.

At the first letter a key pair and a self-signed certificate ("Pemerintah Desa <name>")
are made under the data folder (keys/: folder 700, files 600). Every final PDF is signed
(PAdES baseline B-B, no timestamp server: the office may be offline). Anyone with the
certificate can check a letter offline; the verification page and `loket verify` check
it against this village's certificate. The keys travel in the backup.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from office_server.letters.archive import private_dir

T = TypeVar("T")
log = logging.getLogger(__name__)
KEY_FILE = "village-key.pem"
CERT_FILE = "village-cert.pem"
_lock = threading.Lock()


def keys_dir(data_dir: Path) -> Path:
    return data_dir / "keys"


def ensure_keys(data_dir: Path, village_name: str) -> tuple[Path, Path]:
    """The village's key and certificate, made once (EC P-256, valid 20 years)."""
    folder = keys_dir(data_dir)
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    with _lock:
        if key_path.exists() and cert_path.exists():
            return key_path, cert_path
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"Pemerintah Desa {village_name}"[:64]),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,
            key_cert_sign=True,
            crl_sign=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=20 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256())
        )
        private_dir(folder)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(key_path, pem)
        _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return key_path, cert_path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@lru_cache(maxsize=4)
def _signer(key_path: Path, cert_path: Path, _mtime: float) -> object:
    from pyhanko.sign import signers

    return signers.SimpleSigner.load(str(key_path), str(cert_path))


def _outside_event_loop(fn: Callable[[], T]) -> T:
    """pyHanko's blocking API runs its own asyncio loop, which cannot start inside a running
    one (an `async def` page): there, the work goes to a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def sign_pdf(pdf: bytes, *, data_dir: Path, village_name: str) -> bytes:
    return _outside_event_loop(lambda: _sign(pdf, data_dir, village_name))


def _sign(pdf: bytes, data_dir: Path, village_name: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key_path, cert_path = ensure_keys(data_dir, village_name)
    signer = _signer(key_path, cert_path, cert_path.stat().st_mtime)
    meta = signers.PdfSignatureMetadata(
        field_name="TandaTanganDesa",
        reason="Surat keterangan yang diterbitkan desa",
        location=f"Desa {village_name}",
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)  # type: ignore[arg-type]
    return out.getvalue()


# Our letters carry one signature field in two revisions. Walking a form's fields parses
# each one, and a 1 MB upload can hold 13,500 of them (1.5 s of CPU per upload), so a
# PDF with more fields or revisions than a letter could ever have is not checked at all.
MAX_FORM_FIELDS = 50
MAX_REVISIONS = 16
UNREADABLE = "berkas PDF ini rusak atau tidak dapat dibaca."
TOO_COMPLEX = "berkas ini memuat terlalu banyak kolom isian atau perubahan untuk sebuah surat desa."


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # signed with this village's certificate
    signer: str
    # Why the PDF was not checked at all (Indonesian, for the page); "" when it was.
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted


def check_pdf(pdf: bytes, *, data_dir: Path) -> SignatureCheck:
    """Checks the letter's signature against this village's certificate; never raises.

    CPU-bound (up to a second on a large PDF): an `async` caller runs it in a worker
    thread with a bound on how many run at once (see letters/verification_pages.py).
    """
    return _outside_event_loop(lambda: _check(pdf, data_dir))


def _check(pdf: bytes, data_dir: Path) -> SignatureCheck:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    cert_path = keys_dir(data_dir) / CERT_FILE
    # pyHanko parses bytes anyone may upload; whatever it raises on them (PdfError, a
    # RecursionError on 20,000 nested arrays, ...) means the PDF cannot be checked.
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        if reader.xrefs.total_revisions > MAX_REVISIONS or _too_many_fields(reader):
            return SignatureCheck(False, False, False, "", problem=TOO_COMPLEX)
        signatures = reader.embedded_signatures
    except Exception as exc:
        log.info("uploaded PDF not readable: %s", type(exc).__name__)
        return SignatureCheck(False, False, False, "", problem=UNREADABLE)
    if not signatures or not cert_path.exists():
        return SignatureCheck(bool(signatures), False, False, "")
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    try:
        status = validate_pdf_signature(signatures[-1], context)
    except Exception as exc:  # a signature that cannot be validated
        log.info("uploaded PDF's signature not checkable: %s", type(exc).__name__)
        return SignatureCheck(True, False, False, "")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    return SignatureCheck(True, bool(status.intact and status.valid), bool(status.trusted), signer)


def _too_many_fields(reader: Any) -> bool:
    """Whether the form holds over MAX_FORM_FIELDS fields, counting nested /Kids too.

    Stops as soon as the count is over, so it never parses more than that many fields.
    """
    from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject

    try:
        pending = [reader.root["/AcroForm"]["/Fields"]]
    except (KeyError, TypeError):
        return False
    budget = MAX_FORM_FIELDS
    while pending:
        items = pending.pop()
        if not isinstance(items, ArrayObject):
            continue
        budget -= len(items)
        if budget < 0:
            return True
        for item in items:
            field = item.get_object()
            if isinstance(field, DictionaryObject) and "/Kids" in field:
                pending.append(field["/Kids"])
    return False
