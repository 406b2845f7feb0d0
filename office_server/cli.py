"""The `loket` command: server, migrate, seed-demo, create-operator, add-kiosk, ..."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from office_server import cli_backup, cli_hub
from office_server.cli_support import CommandFailed, open_database, unit_of_work
from office_server.config import Settings, get_settings
from office_server.errors import DomainError, ValidationFailed

# The database (SQLAlchemy) is imported only by the commands that use it, so `loket kiosk`
# also runs where only the kiosk extra is installed.
if TYPE_CHECKING:
    from office_server.database import Database


# Where deploy/install.sh puts a kiosk's settings (the kiosk on the office PC itself).
DEFAULT_KIOSK_CONFIG = "/etc/loket/kiosk.toml"


def cmd_migrate(_: argparse.Namespace) -> int:
    from office_server.migrate import upgrade

    db = open_database()
    upgrade(db.engine)
    _prepare_for_hub(db)
    print(f"Database is up to date ({_safe_url(db.url)}).")
    return 0


def _prepare_for_hub(db: Database) -> None:
    """The sealing key and the letter types' forms in the outbox (made on first need)."""
    from office_server import seed
    from office_server.requests.hub_inbox import prepare

    with db.unit_of_work() as session:
        if not seed.is_empty(session):
            prepare(session, get_settings().data_dir)


def cmd_init(args: argparse.Namespace) -> int:
    from office_server import seed

    with unit_of_work() as session:
        if not seed.is_empty(session):
            raise CommandFailed("This database already has a village; nothing changed.")
        seed.init_village(
            session,
            name=args.name,
            kode_desa=args.kode_desa,
            kecamatan=args.kecamatan,
            kabupaten=args.kabupaten,
            provinsi=args.provinsi,
            head_name=args.head_name,
        )
        from office_server.requests.hub_inbox import prepare

        prepare(session, get_settings().data_dir)
    print(f"Desa {args.name} is set up with the standard letter types.")
    print("Next: `loket create-operator --role admin ...`, then fill in /admin/desa.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from office_server import seed

    if get_settings().environment != "development":
        # The demo accounts' passwords are published in the README.
        raise CommandFailed("seed-demo is for development only (LOKET_ENVIRONMENT).")
    with unit_of_work() as session:
        if not seed.is_empty(session):
            if args.if_empty:
                print("Database already has a village; demo data not added.")
                return 0
            raise CommandFailed("The database already has a village profile.")
        seed.seed_demo(session)
        from office_server.requests.hub_inbox import prepare

        prepare(session, get_settings().data_dir)
    print("Demo village 'Desa Sukamaju' added, with its letter types and demo accounts.")
    return 0


def cmd_add_letter_types(_: argparse.Namespace) -> int:
    """After an upgrade: the standard letter types this village does not have yet, added
    inactive so the admin chooses which to offer (/admin/surat), and the classification
    codes still as first seeded corrected to the Permendagri 83/2022 annex."""
    from office_server import seed

    with unit_of_work() as session:
        if seed.is_empty(session):
            raise CommandFailed("No village yet: run `loket init` first.")
        added = seed.seed_letter_types(session, active=False)
        fixed = seed.fix_classification_codes(session)
    if added:
        print(f"Added {len(added)} letter types, inactive: {', '.join(added)}.")
        print("Turn on the ones this village issues at /admin/surat.")
    for line in fixed:
        print(f"Classification code corrected: {line}")
    if not added and not fixed:
        print("Every standard letter type is already there; nothing changed.")
    return 0


def cmd_create_operator(args: argparse.Namespace) -> int:
    from office_server.operators import service as operators

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if password is None:
        password = getpass.getpass("Kata sandi: ")
    with unit_of_work() as session:
        operators.create(
            session,
            username=args.username,
            full_name=args.full_name,
            role=args.role,
            password=password,
            title=args.title or "",
            nip=args.nip,
        )
    print(f"Operator '{args.username}' ({args.role}) created.")
    return 0


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    from office_server.kiosks import service as kiosks

    with unit_of_work() as session:
        _, key = kiosks.add(session, name=args.name)
    if args.key_file:
        # Created with mode 600: the key is never readable by others, not even briefly.
        fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key + "\n")
        print(f"Kiosk '{args.name}' added; its API key was written to {args.key_file}.")
    else:
        print(f"Kiosk '{args.name}' added. Its API key (shown only once):\n{key}")
    return 0


def cmd_import_residents(args: argparse.Namespace) -> int:
    from office_server import models  # noqa: F401 - the audit table's links need every table
    from office_server.residents import service as residents

    try:
        with unit_of_work(write=not args.dry_run) as session:
            report = residents.import_file(session, path=Path(args.file), dry_run=args.dry_run)
    except (ValueError, OSError) as exc:
        raise CommandFailed(str(exc)) from exc
    # Counts, line numbers and field names only: never a NIK or a name.
    if args.dry_run:
        print("Dry run: nothing written.")
    print(
        f"{report.added} added, {report.updated} updated, {len(report.rejected)} rejected, "
        f"{report.unchanged} unchanged, {report.skipped} skipped (died or moved away)."
    )
    for name, count in sorted(report.changed_fields.items()):
        print(f"  changed {name}: {count}")
    for line, message in report.rejected:
        print(f"  line {line}: {message}")
    return 0


def cmd_notify_run(args: argparse.Namespace) -> int:
    from office_server import notifier

    db = open_database()
    try:
        while True:
            result = notifier.run_once(db, get_settings())
            print(
                f"{result.sent} sent, {result.failed} to retry"
                + (", daily cap reached" if result.capped else ""),
                flush=True,
            )
            if args.once:
                return 0
            threading.Event().wait(notifier.INTERVAL_SECONDS)
    finally:
        db.dispose()


def cmd_doctor(args: argparse.Namespace) -> int:
    from office_server import doctor

    config = args.kiosk_config or os.environ.get("LOKET_KIOSK_CONFIG") or DEFAULT_KIOSK_CONFIG
    findings = doctor.run_checks(
        get_settings(), server_url=args.server_url, kiosk_config=Path(config)
    )
    print(doctor.report(findings))
    return 1 if any(f.ok is False for f in findings) else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from office_server.errors import NotFound
    from office_server.letters import signing, verification

    pdf = Path(args.pdf).read_bytes()
    check = signing.check_pdf(pdf, data_dir=get_settings().data_dir)
    if check.signed:
        state = "sah" if check.ok else "TIDAK SAH (berkas diubah atau bukan dari desa ini)"
        print(f"Tanda tangan elektronik: {state} {check.signer}".rstrip())
    try:
        with unit_of_work(write=False) as session:
            letter = verification.by_pdf(session, pdf)
    except NotFound as exc:
        print(f"TIDAK COCOK: {exc.message}")
        return 1
    print(f"COCOK: {letter.letter_type_title} nomor {letter.number}, {letter.issued_on},")
    print(f"  {letter.village}, ditandatangani {letter.signer_name} ({letter.signer_title}).")
    print(f"  SHA-256 {letter.pdf_sha256}")
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    import uvicorn

    from office_server import seed
    from office_server.main import create_app

    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app = create_app(settings)
    base = f"http://{host}:{port}"
    print(f"Loket Desa office server on {base}")
    print(f"  Resident pages:   {base}/")
    print(f"  Operator login:   {base}/operator")
    print(f"  API docs:         {base}/docs")
    with app.state.db.session(write=False) as session:
        if seed.is_empty(session):
            print(f"  (no village yet: open {base}/pasang on this PC, or `loket init`)")
        elif settings.environment == "development":
            print(
                "  Demo accounts:    "
                + ", ".join(f"{u} / {p}" for u, p in seed.DEMO_PASSWORDS.items())
            )
    _prepare_for_hub(app.state.db)
    # The first WeasyPrint render loads fonts (~0.5 s); pay it now, not at the first signing.
    from office_server.letters.rendering import warm_up

    threading.Thread(target=warm_up, name="render-warm-up", daemon=True).start()
    from office_server import housekeeping

    housekeeping.start(app.state.db, settings)
    from office_server import notifier

    # Messages to residents leave from their own thread: a slow gateway slows no page.
    notifier.start(app.state.db, settings)
    from office_server import sdnotify

    # Under systemd (Type=notify): READY=1 once it answers, then the watchdog's pings.
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    sdnotify.start(f"http://{local}:{port}/healthz")
    if settings.hub_configured:
        from office_server.cli_hub import start_hub_link

        start_hub_link(app.state.db, settings)
    # access_log off: uvicorn's would print raw paths; ours logs route templates only.
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="info", **proxy_options(settings)
    )
    return 0


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy handling: X-Forwarded-For/-Proto believed only from the proxies in
    LOKET_TRUSTED_PROXIES. uvicorn's own default believes 127.0.0.1, so anybody on the
    server's machine (or any local proxy passing the header on) could choose the address
    every per-client limit counts."""
    proxies = settings.trusted_proxy_list
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def _safe_url(url: str) -> str:
    # Never print a database password.
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loket", description="Loket Desa office server")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("server", help="run the office server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_server)

    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(func=cmd_migrate)

    cli_hub.add_commands(sub)
    cli_backup.add_commands(sub)
    p = sub.add_parser("init", help="set up a real village: profile and letter types")
    for flag in ("--name", "--kode-desa", "--kecamatan", "--kabupaten", "--provinsi"):
        p.add_argument(flag, required=True)
    p.add_argument("--head-name", required=True, help="the village head's name")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("seed-demo", help="add the demo village, letter types and accounts")
    p.add_argument("--if-empty", action="store_true", help="do nothing if a village exists")
    p.set_defaults(func=cmd_seed_demo)

    sub.add_parser(
        "add-letter-types",
        help="add the standard letter types this village lacks (inactive), fix seeded codes",
    ).set_defaults(func=cmd_add_letter_types)

    p = sub.add_parser("create-operator", help="add an operator, signer or admin account")
    p.add_argument("--username", required=True)
    p.add_argument("--full-name", required=True)
    p.add_argument("--role", choices=["operator", "signer", "admin"], required=True)
    p.add_argument("--title")
    p.add_argument("--nip")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_create_operator)

    p = sub.add_parser("add-kiosk", help="register a kiosk and print its API key once")
    p.add_argument("--name", required=True)
    p.add_argument("--key-file", help="write the key to this file (mode 600) instead")
    p.set_defaults(func=cmd_add_kiosk)

    p = sub.add_parser(
        "import-residents", help="import the village register (OpenSID xlsx export or CSV)"
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.set_defaults(func=cmd_import_residents)

    p = sub.add_parser("notify", help="messages to residents (WhatsApp/SMS gateway)")
    notify = p.add_subparsers(dest="notify_command", required=True)
    p = notify.add_parser("run", help="send due messages from the outbox, every 15 s")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.set_defaults(func=cmd_notify_run)

    p = sub.add_parser("doctor", help="check this install and say how to fix what is wrong")
    p.add_argument("--server-url", help="the office server (default: this PC's, or the kiosk's)")
    p.add_argument("--kiosk-config", help=f"the kiosk's settings (default {DEFAULT_KIOSK_CONFIG})")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("verify", help="check that a PDF is a letter this office issued")
    p.add_argument("pdf")
    p.set_defaults(func=cmd_verify)

    # Listed for --help only: main() hands `loket kiosk ...` to kiosk_app.main.run.
    sub.add_parser(
        "kiosk", help="start the kiosk app (= loket-kiosk; loket kiosk --help for its options)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kiosk"]:
        # The kiosk has its own options (--config, --fullscreen, --camera, ...). A kiosk PC
        # without the server's packages runs the same thing as `loket-kiosk`.
        from kiosk_app.main import run

        return run(argv[1:], prog="loket kiosk")
    if argv[:1] == ["hub"]:
        return cli_hub.cmd_hub(argparse.Namespace(hub_args=argv[1:]))
    # What the server and its commands write holds residents' data (the database, letters,
    # keys, backups): files 600 and folders 700, whatever the shell's umask.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ModuleNotFoundError as exc:
        print(
            f"loket {args.command}: needs the office server's packages ({exc.name} is "
            "missing); install 'loket-desa[server]'.",
            file=sys.stderr,
        )
        return 2
    except CommandFailed as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except DomainError as exc:
        fields = exc.fields if isinstance(exc, ValidationFailed) else ""
        print(f"{exc.message} {fields}".rstrip(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
