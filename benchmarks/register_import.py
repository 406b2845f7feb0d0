"""Importing the village register: an OpenSID xlsx export of N residents into SQLite.

The issue's target is under 10 s for 5,000 residents (first import). Also timed: the dry
run, and a re-import of the same file (every row compared, nothing changed).

.venv/bin/python benchmarks/register_import.py [--residents 5000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from office_server import models  # noqa: F401 - every table, for the audit's links
from office_server.config import Settings
from office_server.database import Database
from office_server.migrate import upgrade
from office_server.residents import service as residents
from tests.support.register_files import resident_row, write_opensid_xlsx


def timed(
    db: Database, path: Path, *, dry_run: bool = False
) -> tuple[float, residents.ImportReport]:
    start = time.perf_counter()
    with db.unit_of_work() as session:
        report = residents.import_file(session, path=path, dry_run=dry_run)
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Settings(data_dir=Path(tmp) / "data"))
        upgrade(db.engine)
        path = write_opensid_xlsx(
            Path(tmp) / "penduduk.xlsx", [resident_row(i) for i in range(args.residents)]
        )
        size = path.stat().st_size
        dry, _ = timed(db, path, dry_run=True)
        first, report = timed(db, path)
        assert report.added == args.residents and not report.rejected
        again, report = timed(db, path)
        assert report.unchanged == args.residents
        db.dispose()
    n = args.residents
    figures = {
        f"register import, {n} residents (xlsx {size // 1024} KB), first": (first, "s"),
        f"register import, {n} residents, dry run": (dry, "s"),
        f"register re-import, {n} residents, none changed": (again, "s"),
        "register import rate, first": (n / first, "residents/s"),
    }
    print(f"Register import: OpenSID xlsx of {n} residents into SQLite (target: under 10 s)")
    for name, (value, unit) in figures.items():
        print(f"{name:<62}{value:>10.2f}  {unit}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: list(v) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
