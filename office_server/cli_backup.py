"""`loket backup`, `nightly-backup`, `usb-copy` and `restore`: the office's copies."""

from __future__ import annotations

import argparse
from pathlib import Path

from office_server.cli_support import CommandFailed
from office_server.config import get_settings


def cmd_backup(args: argparse.Namespace) -> int:
    from office_server.backup import BackupError, create_backup

    try:
        manifest = create_backup(get_settings(), Path(args.file))
    except BackupError as exc:
        raise CommandFailed(str(exc)) from exc
    except OSError as exc:
        raise CommandFailed(f"Cadangan gagal: {exc.strerror or exc} ({exc.filename}).") from exc
    print(
        f"Backup written to {args.file}: database ({manifest['database']['dialect']}), "
        f"{len(manifest['archive'])} letter PDFs, manifest with SHA-256 of each file."
    )
    return 0


def cmd_nightly_backup(args: argparse.Namespace) -> int:
    from office_server.backup import BackupError
    from office_server.nightly_backup import nightly

    settings = get_settings()
    folder = Path(args.dir) if args.dir else settings.resolved_backup_dir
    try:
        target = nightly(settings, folder=folder, keep=args.keep or settings.backup_keep)
    except BackupError as exc:
        raise CommandFailed(str(exc)) from exc
    except OSError as exc:
        raise CommandFailed(f"Cadangan gagal: {exc.strerror or exc} ({exc.filename}).") from exc
    print(f"Cadangan malam ini: {target}")
    return 0


def cmd_usb_copy(args: argparse.Namespace) -> int:
    from office_server.nightly_backup import copy_to_usb

    settings = get_settings()
    label = args.label or settings.backup_usb_label
    if not label:
        print("Tidak ada disk USB yang diatur (LOKET_BACKUP_USB_LABEL); dilewati.")
        return 0
    folder = Path(args.dir) if args.dir else settings.resolved_backup_dir
    print(copy_to_usb(label, folder).message)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from office_server.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(get_settings(), Path(args.file))
    except BackupError as exc:
        raise CommandFailed(str(exc)) from exc
    print(
        f"Restored {sum(manifest['rows'].values())} rows and {len(manifest['archive'])} letter "
        "PDFs; every hash and row count checked."
    )
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="write a consistent backup (database + archive) to FILE")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("nightly-backup", help="a dated backup into the backup folder, keep N")
    p.add_argument("--dir", help="the folder (default LOKET_BACKUP_DIR)")
    p.add_argument("--keep", type=int, help="copies kept (default LOKET_BACKUP_KEEP)")
    p.set_defaults(func=cmd_nightly_backup)

    p = sub.add_parser("usb-copy", help="copy the newest backup to a USB disk by its label")
    p.add_argument("--label", help="file-system label (default LOKET_BACKUP_USB_LABEL)")
    p.add_argument("--dir", help="the backup folder (default LOKET_BACKUP_DIR)")
    p.set_defaults(func=cmd_usb_copy)

    p = sub.add_parser("restore", help="restore a backup FILE into an empty data folder")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
