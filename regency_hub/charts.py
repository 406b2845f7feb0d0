"""Small SVG charts drawn on the server: no script, nothing to load, readable on paper.

Colours are presentation attributes, not style, so the pages' Content-Security-Policy
(no inline style) lets them through; each chart carries a <title> and the numbers as
text for whoever cannot see it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

GREEN = "#0b5d3b"
GRID = "#d9dee3"
TEXT = "#1f2933"


def bar_chart(rows: list[tuple[str, int]], *, title: str, width: int = 640) -> Markup:
    """Horizontal bars, one per row, the value written at the end of each."""
    bar_h, gap, label_w = 22, 6, 190
    height = len(rows) * (bar_h + gap) + gap
    top = max((v for _, v in rows), default=0) or 1
    room = width - label_w - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = round(room * value / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end" fill="{TEXT}" '
            f'font-size="13">{escape(label[:28])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{GREEN}"/>'
            f'<text x="{label_w + w + 6}" y="{y + bar_h - 6}" fill="{TEXT}" '
            f'font-size="13">{number(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label went through escape())


def line_chart(points: list[tuple[str, int]], *, title: str, width: int = 640) -> Markup:
    """One line over months, a dot and its value at each point, month names below."""
    height, left, right, top_pad, bottom = 200, 40, 20, 24, 36
    top = max((v for _, v in points), default=0) or 1
    n = max(len(points) - 1, 1)
    plot_w, plot_h = width - left - right, height - top_pad - bottom

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + plot_w * i / n, top_pad + plot_h * (1 - v / top)

    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}" stroke="{GRID}"/>',
    ]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{GREEN}" stroke-width="2"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{GREEN}"/>'
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" fill="{TEXT}" '
            f'font-size="11">{number(value)}</text>'
            f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" fill="{TEXT}" '
            f'font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label went through escape())


def number(value: int) -> str:
    """Indonesian thousands separator (12.345)."""
    return f"{value:,}".replace(",", ".")
