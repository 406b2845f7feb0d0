"""The server-drawn SVG charts: proportional, labelled, escaped."""

from __future__ import annotations

import re

from regency_hub import charts


def test_bars_are_proportional_and_carry_their_numbers() -> None:
    svg = str(charts.bar_chart([("SKTM", 1200), ("SKU", 600), ("SKD", 0)], title="Surat"))
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 1  # an empty bar stays visible
    assert ">1.200<" in svg and ">600<" in svg and "<title>Surat</title>" in svg


def test_labels_are_escaped() -> None:
    svg = str(charts.bar_chart([("<script>", 1)], title='a"<b>'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    line = str(charts.line_chart([("<i>", 3), ("Feb", 5)], title="t"))
    assert "<i>" not in line and line.count("<circle") == 2


def test_line_goes_up_where_the_numbers_do() -> None:
    line = str(charts.line_chart([("Jan", 1), ("Feb", 4), ("Mar", 2)], title="t"))
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', line)]
    assert ys[1] < ys[2] < ys[0]  # SVG's y grows downwards
