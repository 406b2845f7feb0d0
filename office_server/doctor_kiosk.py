"""`loket doctor`'s checks of a kiosk: its printers (through printer_drivers' status) and
its camera."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from office_server.doctor_findings import Finding

if TYPE_CHECKING:
    from kiosk_app.config import KioskConfig


def check_kiosk_devices(config: KioskConfig | None, config_path: Path | None) -> list[Finding]:
    if config is None:
        return [Finding("Printer dan kamera", None, "tidak ada anjungan di PC ini.")]
    findings = [
        _check_printer(what, url)
        for what, url in (("surat", config.a4_printer), ("struk", config.receipt_printer))
        if url
    ]
    if not findings:
        findings.append(
            Finding(
                "Printer",
                False,
                f"anjungan belum punya printer ({config_path}).",
                f'isi [printers] a4 = "cups://NAMA_ANTREAN" di {config_path} '
                "(nama antrean: `lpstat -e`).",
            )
        )
    findings.append(_check_camera(config.camera.source))
    return findings


def _check_printer(what: str, url: str) -> Finding:
    from printer_drivers.errors import PrinterError
    from printer_drivers.factory import printer_from_url

    title = f"Printer {what}"
    try:
        status = printer_from_url(url).status(timeout=15)
    except PrinterError as exc:
        return Finding(title, False, f"alamat {url} tidak sah: {exc.message_id}", "")
    if status.ready and not status.paper_low:
        return Finding(title, True, f"{url}: {status.message_id}")
    fix = "isi kertas" if status.paper_low else "nyalakan printer dan periksa kabel dan kertasnya"
    if url.startswith("cups:") and "stopped" in status.detail:
        queue = url.split("//", 1)[1].split("?", 1)[0]
        fix += f"; lalu jalankan `sudo cupsenable {queue}`"
    return Finding(title, False, f"{url}: {status.message_id}", fix + ".")


def _check_camera(source: str) -> Finding:
    if source in ("", "none"):
        return Finding("Kamera", None, "tidak dipakai (pemindai USB saja).")
    if not source.isdigit():
        exists = Path(source).exists()
        return Finding(
            "Kamera",
            exists,
            f"sumber {source} {'ada' if exists else 'tidak ada'}.",
            "periksa camera.source di konfigurasi anjungan.",
        )
    device = Path(f"/dev/video{source}")
    if not device.exists():
        return Finding(
            "Kamera",
            False,
            f"{device} tidak ada: kamera tidak terpasang.",
            'pasang kabel USB kamera (atau gunakan pemindai USB dan atur camera.source = "none").',
        )
    if not os.access(device, os.R_OK):
        return Finding(
            "Kamera", False, f"{device} tidak dapat dibaca.", "tambahkan pengguna ke grup video."
        )
    return Finding("Kamera", True, f"{device} terpasang.")
