"""The `loket` commands of the link to the regency hub: `sync status|run`,
`restore-from-hub`, `hub ...` (handed to regency_hub), and what `loket server` starts."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from typing import TYPE_CHECKING

from office_server.cli_support import CommandFailed, open_database, unit_of_work
from office_server.config import Settings, get_settings

if TYPE_CHECKING:
    from office_server.database import Database
    from office_server.offsite_db import Replicator


def cmd_sync_status(_: argparse.Namespace) -> int:
    from office_server.database import utcnow
    from office_server.sync import outbox

    settings = get_settings()
    with unit_of_work(write=False) as session:
        state = outbox.status(session)
    hub = "configured" if settings.hub_configured else "none (the outbox fills)"
    print(f"Hub:                 {hub}")
    print(f"Outbox depth:        {state.depth} events waiting")
    print(f"Sent (acknowledged): {state.sent}")
    last = (
        f"{state.last_sent_event} at {state.last_sent_at:%Y-%m-%d %H:%M:%S} UTC"
        if state.last_sent_at
        else "none"
    )
    print(f"Last acknowledged:   {last}")
    print(f"Lag:                 {state.lag_seconds(utcnow()):.0f} s (oldest waiting event)")
    return 0


def _db_replica(settings: Settings) -> Replicator | None:
    """Litestream for a SQLite village with the off-site archive on (else None)."""
    from office_server import offsite_db
    from office_server.restore_from_hub import sqlite_path
    from office_server.sync.hub_link import HubCredentials

    target = sqlite_path(settings)
    if not settings.hub_archive or target is None:
        return None
    assert settings.hub_credentials is not None
    return offsite_db.Replicator(
        target,
        HubCredentials.load(settings.hub_credentials, url=settings.hub_url),
        log_file=settings.data_dir / "litestream.log",
        retry_max_seconds=settings.sync_retry_max_seconds,
    )


def cmd_sync_run(_: argparse.Namespace) -> int:
    import asyncio
    import signal

    from office_server.offsite_pdfs import PdfUploader
    from office_server.requests.hub_inbox import HubInbox
    from office_server.sync.relay import Relay

    settings = get_settings()
    if not settings.hub_configured:
        raise CommandFailed("No hub configured: set LOKET_HUB_CREDENTIALS (and LOKET_HUB_URL).")
    db = open_database()
    relay = Relay.from_settings(db, settings, inbox=HubInbox(data_dir=settings.data_dir))
    uploader = PdfUploader.from_settings(db, settings) if settings.hub_archive else None
    replicator = _db_replica(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await asyncio.gather(
            relay.run(stop),
            *([uploader.run(stop)] if uploader else []),
            *([replicator.run(stop)] if replicator else []),
        )

    try:
        asyncio.run(main())
    finally:
        db.dispose()
        c = relay.counts
        print(
            f"relay stopped: published {c.published}, duplicates {c.duplicates}, "
            f"received {c.received}, failed rounds {c.rounds_failed}, connections {c.connected}",
            flush=True,
        )
        if uploader is not None:
            u = uploader.counts
            print(
                f"off-site PDFs: uploaded {u.uploaded}, failed rounds {u.rounds_failed}, "
                f"connections {u.connected}",
                flush=True,
            )
    return 0


def cmd_restore_from_hub(_: argparse.Namespace) -> int:
    from office_server.offsite_db import OffsiteError
    from office_server.restore_from_hub import RestoreRefused, restore_from_hub
    from office_server.sync.hub_link import HubLinkError

    try:
        done = restore_from_hub(get_settings())
    except (RestoreRefused, HubLinkError, OffsiteError) as exc:
        raise CommandFailed(str(exc)) from exc
    except OSError as exc:
        raise CommandFailed(f"Pemulihan dari hub gagal / restore failed: {exc}") from exc
    print(
        f"Dipulihkan dari hub / restored from the hub: {sum(done.rows.values())} baris "
        f"(letters {done.rows.get('letters', 0)}), {done.pdfs} PDF surat; setiap sidik "
        "SHA-256 cocok / every hash checked."
    )
    print(
        "Kunci tanda tangan dan kunci permohonan tersegel tidak disimpan di hub: salin folder "
        "keys/ (termasuk keys/sealed-requests/) dari berkas `loket backup` terakhir sebelum "
        "menjalankan server; tanpa itu server membuat kunci baru dan permohonan yang disegel "
        "ke kunci lama dikembalikan ke warga untuk diisi ulang. / The signing and sealing "
        "keys are not at the hub: copy keys/ from the last `loket backup` file first."
    )
    return 0


def cmd_sealed_key_rotate(_: argparse.Namespace) -> int:
    """A new key for sealed requests; the old ones stay to open what was sealed to them."""
    from office_server.sync import sealed_keys

    settings = get_settings()
    with unit_of_work() as session:
        sealed_keys.ensure(session, settings.data_dir)
        kid = sealed_keys.rotate(session, settings.data_dir)
    held = len(sealed_keys.kids(settings.data_dir))
    print(f"New key {kid} for sealed requests ({held} held); the hub gets it at the next sync.")
    return 0


def cmd_hub(args: argparse.Namespace) -> int:
    """The regency hub's commands run in their own interpreter: the office server never
    imports the hub (they share only loket_protocol)."""
    os.execv(sys.executable, [sys.executable, "-m", "regency_hub", *args.hub_args])  # noqa: S606


def start_hub_link(db: Database, settings: Settings) -> None:
    """`loket server`'s link to the hub: the relay, and the off-site archive, in threads."""
    from office_server.requests.hub_inbox import HubInbox
    from office_server.sync import relay
    from office_server.sync.hub_link import HubLinkError

    try:
        relay.start_in_thread(db, settings, inbox=HubInbox(data_dir=settings.data_dir))
        print("  Regency hub:      relay running (loket sync status)")
        if settings.hub_archive:
            from office_server import offsite_pdfs
            from office_server.sync import looping

            offsite_pdfs.start_in_thread(db, settings)
            replicator = _db_replica(settings)
            if replicator is not None:
                looping.start_in_thread("offsite-db", replicator.run)
                atexit.register(replicator.stop)  # the thread dies with the server
            print("  Off-site archive: letter PDFs and the database copied to the hub")
    except HubLinkError:
        # The office serves its residents regardless; the outbox keeps every change.
        print("  Regency hub:      credentials file unreadable, not syncing (loket doctor)")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="the link to the regency hub: status, run")
    sync_sub = p.add_subparsers(dest="sync_command", required=True)
    sync_sub.add_parser("status", help="outbox depth, last acknowledged event, lag").set_defaults(
        func=cmd_sync_status
    )
    sync_sub.add_parser(
        "run", help="run the relay (outbox up, regency messages down)"
    ).set_defaults(func=cmd_sync_run)
    p = sub.add_parser("sealed-key", help="the key residents at home seal their requests to")
    key_sub = p.add_subparsers(dest="sealed_key_command", required=True)
    key_sub.add_parser(
        "rotate", help="make a new current key (old ones keep opening earlier requests)"
    ).set_defaults(func=cmd_sealed_key_rotate)
    p = sub.add_parser("hub", help="the regency hub's commands (loket hub --help)", add_help=False)
    p.add_argument("hub_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_hub)
    p = sub.add_parser(
        "restore-from-hub",
        help="rebuild an empty data folder from the regency hub's off-site archive",
    )
    p.set_defaults(func=cmd_restore_from_hub)
