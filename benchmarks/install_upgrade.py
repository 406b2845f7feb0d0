"""deploy/install.sh on this machine: a fresh install into a directory tree, then the
upgrade of a populated office (backup, migrate, switch), its backup's size, and one
`loket doctor` run. Needs root (the installer creates users).

.venv/bin/python benchmarks/install_upgrade.py [--letters 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.deploy.test_upgrade import served
from tests.deploy.tree import Tree


def timed(what: str, action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{what:<52}{seconds:8.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tree = Tree(tmp / "root")
        figures: dict[str, list[float | str]] = {}
        fresh = timed("fresh install (existing Python env)", lambda: tree.install("--role", "both"))
        figures["fresh install into a tree"] = [fresh, "s"]
        seeded = tree.loket("seed-demo", env=tree.env(LOKET_ENVIRONMENT="development"))
        assert seeded.returncode == 0, seeded.stderr
        start = time.perf_counter()
        # One address files every request here: the per-address limit would stop it.
        limits = {"LOKET_FILING_PER_ADDRESS_PER_HOUR": "100000", "LOKET_FILING_PER_HOUR": "100000"}
        with served(tree, tmp, **limits) as server:
            for _ in range(args.letters):
                server.drive_to_ready(server.file_request()["code"])
        print(f"{args.letters} letters issued in {time.perf_counter() - start:.1f} s", flush=True)
        upgrade = timed(
            f"upgrade with {args.letters} letters", lambda: tree.install("--role", "both")
        )
        figures[f"upgrade (backup + migrate + switch), {args.letters} letters"] = [upgrade, "s"]
        backup = next(tree.path("/var/lib/loket/backups").glob("sebelum-upgrade-*.zip"))
        figures[f"pre-upgrade backup, {args.letters} letters"] = [
            backup.stat().st_size / 2**20,
            "MB",
        ]
        doctor = timed(
            "loket doctor (NTP unreachable: skipped)",
            lambda: subprocess.run(
                [str(tree.path("/opt/loket/current/bin/loket")), "doctor", "--kiosk-config", "/no"],
                env=tree.env(LOKET_NTP_SERVER="127.0.0.1:9", LOKET_NTP_TIMEOUT_SECONDS="1"),
                capture_output=True,
                check=False,
                timeout=600,
            ),
        )
        figures["loket doctor, office PC, no server running"] = [doctor, "s"]
    for name, (value, unit) in figures.items():
        print(f"{name:<64}{value:10.2f} {unit}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
