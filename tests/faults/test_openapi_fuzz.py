"""Schemathesis over the real server's /openapi.json: no 5xx, responses as documented.

Two of its checks are left out on purpose:
- positive_data_acceptance: a schema-valid body may still be refused (422) by rules the
  schema cannot state: a NIK's region and birth date, the fields of each letter type.
- allow_header_conformance: on paths with two routes (GET and PATCH), Starlette's 405
  names only the first route's methods; the methods themselves are served correctly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import running_server

ST = Path(sys.executable).with_name("st")


@pytest.mark.slow
def test_openapi_fuzz(tmp_path: Path) -> None:
    if not ST.exists() and not shutil.which("st"):
        pytest.fail("schemathesis is not installed (it is in the dev extra)")
    with running_server(tmp_path) as server, server.operator_client("admin") as admin:
        cookie = "; ".join(f"{k}={v}" for k, v in admin.cookies.items())
        result = subprocess.run(
            [
                str(ST), "run", f"{server.url}/openapi.json",
                "--max-examples", "15",
                "--generation-deterministic",
                "--exclude-checks", "positive_data_acceptance,allow_header_conformance",
                "-H", f"Authorization: Bearer {server.kiosk_key}",
                "-H", f"Cookie: {cookie}",
                "-H", f"X-CSRF-Token: {admin.headers['X-CSRF-Token']}",
                "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    report = tmp_path / "schemathesis.txt"
    report.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Traceback" not in (tmp_path / "server.log").read_text()
