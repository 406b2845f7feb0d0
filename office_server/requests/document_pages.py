"""The routes of document photos: the resident sends them (JSON API, one PUT per photo);
operators open them through their session (never a static route), each opening audited.

`PUT /api/v1/requests/{code}/documents/{key}?jenis=N` with the JPEG as the body and the
pickup secret in `X-Pickup-Secret`. The key is a UUID the phone chose for this photo:
a PUT is idempotent, so after a dropped connection the phone sends the same photo again
under the same key and the server stores it once (201 the first time, 200 after). A
photo is at most a few hundred KB after the phone shrank it, so re-sending one whole is
cheaper than keeping half-uploads on the server for a resumable protocol.

The body is read (at most `photos.MAX_UPLOAD_BYTES`) before any transaction starts: a
slow phone on 2G must not hold SQLite's write lock while its photo trickles in.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from office_server.audit.service import RESIDENT
from office_server.deps import (
    AppDatabase,
    AppSettings,
    DbSession,
    PageId,
    ReadSession,
    require_role,
    resident_request,
)
from office_server.errors import DomainError, PayloadTooLarge
from office_server.kiosks import service as kiosks
from office_server.operators.models import Operator, Role
from office_server.requests import documents, photos
from office_server.requests.models import Channel, RequestDocument

router = APIRouter(prefix="/api/v1", tags=["documents"])

PickupSecret = Annotated[str, Header(alias="X-Pickup-Secret", max_length=64)]
KEY_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class DocumentOut(BaseModel):
    key: str
    kind: str
    bytes: int
    channel: str

    @classmethod
    def of(cls, document: RequestDocument) -> DocumentOut:
        return cls(
            key=document.document_key,
            kind=document.kind,
            bytes=document.size_bytes,
            channel=document.channel,
        )


class DocumentsOut(BaseModel):
    kinds: list[str]
    documents: list[DocumentOut]
    max_per_request: int
    max_per_kind: int


class BadKey(DomainError):
    status_code = 422
    code = "bad_document_key"


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(photos.TOO_MANY_BYTES, "The photo file is too large.")
    chunks, seen = [], 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise PayloadTooLarge(photos.TOO_MANY_BYTES, "The photo file is too large.")
        chunks.append(chunk)
    return b"".join(chunks)


@router.put("/requests/{code}/documents/{key}", response_model=DocumentOut)
async def put_document(
    code: str,
    key: str,
    request: Request,
    db: AppDatabase,
    settings: AppSettings,
    secret: PickupSecret,
    jenis: Annotated[int, Query(ge=0, le=50)],
) -> Response:
    if not KEY_PATTERN.match(key):
        raise BadKey("Kode foto tidak valid. Muat ulang halaman.", "Bad document key.")
    try:
        data = await read_limited(request, photos.MAX_UPLOAD_BYTES)
    except ClientDisconnect:
        # The phone lost its signal mid-photo: nothing was kept; it will send it again.
        return Response(status_code=400)
    store = documents.DocumentStore(settings.documents_dir)

    # The kiosk's camera sends with the secret of the ticket it just printed, and its key.
    scheme, _, kiosk_key = request.headers.get("authorization", "").partition(" ")

    def keep() -> tuple[DocumentOut, bool]:
        with db.unit_of_work() as session:
            channel = Channel.WEB
            if scheme.lower() == "bearer" and kiosk_key.strip():
                kiosks.authenticate(session, api_key=kiosk_key.strip())
                channel = Channel.KIOSK
            req = resident_request(request, session, code, secret)
            document, created = documents.store(
                session,
                req,
                store=store,
                document_key=key,
                kind_index=jenis,
                data=data,
                channel=channel,
                actor=RESIDENT,
            )
            return DocumentOut.of(document), created

    out, created = await run_in_threadpool(keep)
    return JSONResponse(out.model_dump(), status_code=201 if created else 200)


@router.get("/requests/{code}/documents", response_model=DocumentsOut)
def list_documents(
    code: str, request: Request, session: ReadSession, secret: PickupSecret
) -> DocumentsOut:
    """What was sent (kinds and sizes, never the photos: only operators see those)."""
    req = resident_request(request, session, code, secret)
    return DocumentsOut(
        kinds=documents.kinds(req),
        documents=[DocumentOut.of(d) for d in documents.for_request(session, request_id=req.id)],
        max_per_request=documents.MAX_PER_REQUEST,
        max_per_kind=documents.MAX_PER_KIND,
    )


# --- operators ---------------------------------------------------------------------

operator_router = APIRouter(prefix="/operator", include_in_schema=False)

OperatorOrSigner = Annotated[Operator, Depends(require_role(Role.OPERATOR, Role.SIGNER))]
DocumentId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _photo(
    request_id: int,
    document_id: int,
    session: DbSession,
    me: Operator,
    settings: AppSettings,
    *,
    thumb: bool,
) -> Response:
    data = documents.open_for_operator(
        session,
        store=documents.DocumentStore(settings.documents_dir),
        request_id=request_id,
        document_id=document_id,
        operator=me,
        thumb=thumb,
    )
    return Response(
        data,
        media_type="image/jpeg",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f"inline; filename=dokumen-{document_id}.jpg",
            "X-Content-Type-Options": "nosniff",
        },
    )


@operator_router.get("/permohonan/{request_id}/dokumen/{document_id}")
def document_photo(
    request_id: PageId,
    document_id: DocumentId,
    session: DbSession,
    me: OperatorOrSigner,
    settings: AppSettings,
) -> Response:
    return _photo(request_id, document_id, session, me, settings, thumb=False)


@operator_router.get("/permohonan/{request_id}/dokumen/{document_id}/kecil")
def document_thumbnail(
    request_id: PageId,
    document_id: DocumentId,
    session: DbSession,
    me: OperatorOrSigner,
    settings: AppSettings,
) -> Response:
    return _photo(request_id, document_id, session, me, settings, thumb=True)
