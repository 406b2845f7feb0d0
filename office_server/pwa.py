"""The resident pages as an installable web app: the manifest and the service worker,
served from the root so its scope covers every resident page."""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter
from fastapi.responses import Response

from office_server.deps import ReadSession
from office_server.letter_types import service as letter_types
from office_server.templating import STATIC_DIR, static_url

router = APIRouter(include_in_schema=False)

MANIFEST = {
    "name": "Loket Desa",
    "short_name": "Loket Desa",
    "lang": "id",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#0b5d3b",
    "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
}


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    return Response(json.dumps(MANIFEST), media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker(session: ReadSession) -> Response:
    pages = ["/", "/surat", "/status", "/offline"] + [
        f"/surat/{lt.code}" for lt in letter_types.catalog(session) if lt.self_service
    ]
    assets = [static_url(n) for n in ("app.css", "app.js", "form.js", "qr.js", "icon.svg")]
    version = hashlib.sha256(json.dumps([pages, assets]).encode()).hexdigest()[:10]
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", version).replace(
        "__PRECACHE__", json.dumps(pages + assets)
    )
    return Response(
        source,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )
