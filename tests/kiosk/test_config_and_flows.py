"""Config parsing, form checks, receipts and the outbox: no window, no server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kiosk_app.api_client import FormField, KioskApiClient, RetryPolicy
from kiosk_app.config import ConfigError, load_config, parse_config
from kiosk_app.flows import Outbox
from kiosk_app.printing import PrintFailed, pickup_receipt, status_problem
from kiosk_app.validation import check_value, parse_date
from loket_protocol.qr import PickupPayload, parse, typed_pickup_payload
from printer_drivers.base import PrinterState, PrinterStatus
from printer_drivers.errors import PrinterErrorKind

SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def test_defaults_work_for_the_demo(tmp_path: Path) -> None:
    cfg = load_config(None, env={"LOKET_DATA_DIR": str(tmp_path)})
    assert cfg.server_url == "http://127.0.0.1:8000"
    assert cfg.language == "id" and cfg.idle_timeout == 60
    assert cfg.a4_printer == f"folder://{tmp_path}/printed/a4"
    assert cfg.camera.decoder == "zxing"


def test_file_and_env(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'server_url = "http://10.0.0.2:8000/"\nlanguage = "en"\nidle_timeout = 30\n'
        '[printers]\na4 = "cups://Loket_A4"\nreceipt = "escpos+tcp://10.0.0.3:9100"\n'
        '[camera]\nsource = "none"\ndecoder = "pyzbar"\n'
    )
    cfg = load_config(path, env={"LOKET_KIOSK_API_KEY": "from-env"})
    assert cfg.server_url == "http://10.0.0.2:8000"
    assert cfg.api_key == "from-env"
    assert (cfg.language, cfg.idle_timeout) == ("en", 30.0)
    assert cfg.receipt_printer == "escpos+tcp://10.0.0.3:9100"
    assert (cfg.camera.source, cfg.camera.decoder) == ("none", "pyzbar")


def test_api_key_from_a_key_file(tmp_path: Path) -> None:
    (tmp_path / "kiosk").mkdir()
    (tmp_path / "kiosk" / "api_key").write_text("demo-key\n")
    cfg = load_config(None, env={"LOKET_DATA_DIR": str(tmp_path)})
    assert cfg.api_key == "demo-key"  # the demo's default place
    named = tmp_path / "other.key"
    named.write_text("named-key")
    cfg = parse_config({"api_key_file": str(named)}, env={"LOKET_DATA_DIR": str(tmp_path)})
    assert cfg.api_key == "named-key"
    with pytest.raises(ConfigError, match="key file not found"):
        parse_config({"api_key_file": str(tmp_path / "nope")}, env={})


@pytest.mark.parametrize(
    "data",
    [
        {"language": "jv"},
        {"idle_timeout": 1},
        {"server_url": "ftp://x"},
        {"camera": {"fps": 0}},
        {"idle_timeout": "soon"},
        {"camera": {"decoder": "x"}},
    ],
)
def test_bad_values_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        parse_config(data, env={})


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("server_url = [")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(bad, env={})


def test_form_checks_match_the_server_rules() -> None:
    nik = FormField(name="applicant_nik", label="NIK", type="nik", required=True)
    assert check_value(nik, "3604011708900001", "id", "NIK") == ("3604011708900001", None)
    assert check_value(nik, "12345", "id", "NIK")[1] == "NIK harus 16 angka."
    date_f = FormField(name="lahir", label="Tanggal lahir", type="date", required=True)
    assert check_value(date_f, "17-08-1990", "id", "Tanggal lahir") == ("1990-08-17", None)
    assert check_value(date_f, "31-02-1990", "en", "Birth date")[1]
    phone = FormField(name="phone", label="HP", type="phone")
    assert check_value(phone, "0812 3456 7890", "id", "HP") == ("081234567890", None)
    assert check_value(phone, "", "id", "HP") == ("", None)  # optional
    assert parse_date("17081990") == "1990-08-17"


def test_manual_entry_rebuilds_the_pickup_payload() -> None:
    # The entry screen sends what loket_protocol rebuilds from the typed code and secret.
    payload = typed_pickup_payload(
        "http://127.0.0.1:8000", "k7m2 qx9p", "abcd efgh ijkl mnop qrst uvwx yz23 4567"
    )
    assert payload == f"HTTP://127.0.0.1:8000/S/K7M2QX9P#{SECRET}"
    assert typed_pickup_payload("http://x", "K7M2QX9", SECRET) is None
    assert typed_pickup_payload("http://x", "K7M2QX9P", SECRET[:-1] + "1") is None  # not base32


def test_pickup_receipt_prints_the_secret_readably() -> None:
    qr = f"HTTP://127.0.0.1:8000/S/K7M2QX9P#{SECRET}"
    # The server sends the secret beside the QR; it is the one inside it.
    assert parse(qr) == PickupPayload("K7M2QX9P", SECRET)
    lines = pickup_receipt(
        village="Sukamaju",
        title="Domisili",
        code="K7M2QX9P",
        status_label="Sedang Diperiksa",
        pickup_secret=SECRET,
        lang="id",
    )
    texts = [ln.text for ln in lines]
    assert "ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567" in texts
    assert "Kode: K7M2QX9P" in texts
    # A server older than pickup_secret: the ticket carries the code and the QR only.
    older = pickup_receipt(
        village="Sukamaju",
        title="Domisili",
        code="K7M2QX9P",
        status_label="Sedang Diperiksa",
        pickup_secret="",
        lang="id",
    )
    assert "Kode: K7M2QX9P" in [ln.text for ln in older]
    assert len(older) == len(lines) - 2


def test_status_problem_reads_every_printer_state() -> None:
    def problem(state: PrinterState) -> PrinterErrorKind | None:
        return status_problem(PrinterStatus(state))

    assert problem(PrinterState.ONLINE) is None
    assert problem(PrinterState.UNKNOWN) is None  # cannot report: try printing
    assert problem(PrinterState.PAPER_OUT) == PrinterErrorKind.PAPER_OUT
    assert problem(PrinterState.OFFLINE) == PrinterErrorKind.OFFLINE
    # A cover left open is shown as a printer fault.
    cover = problem(PrinterState.COVER_OPEN)
    assert cover == PrinterErrorKind.COVER_OPEN
    assert PrintFailed(cover).localized("en") == "The printer has a fault."


def test_outbox_keeps_updates_until_the_server_has_them(tmp_path: Path) -> None:
    up = {"on": False}
    got: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not up["on"]:
            raise httpx.ConnectError("down")
        got.append(request.url.path)
        return httpx.Response(200, json={"status": "picked_up"})

    api = KioskApiClient(
        "http://x",
        "k",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(attempts=1, sleep=lambda _s: None),
    )
    box = Outbox(tmp_path / "outbox.json")
    assert box.send(api, "printed", "claim-1") is False
    # A restart reads the same file.
    box2 = Outbox(tmp_path / "outbox.json")
    assert [i["claim_id"] for i in box2.pending()] == ["claim-1"]
    up["on"] = True
    assert box2.flush(api) == 0
    assert got == ["/api/v1/kiosk/claims/claim-1/printed"]
    assert box2.pending() == []


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "kiosk_app" / "kiosk.example.toml"
    key = tmp_path / "kiosk.key"
    key.write_text("k-123\n")
    text = example.read_text().replace("/etc/loket/kiosk.key", str(key))
    (tmp_path / "kiosk.toml").write_text(text)
    cfg = load_config(tmp_path / "kiosk.toml", env={})
    assert (cfg.api_key, cfg.letter_media, cfg.fullscreen) == ("k-123", "F4", True)
    assert cfg.receipt_printer.startswith("escpos+tcp://")
