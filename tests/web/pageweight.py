"""Bytes over the wire for a page's first load, measured in Chromium through CDP.

`encodedDataLength` of Network.loadingFinished is what the network carried for each
request: headers plus the (gzip-compressed) body. The service worker's precache runs in
its own worker after the page loaded; `precache_bytes` measures it separately with the
same gzip the browser negotiates.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.waiting import HANG_GUARD


@dataclass
class PageWeight:
    url: str
    total_bytes: int = 0
    requests: list[tuple[str, int]] = field(default_factory=list)

    @property
    def kb(self) -> float:
        return self.total_bytes / 1024


def measure_first_load(browser: Any, url: str, *, viewport: dict[str, int]) -> PageWeight:
    """A fresh browser context (empty cache, no service worker), one navigation."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        urls: dict[str, str] = {}
        weight = PageWeight(url)

        def on_response(event: dict[str, Any]) -> None:
            urls[event["requestId"]] = event["response"]["url"]

        def on_finished(event: dict[str, Any]) -> None:
            size = int(event["encodedDataLength"])
            weight.total_bytes += size
            weight.requests.append((urls.get(event["requestId"], "?"), size))

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        page.goto(url, wait_until="networkidle")
        cdp.detach()
        return weight
    finally:
        context.close()


def precache_bytes(base_url: str) -> tuple[int, int]:
    """(gzip bytes, raw bytes) of everything the service worker caches on install."""
    with httpx.Client(base_url=base_url, timeout=HANG_GUARD) as client:
        source = client.get("/sw.js").text
        start = source.index("PRECACHE = ") + len("PRECACHE = ")
        urls = json.loads(source[start : source.index(";", start)])
        packed = raw = 0
        for url in urls:
            body = client.get(url).content
            raw += len(body)
            packed += len(gzip.compress(body, 6)) if len(body) >= 500 else len(body)
        return packed, raw
