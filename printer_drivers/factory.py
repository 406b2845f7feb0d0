"""Build a Printer from the one line an operator writes in the kiosk's config file.

    cups://QUEUE[?server=HOST[:PORT]|/path/to/cups.sock&timeout=S&f4_media=NAME]
    escpos+tcp://HOST[:PORT][?profile=NAME&width=DOTS&codepage=CP858&timeout=S&confirm=0]
    escpos+usb://VID:PID[?profile=NAME&in_ep=0x81&out_ep=0x02&...]
    escpos+serial:///dev/ttyUSB0[?baudrate=19200&parity=N&stopbits=1&rtscts=1&...]
    escpos+file:///dev/usb/lp0[?profile=NAME&...]
    folder:///absolute/path[?width=576]

A string that does not parse raises PrinterError(BAD_CONFIGURATION) whose
``message_id`` says in Indonesian what is wrong and gives an example, and whose
``str()`` says the same in English. Unknown parameters are refused rather than ignored,
so a typo ("profle=") is caught when the kiosk starts, not when a resident waits.
Backend modules (and their libraries) are imported only for the scheme in use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from printer_drivers.base import Printer
from printer_drivers.errors import PrinterError, PrinterErrorKind

EXAMPLES = {
    "cups": "cups://Kantor_A4",
    "escpos+tcp": "escpos+tcp://192.168.1.50:9100?profile=TM-T88V",
    "escpos+usb": "escpos+usb://0416:5011?profile=POS-5890",
    "escpos+serial": "escpos+serial:///dev/ttyUSB0?baudrate=19200",
    "escpos+file": "escpos+file:///dev/usb/lp0?profile=POS-5890",
    "folder": "folder:///var/lib/loket/cetak",
}

_ESCPOS_PARAMS = {"profile", "width", "codepage", "timeout", "confirm", "native_qr"}
_PARAMS: dict[str, set[str]] = {
    "cups": {"server", "timeout", "f4_media"},
    "escpos+tcp": _ESCPOS_PARAMS | {"connect_timeout"},
    "escpos+usb": _ESCPOS_PARAMS | {"in_ep", "out_ep"},
    "escpos+serial": _ESCPOS_PARAMS
    | {"baudrate", "bytesize", "parity", "stopbits", "xonxoff", "rtscts", "dsrdtr"},
    "escpos+file": _ESCPOS_PARAMS - {"confirm"},
    "folder": {"width", "timeout"},
}
_HEX_ID = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")
_TRUE = {"1", "true", "yes", "ya", "on"}
_FALSE = {"0", "false", "no", "tidak", "off"}


class _Bad(Exception):
    """What is wrong, in English and in Indonesian."""

    def __init__(self, english: str, indonesian: str) -> None:
        super().__init__(english)
        self.english = english
        self.indonesian = indonesian


def printer_from_url(url: str, *, timeout: float | None = None) -> Printer:
    """The Printer that ``url`` describes; ``timeout`` overrides the default print timeout.

    Raises PrinterError(BAD_CONFIGURATION) with an example when ``url`` is wrong.
    Never does I/O: an unplugged printer is reported by its first call, not here.
    """
    text = (url or "").strip() if isinstance(url, str) else ""
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    try:
        if not text:
            raise _Bad("the printer URL is empty", "Alamat printer kosong.")
        if scheme not in _PARAMS:
            raise _Bad(
                f"unknown printer type {scheme or text!r}; use one of {', '.join(EXAMPLES)}",
                f"Jenis printer '{scheme or text}' tidak dikenal. Pilihan: {', '.join(EXAMPLES)}.",
            )
        parts = urlsplit(text)
        params = _params(parts.query, scheme)
        if timeout is not None:
            params["timeout"] = str(timeout)
        return _BUILDERS[scheme](parts, params, text)
    except PrinterError as exc:  # an unknown profile or code page, a bad queue name
        exc.with_context(printer=text)
        raise
    except _Bad as bad:
        example = EXAMPLES.get(scheme, EXAMPLES["escpos+tcp"])
        shown = f"Alamat printer '{text}' salah: " if text else ""
        raise PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"bad printer URL: {bad.english}. Example: {example}",
            message_id=f"{shown}{bad.indonesian} Contoh: {example}",
            printer=text or None,
        ) from None


def _params(query: str, scheme: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise _Bad(
            f"the part after '?' is not key=value&key=value ({exc})",
            "Bagian setelah '?' harus berbentuk nama=nilai&nama=nilai.",
        ) from exc
    params: dict[str, str] = {}
    for key, value in pairs:
        key = key.lower()
        if key not in _PARAMS[scheme]:
            allowed = ", ".join(sorted(_PARAMS[scheme]))
            raise _Bad(
                f"unknown parameter {key!r} for {scheme} (allowed: {allowed})",
                f"Parameter '{key}' tidak dikenal untuk {scheme}. Yang boleh: {allowed}.",
            )
        if key in params:
            raise _Bad(f"parameter {key!r} given twice", f"Parameter '{key}' ditulis dua kali.")
        params[key] = value
    return params


# --- values --------------------------------------------------------------------------------


def _number(params: dict[str, str], key: str, low: float, high: float) -> float | None:
    if key not in params:
        return None
    try:
        value = float(params[key])
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise _Bad(
            f"{key} must be a number from {low:g} to {high:g}, not {params[key]!r}",
            f"{key} harus angka dari {low:g} sampai {high:g}, bukan '{params[key]}'.",
        )
    return value


def _integer(params: dict[str, str], key: str, choices: set[int] | range) -> int | None:
    if key not in params:
        return None
    raw = params[key]
    try:
        value = int(raw, 0)
    except ValueError:
        value = -1
    if value not in choices:
        shown = (
            f"{choices.start} to {choices.stop - 1}"
            if isinstance(choices, range)
            else ", ".join(str(c) for c in sorted(choices))
        )
        raise _Bad(
            f"{key} must be one of {shown}, not {raw!r}",
            f"{key} harus salah satu dari {shown}, bukan '{raw}'.",
        )
    return value


def _flag(params: dict[str, str], key: str) -> bool | None:
    if key not in params:
        return None
    value = params[key].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _Bad(
        f"{key} must be 1 or 0, not {params[key]!r}", f"{key} harus 1 atau 0, bukan '{value}'."
    )


def _path(parts: Any, what: str, apa: str) -> str:
    """The absolute path of a file URL; ``what`` / ``apa`` name it in English / Indonesian."""
    if parts.netloc:
        raise _Bad(
            f"the {what} path must start with '/' right after '://' (three slashes in all)",
            f"Path {apa} harus diawali '/' tepat setelah '://' (jadi tiga garis miring).",
        )
    path = unquote(parts.path)
    if not path.startswith("/") or path == "/":
        raise _Bad(
            f"the {what} must be an absolute path",
            f"Path {apa} harus lengkap, diawali '/'.",
        )
    return path


def _timeouts(params: dict[str, str]) -> dict[str, float]:
    seconds = _number(params, "timeout", 1, 600)
    return {} if seconds is None else {"timeout": seconds}


# --- builders ------------------------------------------------------------------------------


def _cups(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.cups_backend import MEDIA_NAMES, CupsPrinter

    queue = unquote(parts.netloc) or unquote(parts.path).strip("/")
    if not queue or "/" in queue:
        raise _Bad(
            "give the CUPS queue name after 'cups://' (see lpstat -p)",
            "Tulis nama antrean CUPS setelah 'cups://' (lihat lpstat -p).",
        )
    media = dict(MEDIA_NAMES)
    if "f4_media" in params:
        media["F4"] = params["f4_media"]
    return CupsPrinter(
        queue,
        server=params.get("server") or None,
        url=url,
        media_names=media,
        **_timeouts(params),
    )


def _escpos(link: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.escpos_backend import EscposPrinter
    from printer_drivers.escpos_render import resolve_profile

    width = _integer(params, "width", range(128, 1025))
    profile = resolve_profile(
        params.get("profile"),
        width_dots=width,
        codepage=params.get("codepage"),
        native_qr=_flag(params, "native_qr"),
    )
    confirm = _flag(params, "confirm")
    return EscposPrinter(
        link,
        profile,
        url=url,
        confirm=True if confirm is None else confirm,
        **_timeouts(params),
    )


def _escpos_tcp(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.escpos_links import CONNECT_TIMEOUT, TcpLink

    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise _Bad(
            "the port must be a number from 1 to 65535",
            "Port harus angka dari 1 sampai 65535.",
        ) from exc
    if not host or parts.path not in ("", "/"):
        raise _Bad(
            "give the printer's address as HOST or HOST:PORT",
            "Tulis alamat printer sebagai HOST atau HOST:PORT.",
        )
    connect = _number(params, "connect_timeout", 0.1, 60)
    link = TcpLink(
        host,
        port or 9100,
        connect_timeout=CONNECT_TIMEOUT if connect is None else connect,
    )
    return _escpos(link, params, url)


def _escpos_usb(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.escpos_links import UsbLink

    ids = parts.netloc.split(":")
    matches = [_HEX_ID.match(i) for i in ids]
    if len(ids) != 2 or not all(matches) or parts.path not in ("", "/"):
        raise _Bad(
            "give the USB vendor and product id as VID:PID in hex (see lsusb)",
            "Tulis ID vendor dan produk USB sebagai VID:PID heksadesimal (lihat lsusb).",
        )
    vendor, product = (int(m.group(1), 16) for m in matches if m)
    endpoints = range(0, 256)
    link = UsbLink(
        vendor,
        product,
        in_ep=_integer(params, "in_ep", endpoints),
        out_ep=_integer(params, "out_ep", endpoints),
    )
    return _escpos(link, params, url)


def _escpos_serial(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.escpos_links import SerialLink

    bauds = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}
    parity = params.get("parity", "N").upper()
    if parity not in ("N", "E", "O"):
        raise _Bad("parity must be N, E or O", "parity harus N, E, atau O.")
    link = SerialLink(
        _path(parts, "serial port", "port serial"),
        baudrate=_integer(params, "baudrate", bauds) or 9600,
        bytesize=_integer(params, "bytesize", {7, 8}) or 8,
        parity=parity,
        stopbits=_integer(params, "stopbits", {1, 2}) or 1,
        xonxoff=bool(_flag(params, "xonxoff")),
        rtscts=bool(_flag(params, "rtscts")),
        dsrdtr=bool(_flag(params, "dsrdtr")),
    )
    return _escpos(link, params, url)


def _escpos_file(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.escpos_links import FileLink

    return _escpos(FileLink(_path(parts, "device file", "file perangkat")), params, url)


def _folder(parts: Any, params: dict[str, str], url: str) -> Printer:
    from printer_drivers.pdf_folder import DEFAULT_WIDTH_DOTS, FolderPrinter

    width = _integer(params, "width", range(128, 1025))
    return FolderPrinter(
        _path(parts, "folder", "folder"),
        url=url,
        width_dots=width or DEFAULT_WIDTH_DOTS,
        **_timeouts(params),
    )


_BUILDERS: dict[str, Callable[[Any, dict[str, str], str], Printer]] = {
    "cups": _cups,
    "escpos+tcp": _escpos_tcp,
    "escpos+usb": _escpos_usb,
    "escpos+serial": _escpos_serial,
    "escpos+file": _escpos_file,
    "folder": _folder,
}
