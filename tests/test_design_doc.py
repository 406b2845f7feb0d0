"""docs/DESIGN.md stays true: its route map and lifecycle table are held to the code."""

from __future__ import annotations

import re
from pathlib import Path

from office_server import main
from office_server.requests.lifecycle import ACTIONS

DESIGN = Path(__file__).resolve().parents[1] / "docs" / "DESIGN.md"
_CELL = re.compile(r"`([^`]+)`")


def _table_rows(heading_start: str) -> list[list[str]]:
    """The body rows of the first Markdown table under the heading that starts so."""
    lines = DESIGN.read_text(encoding="utf-8").splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(f"## {heading_start}") or line.startswith(f"### {heading_start}")
    )
    rows: list[list[str]] = []
    in_table = False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not set(cells[0]) <= {"-", " "} and cells[0] not in {"route", "action"}:
                rows.append(cells)
        elif in_table:
            break
    return rows


def _documented_routes() -> set[tuple[str, str, str]]:
    routes = set()
    for path_cell, methods, file in _table_rows("Routes and the files"):
        for path in _CELL.findall(path_cell):
            for method in methods.split(","):
                routes.add((method.strip(), path, _CELL.findall(file)[0]))
    return routes


def _served_routes() -> set[tuple[str, str, str]]:
    routes = {("GET", "/healthz", "office_server/main.py")}
    for router in main.API_ROUTERS + main.PAGE_ROUTERS:
        for route in router.routes:
            file = route.endpoint.__module__.replace(".", "/") + ".py"  # type: ignore[attr-defined]
            for method in route.methods - {"HEAD"}:  # type: ignore[attr-defined]
                routes.add((method, route.path, file))  # type: ignore[attr-defined]
    return routes


def test_route_map_names_every_route_and_its_file() -> None:
    documented, served = _documented_routes(), _served_routes()
    assert not served - documented, f"add to docs/DESIGN.md: {sorted(served - documented)}"
    assert not documented - served, f"gone from the code: {sorted(documented - served)}"


def test_hub_route_map_names_every_route() -> None:
    from regency_hub.database import HubDatabase
    from regency_hub.ingest import IngestCounts
    from regency_hub.web import create_app

    # No connection is made: the engine connects on first use.
    app = create_app(HubDatabase("postgresql+psycopg://nobody@127.0.0.1:1/none"), IngestCounts())
    served = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in app.routes
        if not route.path.startswith("/static")  # type: ignore[attr-defined]
        for method in route.methods - {"HEAD"}  # type: ignore[attr-defined]
    }
    documented = {
        (method.strip(), path)
        for path_cell, methods, _ in _table_rows("The hub's routes")
        for path in _CELL.findall(path_cell)
        for method in methods.split(",")
    }
    assert served == documented


def test_lifecycle_table_matches_the_transitions() -> None:
    table = {
        _CELL.findall(name)[0]: (
            {s.strip() for s in sources.split(",")},
            target.strip(),
            reason.strip() == "yes",
        )
        for name, sources, target, reason in _table_rows("The lifecycle")
    }
    code = {
        a.name: ({str(s) for s in a.sources}, str(a.target), a.needs_reason)
        for a in ACTIONS.values()
    }
    assert table == code
