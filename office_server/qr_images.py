"""QR symbols as images for pages and letters.

Level and quiet zone are loket_protocol.qr's (chosen by measurement, issue 16). qrcode
picks alphanumeric mode by itself when the payload is upper case (loket_protocol.qr keeps
payloads so), which keeps the symbol small.
"""

from __future__ import annotations

import base64
import io

import qrcode

from loket_protocol.qr import QR_QUIET_ZONE, QRCODE_ERROR_CORRECTION


def _qr(payload: str, **options: int) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=QRCODE_ERROR_CORRECTION, border=QR_QUIET_ZONE, **options)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr


def qr_matrix(payload: str) -> list[list[bool]]:
    """The symbol's modules, quiet zone included (True = dark): what every image draws."""
    return [list(row) for row in _qr(payload).get_matrix()]


def qr_svg(payload: str, *, attributes: str = "", sized: bool = False) -> tuple[str, int]:
    """The QR as SVG markup and its width in modules (quiet zone included).

    One <path> of horizontal runs (~2 KB), so rasterisers leave no hairlines between
    modules. `sized` gives it a width and height in modules (for a data URI in a PDF);
    without, CSS scales it.
    """
    matrix = qr_matrix(payload)
    size = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    dimensions = f' width="{size}" height="{size}"' if sized else ""
    svg = (
        f"<svg {attributes + ' ' if attributes else ''}"
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"{dimensions} '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
    return svg, size


def qr_svg_data_uri(payload: str) -> tuple[str, int]:
    """The QR as an SVG data URI (for a letter's <img>), and its width in modules."""
    svg, size = qr_svg(payload, sized=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"), size


def qr_png_data_url(payload: str) -> str:
    """The QR as a PNG data URL: a download link that works without JavaScript."""
    buf = io.BytesIO()
    _qr(payload, box_size=10).make_image().save(buf)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
