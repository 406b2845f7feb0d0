"""The dependency rules of the codebase, checked on the source with `ast`.

Every import counts, also inside functions and under TYPE_CHECKING. Edit the table below
when modules move; the checker is tests/support/import_rules.py. Names inside
office_server are relative to it and are fnmatch patterns ("*.api" is every domain's api.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.import_rules import Rules, Violation, check, report

ROOT = Path(__file__).resolve().parents[1]

# R1: the other project packages each package may import (a missing folder is skipped).
PACKAGE_MAY_IMPORT = {
    "loket_protocol": (),  # the shared leaf: QR formats, field formats, the sync event schema
    "printer_drivers": ("loket_protocol",),
    "kiosk_app": ("printer_drivers", "loket_protocol"),
    # resident_web: the residents' pages' static files and field macro, also the office's.
    "regency_hub": ("loket_protocol", "resident_web"),
    # The residents' pages' shared files: a leaf both web sides serve.
    "resident_web": (),
    # kiosk_app: `loket kiosk` starts the kiosk from the office CLI.
    "office_server": ("loket_protocol", "printer_drivers", "kiosk_app", "resident_web"),
}

# R2: the edge of office_server. Nothing outside it may import it.
EDGE = (
    "main",
    "cli",
    "cli_*",  # the CLI split by concern: cli_support (shared), cli_hub (the regency link)
    "deps",
    "guards",
    "middleware",
    "error_handlers",
    "templating",
    "pwa",
    "housekeeping",
    "notifier",  # the outbox sender thread / `loket notify run`, like housekeeping
    "backup",  # `loket backup/restore`: every table and the archive, like the CLI
    "nightly_backup",  # the backup timer's steps, over `backup`
    "offsite_*",  # the off-site archive at the hub: Litestream, the PDF uploader
    "restore_from_hub",  # `loket restore-from-hub`, like `restore`
    "doctor",  # `loket doctor`: reads every part of the install, like the CLI
    "doctor_*",  # its checks: findings, network links (clock, hub), the kiosk's devices
    "models",  # the Alembic aggregator of every table
    "migrations",
    "migrations.*",
    "*.api",
    "*.pages",
    "*.*_pages",  # a domain's second page module (requests.operator_pages, ...)
)

# R3: these never import one another (shared code goes into a service or schemas module).
ROUTE_MODULES = ("*.api", "*.pages", "*.*_pages")

# R4: the domains (subpackages of office_server), lowest first. A non-edge module of a
# domain imports only its own and lower-ranked domains.
DOMAIN_RANK = (
    "audit",
    "sync",  # the outbox: every domain above writes its changes there
    "residents",
    "operators",
    "village",
    "notifications",
    "queue",
    "letter_types",
    "requests",
    "letters",
    "kiosks",
)

# R4: top-level modules that are neither edge nor domain. They import no domain...
CORE = (
    "config",
    "database",
    "errors",
    "clock",
    "security",
    "sequences",
    "ratelimit",
    "i18n",
    "seed",
    "migrate",
    "csrf",
    "numbering",
    "qr_images",
    "sdnotify",
)

# R4: ...except these, each because the current code needs it.
CORE_MAY_IMPORT = {
    "seed": ("letter_types", "operators", "village"),  # demo village, letter types, operators
}

# R5 has no table: no import cycle between modules anywhere in the project packages.

RULES = Rules(
    packages=tuple(PACKAGE_MAY_IMPORT),
    package_may_import=PACKAGE_MAY_IMPORT,
    edge=EDGE,
    route_modules=ROUTE_MODULES,
    domain_rank=DOMAIN_RANK,
    core=CORE,
    core_may_import=CORE_MAY_IMPORT,
)


def test_the_codebase_keeps_its_dependency_rules() -> None:
    violations = check(ROOT, RULES)
    assert not violations, report(violations)


# The checker itself, on a small tree with exactly one violation of each rule.

FAKE_RULES = Rules(
    packages=("office_server", "kiosk_app", "printer_drivers", "loket_protocol", "regency_hub"),
    package_may_import={
        "loket_protocol": (),
        "printer_drivers": ("loket_protocol",),
        "kiosk_app": ("printer_drivers", "loket_protocol"),
        "regency_hub": ("loket_protocol",),
        "office_server": ("loket_protocol", "printer_drivers", "kiosk_app"),
    },
    edge=("main", "models", "migrations", "migrations.*", "*.api", "*.pages"),
    route_modules=("*.api", "*.pages"),
    domain_rank=("audit", "letters", "kiosks"),
    core=("config", "backup", "seed"),
    core_may_import={"backup": ("letters",)},
)

FAKE_TREE = {
    "loket_protocol/__init__.py": "",
    "loket_protocol/qr.py": "import json\nfrom loket_protocol import fields\n",
    "loket_protocol/fields.py": "import re\n",
    "printer_drivers/__init__.py": "",
    # R1, inside a function: a driver reaching into the kiosk.
    "printer_drivers/base.py": (
        "from loket_protocol.qr import x\n\ndef f():\n    from kiosk_app.config import c\n"
    ),
    "kiosk_app/__init__.py": "",
    "kiosk_app/config.py": "from printer_drivers import errors\n",
    "printer_drivers/errors.py": "from loket_protocol import fields\n",
    "regency_hub/__init__.py": "from loket_protocol import qr\n",
    "office_server/__init__.py": "",
    "office_server/config.py": "from pydantic import BaseModel\n",
    "office_server/main.py": (
        "from office_server.letters import api, pages\nfrom office_server import backup, seed\n"
    ),
    "office_server/models.py": "from office_server.audit.models import A\n",
    # Allowed by CORE_MAY_IMPORT.
    "office_server/backup.py": "from office_server.letters.models import L\n",
    # R4, under TYPE_CHECKING: core module importing a domain not allowed to it.
    "office_server/seed.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from office_server.kiosks.service import S\n"
    ),
    "office_server/migrations/__init__.py": "",
    "office_server/migrations/env.py": "from office_server import models\n",
    "office_server/audit/__init__.py": "",
    "office_server/audit/models.py": "from office_server.config import Settings\n",
    # R2, relative: a domain's models module importing the Alembic aggregator.
    "office_server/audit/service.py": "from .. import models\nfrom .models import A\n",
    "office_server/letters/__init__.py": "",
    "office_server/letters/models.py": "from office_server.audit import models\n",
    "office_server/letters/service.py": (
        "from office_server.audit import service\nfrom . import models\n"
        "import office_server.letters.numbering\n"
    ),
    # R5: service -> numbering -> service.
    "office_server/letters/numbering.py": (
        "import importlib\n\ndef f():\n"
        "    importlib.import_module('office_server.letters.service')\n"
    ),
    "office_server/letters/api.py": "from office_server.letters import service\n",
    # R3: pages importing api of its own domain.
    "office_server/letters/pages.py": "from office_server.letters.api import router\n",
    "office_server/kiosks/__init__.py": "",
    "office_server/kiosks/service.py": "from office_server.letters.service import issue\n",
    # R4 as well: audit (lowest) importing kiosks (higher).
    "office_server/audit/export.py": "from office_server.kiosks import service\n",
}


def _write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _found(violations: list[Violation]) -> set[tuple[str, str, int, str]]:
    return {(v.rule, v.importer, v.line, v.imported) for v in violations}


def test_the_checker_finds_one_violation_of_each_rule(tmp_path: Path) -> None:
    _write_tree(tmp_path, FAKE_TREE)

    violations = check(tmp_path, FAKE_RULES)

    assert _found(violations) == {
        ("R1", "printer_drivers.base", 4, "kiosk_app.config"),
        ("R2", "office_server.audit.service", 1, "office_server.models"),
        ("R3", "office_server.letters.pages", 1, "office_server.letters.api"),
        ("R4", "office_server.seed", 3, "office_server.kiosks.service"),
        ("R4", "office_server.audit.export", 1, "office_server.kiosks.service"),
        ("R5", "office_server.letters.service", 3, "office_server.letters.numbering"),
        ("R5", "office_server.letters.numbering", 4, "office_server.letters.service"),
    }, report(violations)
    message = report(violations)
    assert (
        "[R1] printer_drivers/base.py:4: printer_drivers.base imports kiosk_app.config" in message
    )
    assert "office_server.letters.service -> office_server.letters.numbering" in message


def test_the_checker_passes_a_clean_tree(tmp_path: Path) -> None:
    clean = dict(FAKE_TREE)
    clean["printer_drivers/base.py"] = "from loket_protocol.qr import x\n"
    clean["office_server/audit/service.py"] = "from .models import A\n"
    clean["office_server/letters/pages.py"] = "from office_server.letters import service\n"
    clean["office_server/seed.py"] = "from office_server.config import Settings\n"
    clean["office_server/audit/export.py"] = "from office_server.audit import service\n"
    clean["office_server/letters/numbering.py"] = "import importlib\n"
    _write_tree(tmp_path, clean)

    assert check(tmp_path, FAKE_RULES) == []


def test_the_checker_asks_for_unlisted_modules_and_domains(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        {
            "office_server/__init__.py": "",
            "office_server/config.py": "",
            "office_server/stray.py": "",
            "office_server/billing/__init__.py": "",
            "office_server/billing/service.py": "import regency_hub.sync\n",
        },
    )

    assert _found(check(tmp_path, FAKE_RULES)) == {
        ("table", "office_server.stray", 0, ""),
        ("table", "office_server.billing", 0, ""),
        # A package that does not exist yet is still forbidden.
        ("R1", "office_server.billing.service", 1, "regency_hub.sync"),
    }
