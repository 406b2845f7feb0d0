"""Photos of a request's required documents: kept, listed, shown to operators, deleted.

Every photo is re-encoded first (`photos.clean_jpeg`): what is stored is a fresh JPEG
without metadata, or nothing. The file is written before its row is flushed and removed
again if the row is refused, so a refusal keeps neither; a file whose transaction later
failed to commit has no row and goes at the next sweep (`purge_expired`).

An upload names its document with a key the uploader chose (a UUID): sending the same
photo again after a dropped connection finds the row already there and answers the same
way, so a retry never stores a photo twice.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from office_server.audit import service as audit
from office_server.audit.service import Actor
from office_server.errors import Conflict, DomainError, NotFound, PayloadTooLarge
from office_server.operators.models import Operator
from office_server.requests import photos
from office_server.requests.lifecycle import FINAL_STATUSES
from office_server.requests.models import LetterRequest, RequestDocument
from office_server.security import sha256_hex
from office_server.village import service as village

MAX_PER_REQUEST = 8
MAX_PER_KIND = 3
OTHER_KIND = "Dokumen pendukung lain"
# A file with no row this old is the leftover of a transaction that did not commit.
ORPHAN_AGE = timedelta(hours=1)


class DocumentRefused(DomainError):
    status_code = 422
    code = "document_refused"


@dataclass(frozen=True)
class DocumentStore:
    """The folder of photos: mode 700, each file mode 600, named at random."""

    root: Path

    def write(self, data: bytes) -> str:
        if not self.root.exists():
            os.makedirs(self.root, mode=0o700, exist_ok=True)
        name = secrets.token_hex(16) + ".jpg"
        tmp = self.root / (name + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)
        return name

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / name).unlink()

    def names_older_than(self, moment: datetime) -> list[str]:
        if not self.root.exists():
            return []
        cutoff = moment.timestamp()
        return [p.name for p in self.root.iterdir() if p.stat().st_mtime < cutoff]


def kinds(request: LetterRequest) -> list[str]:
    """What may be sent: the letter type's required documents, then "other"."""
    return [*request.letter_type.required_documents, OTHER_KIND]


def for_request(session: Session, *, request_id: int) -> list[RequestDocument]:
    return list(
        session.scalars(
            select(RequestDocument)
            .where(RequestDocument.request_id == request_id)
            .order_by(RequestDocument.id)
        )
    )


def store(
    session: Session,
    request: LetterRequest,
    *,
    store: DocumentStore,
    document_key: str,
    kind_index: int,
    data: bytes,
    channel: str,
    actor: Actor,
) -> tuple[RequestDocument, bool]:
    """Keeps one photo for the request. Returns (document, created); a repeat of the same
    key and bytes returns the stored one with created False."""
    digest = sha256_hex(data)
    existing = _by_key(session, document_key)
    if existing is not None:
        return _repeat(existing, request, digest), False
    if request.status in FINAL_STATUSES:
        raise Conflict(
            "Permohonan ini sudah selesai, foto tidak dapat ditambahkan lagi.",
            "This request is finished; no more photos can be added.",
            code="request_finished",
        )
    allowed = kinds(request)
    if not 0 <= kind_index < len(allowed):
        raise DocumentRefused("Jenis dokumen tidak dikenal.", "Unknown document kind.")
    kind = allowed[kind_index]
    _check_counts(session, request, kind)
    if len(data) > photos.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(photos.TOO_MANY_BYTES, "The photo file is too large.")
    try:
        clean = photos.clean_jpeg(data)
    except photos.PhotoRefused as exc:
        raise DocumentRefused(str(exc), "The file is not a usable photo.") from exc
    file_name = store.write(clean.jpeg)
    document = RequestDocument(
        document_key=document_key,
        request_id=request.id,
        kind=kind,
        file_name=file_name,
        upload_sha256=digest,
        size_bytes=len(clean.jpeg),
        width=clean.width,
        height=clean.height,
        channel=channel,
    )
    try:
        with session.begin_nested():
            session.add(document)
            session.flush()
    except IntegrityError:
        # The same key sent twice at once: the other one won; answer as it did.
        store.delete(file_name)
        winner = _by_key(session, document_key)
        if winner is None:
            raise
        return _repeat(winner, request, digest), False
    except BaseException:
        store.delete(file_name)
        raise
    audit.record(
        session,
        actor=actor,
        action="add_document",
        request_id=request.id,
        details={"document": document.id, "kind": kind_index, "bytes": len(clean.jpeg)},
    )
    return document, True


def _by_key(session: Session, document_key: str) -> RequestDocument | None:
    return session.scalars(
        select(RequestDocument).where(RequestDocument.document_key == document_key)
    ).first()


def _repeat(existing: RequestDocument, request: LetterRequest, digest: str) -> RequestDocument:
    if existing.request_id != request.id or existing.upload_sha256 != digest:
        raise Conflict(
            "Foto ini sudah terkirim sebelumnya dengan isi lain. Muat ulang halaman lalu "
            "pilih fotonya lagi.",
            "This document key was used for another photo.",
            code="document_key_used",
        )
    return existing


def _check_counts(session: Session, request: LetterRequest, kind: str) -> None:
    rows = session.execute(
        select(RequestDocument.kind, func.count())
        .where(RequestDocument.request_id == request.id)
        .group_by(RequestDocument.kind)
    ).all()
    per_kind = {k: int(n) for k, n in rows}
    if sum(per_kind.values()) >= MAX_PER_REQUEST:
        raise DocumentRefused(
            f"Sudah ada {MAX_PER_REQUEST} foto untuk permohonan ini, tidak bisa menambah lagi. "
            "Bawa dokumen lainnya ke kantor desa.",
            f"At most {MAX_PER_REQUEST} photos per request.",
            code="too_many_documents",
        )
    if per_kind.get(kind, 0) >= MAX_PER_KIND:
        raise DocumentRefused(
            f"Sudah ada {MAX_PER_KIND} foto untuk {kind}, tidak bisa menambah lagi.",
            f"At most {MAX_PER_KIND} photos of one document.",
            code="too_many_documents",
        )


def open_for_operator(
    session: Session,
    *,
    store: DocumentStore,
    request_id: int,
    document_id: int,
    operator: Operator,
    thumb: bool,
) -> bytes:
    """The photo (or its thumbnail) for an operator; every opening is audited.

    A thumbnail on the request page is part of reading the request ("view", left out of
    its history like the page's own read); opening the photo itself is shown in it."""
    document = session.get(RequestDocument, document_id)
    if document is None or document.request_id != request_id:
        raise NotFound("Foto tidak ditemukan.", "Photo not found.")
    data = store.read(document.file_name)
    if data is None:
        raise NotFound(
            "Foto ini tidak ada lagi di server (sudah dihapus atau tidak ikut dipulihkan).",
            "The photo file is gone.",
        )
    audit.record(
        session,
        actor=operator.actor,
        action="view" if thumb else "view_document",
        request_id=request_id,
        details={"document": document.id, "thumbnail": thumb},
    )
    return photos.thumbnail(data) if thumb else data


@dataclass(frozen=True)
class Purged:
    documents: int
    requests: int
    orphans: int


def purge_expired(session: Session, *, store: DocumentStore, now: datetime) -> Purged:
    """Deletes the photos of requests finished longer ago than the village's retention
    days, and files left without a row. Audited with counts only."""
    days = village.get_profile(session).document_retention_days
    cutoff = now - timedelta(days=days)
    expired = session.scalars(
        select(RequestDocument)
        .join(LetterRequest, LetterRequest.id == RequestDocument.request_id)
        .where(
            LetterRequest.status.in_([str(s) for s in FINAL_STATUSES]),
            LetterRequest.status_changed_at < cutoff,
        )
    ).all()
    request_ids = {d.request_id for d in expired}
    for document in expired:
        session.delete(document)
    session.flush()
    # Files go after their rows are flushed: a failed flush keeps both.
    for document in expired:
        store.delete(document.file_name)
    known = set(session.scalars(select(RequestDocument.file_name)))
    orphans = [
        name
        for name in store.names_older_than(now - ORPHAN_AGE)
        if name.removesuffix(".part") not in known or name.endswith(".part")
    ]
    for name in orphans:
        store.delete(name)
    if expired or orphans:
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="purge_documents",
            details={
                "documents": len(expired),
                "requests": len(request_ids),
                "orphan_files": len(orphans),
                "retention_days": days,
            },
        )
    return Purged(len(expired), len(request_ids), len(orphans))
