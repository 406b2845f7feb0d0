"""`loket hub ...` (also `loket-hub` and `python -m regency_hub`): the regency's commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
import threading
import uuid
from typing import Any

import nats.errors
import nats.js.errors

from loket_protocol import events, sealed, subjects
from regency_hub import natsconf, natsproc, streams, villages
from regency_hub.config import HubSettings
from regency_hub.database import HubDatabase
from regency_hub.ingest import store_key

# How long the web page waits for JetStream's PubAck of an announcement.
ANNOUNCE_TIMEOUT_SECONDS = 10.0


def _settings() -> HubSettings:
    return HubSettings()


def cmd_migrate(_: argparse.Namespace) -> int:
    from regency_hub.migrate import upgrade

    db = HubDatabase(_settings().database_url)
    upgrade(db.engine)
    db.dispose()
    print("Hub database is up to date.")
    return 0


def _write_nats_config(settings: HubSettings, db: HubDatabase) -> None:
    with db.unit_of_work() as session:
        users = villages.village_users(session)
    natsconf.write(settings, users)


# About 30 s of tries at 0.2 s for the hub's JetStream to answer after a reload.
RELOAD_WAIT_TRIES = 150


def cmd_add_village(args: argparse.Namespace) -> int:
    settings = _settings()
    db = HubDatabase(settings.database_url)
    try:
        key = _public_key(args.public_key) if args.public_key else None
        with db.unit_of_work() as session:
            village, password = villages.add_village(
                session, kode_desa=args.kode_desa, name=args.name
            )
            if key is not None:
                store_key(session, village.id, key)
        _write_nats_config(settings, db)
        ca_pem = (settings.nats_dir / "tls" / "ca.pem").read_text()
        text = villages.credentials_file(
            village, password=password, url=settings.public_nats_url, ca_pem=ca_pem
        )
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    if natsproc.reload(settings):
        # A running hub: the village's consumer now, so its announcements wait for it.
        asyncio.run(_ensure_consumer(settings, args.kode_desa))
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        print(f"Credentials written to {args.out} (shown once; copy it to the village).")
    else:
        print(text)
    return 0


def _public_key(text: str) -> events.VillageKey:
    """The key as `loket hub-key` prints it at the village (raw P-256 point, base64url)."""
    text = text.strip()
    try:
        sealed.unb64url(text)
        kid = sealed.key_id(text)
        key = events.VillageKey(kid=kid, public_key=text)
        sealed.seal({}, public_key_b64=text, kode_desa="-", request_id=uuid.uuid4())
    except (ValueError, sealed.SealError) as exc:
        raise ValueError("--public-key is not a P-256 public key (raw point, base64url)") from exc
    return key


def cmd_village_active(args: argparse.Namespace) -> int:
    """Opens or closes a village's resident pages at the hub (its sync is unaffected)."""
    db = HubDatabase(_settings().database_url)
    try:
        with db.unit_of_work() as session:
            found = villages.set_active(session, kode_desa=args.kode_desa, active=not args.off)
    finally:
        db.dispose()
    if not found:
        print(f"village {args.kode_desa} is not registered", file=sys.stderr)
        return 1
    state = "closed" if args.off else "open"
    print(f"Resident pages of {args.kode_desa}: {state}.")
    return 0


async def _ensure_consumer(settings: HubSettings, kode_desa: str) -> None:
    nc = await streams.connect(settings)
    try:
        js = nc.jetstream()
        # A reload that adds an account (the village's archive) re-enables JetStream in
        # every account: for a moment, whenever the server gets to it, its API has no
        # responder. Tried again until it answers.
        for attempt in range(RELOAD_WAIT_TRIES):
            try:
                await streams.ensure_streams(js, settings)
                await streams.ensure_village_consumer(js, kode_desa)
                return
            except (
                nats.errors.NoRespondersError,
                nats.errors.TimeoutError,
                nats.js.errors.ServiceUnavailableError,
            ):
                if attempt == RELOAD_WAIT_TRIES - 1:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await nc.close()


def cmd_create_user(args: argparse.Namespace) -> int:
    password = os.environ.get("LOKET_REGENCY_NEW_PASSWORD") or getpass.getpass("Password: ")
    db = HubDatabase(_settings().database_url)
    try:
        with db.unit_of_work() as session:
            villages.create_user(
                session, username=args.username, full_name=args.full_name, password=password
            )
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"User {args.username} created.")
    return 0


def cmd_announce(args: argparse.Namespace) -> int:
    settings = _settings()
    db = HubDatabase(settings.database_url)

    async def send() -> None:
        nc = await streams.connect(settings)
        try:
            js = nc.jetstream()
            with db.unit_of_work() as session:
                event_id, raw = villages.new_announcement(session, title=args.title, body=args.body)
                # Inside the transaction: if the publish fails, nothing is recorded.
                await js.publish(
                    subjects.down_subject(None, "regency.announcement"),
                    raw,
                    headers=streams.publish_headers(event_id),
                )
        finally:
            await nc.close()

    try:
        asyncio.run(send())
    finally:
        db.dispose()
    print("Announcement sent to every village.")
    return 0


def cmd_serve(_: argparse.Namespace) -> int:
    from regency_hub import ingest
    from regency_hub.web import create_app

    settings = _settings()
    db = HubDatabase(settings.database_url)
    _write_nats_config(settings, db)
    server = natsproc.start(
        settings,
        settings.nats_dir / "nats-server.conf",
        log_file=settings.data_dir / "logs" / "nats-server.log",
    )
    counts = ingest.IngestCounts()

    async def main() -> None:
        import uvicorn

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        nc = None
        for _ in range(200):  # until nats-server listens
            try:
                nc = await streams.connect(settings)
                break
            except (OSError, TimeoutError, Exception):
                if server.poll() is not None:
                    raise SystemExit("nats-server exited; see its log") from None
                await asyncio.sleep(0.1)
        if nc is None:
            raise SystemExit("nats-server did not start")
        js = nc.jetstream()
        await streams.ensure_streams(js, settings)
        with db.unit_of_work() as session:
            for user in villages.village_users(session):
                await streams.ensure_village_consumer(js, user.kode_desa)

        def publish(subject: str, event_id: str, raw: bytes) -> None:
            # Called from the web thread; the publish runs on this loop, where nc lives.
            # Returns once JetStream acknowledged it: the caller's transaction commits after.
            future = asyncio.run_coroutine_threadsafe(
                js.publish(subject, raw, headers=streams.publish_headers(event_id)), loop
            )
            try:
                future.result(timeout=ANNOUNCE_TIMEOUT_SECONDS)
            except Exception as exc:
                future.cancel()
                raise RuntimeError(f"not acknowledged: {type(exc).__name__}") from exc

        def announce(event_id: str, raw: bytes) -> None:
            publish(subjects.down_subject(None, "regency.announcement"), event_id, raw)

        tls: dict[str, Any] = {}
        if settings.web_tls_cert and settings.web_tls_key:
            tls = {
                "ssl_certfile": str(settings.web_tls_cert),
                "ssl_keyfile": str(settings.web_tls_key),
            }
        web = uvicorn.Server(
            uvicorn.Config(
                create_app(db, counts, announce=announce, publish=publish, settings=settings),
                host=settings.http_host,
                port=settings.http_port,
                # No access log: paths hold request codes, and the hub keeps no trail of
                # who asked for what.
                access_log=False,
                log_level="warning",
                **tls,
            )
        )
        # In a thread of its own: uvicorn then leaves the process's signals to us.
        web_thread = threading.Thread(target=web.run, name="hub-web", daemon=True)
        web_thread.start()
        tasks = [asyncio.create_task(ingest.run(db, js, stop, counts))]
        print(f"Regency hub: NATS on {settings.public_nats_url}, HTTP on port {settings.http_port}")
        sys.stdout.flush()
        await stop.wait()
        web.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        web_thread.join(timeout=10)
        await nc.close()

    try:
        asyncio.run(main())
    finally:
        server.terminate()
        with contextlib.suppress(Exception):
            server.wait(timeout=30)
        db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loket hub", description="The regency hub.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the hub database").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("serve", help="run nats-server, the ingest and the web app").set_defaults(
        func=cmd_serve
    )
    p = sub.add_parser("add-village", help="register a village; prints its credentials once")
    p.add_argument("--kode-desa", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--out", help="write the credentials to this new file (mode 600)")
    p.add_argument(
        "--public-key",
        help="the village's key for sealed requests (else its first `village.key` event)",
    )
    p.set_defaults(func=cmd_add_village)
    p = sub.add_parser(
        "village-pages", help="open (default) or close a village's resident pages at the hub"
    )
    p.add_argument("--kode-desa", required=True)
    p.add_argument("--off", action="store_true", help="close them (404, as an unknown village)")
    p.set_defaults(func=cmd_village_active)
    p = sub.add_parser("create-user", help="add a regency staff account")
    p.add_argument("--username", required=True)
    p.add_argument("--full-name", required=True)
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("announce", help="send an announcement to every village's public page")
    p.add_argument("--title", required=True)
    p.add_argument("--body", default="")
    p.set_defaults(func=cmd_announce)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))
