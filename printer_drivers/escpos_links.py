"""Connections to ESC/POS printers: TCP port 9100, USB, serial and a device file.

python-escpos finds and opens the device (USB lookup and kernel-driver detach, serial
port settings, the TCP connect); we then talk to the handle it opened, because its
own read/write have fixed or missing timeouts (USB writes default to no timeout, its
TCP socket keeps the 60 s connect timeout for every read). Every failure leaves this
module as a PrinterError.

A Link is configuration; ``connect()`` opens a fresh Connection for one session.
The four small connection classes share one write loop and one error translation, which
is why they stay in one file past 400 lines.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from printer_drivers.deadline import Deadline
from printer_drivers.errors import PrinterError, PrinterErrorKind

log = logging.getLogger(__name__)

CHUNK = 4096  # small writes so a deadline is checked while a big raster is sent
CONNECT_TIMEOUT = 3.0  # python-escpos would wait 60 s for a printer that is off


class Connection(Protocol):
    """An open session with the printer."""

    @property
    def can_read(self) -> bool:
        """Whether the printer's replies reach us on this connection."""
        ...

    def write(self, data: bytes, deadline: Deadline) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Bytes the printer sent, b"" when nothing arrived within ``timeout``."""
        ...

    def close(self) -> None: ...


class Link(Protocol):
    """How to reach a printer; opens a Connection per session."""

    @property
    def description(self) -> str: ...

    @property
    def can_read(self) -> bool: ...

    def connect(self, deadline: Deadline) -> Connection: ...


def _timeout(done: int, total: int, what: str) -> PrinterError:
    return PrinterError(
        PrinterErrorKind.TIMEOUT,
        f"the printer stopped accepting data after {done} of {total} bytes ({what})",
    )


def _lost(exc: BaseException, done: int | None = None, total: int | None = None) -> PrinterError:
    where = f" after {done} of {total} bytes" if done is not None else ""
    return PrinterError(
        PrinterErrorKind.JOB_FAILED,
        f"the connection to the printer was lost{where}: {exc}",
        message_id="Sambungan ke printer terputus saat mencetak. Periksa printer lalu coba lagi.",
    )


def _write_chunks(
    data: bytes,
    deadline: Deadline,
    send: Callable[[memoryview, float], object],
    *,
    lost: tuple[type[BaseException], ...],
    timed_out: tuple[type[BaseException], ...] = (),
    how: str = "",
) -> None:
    """Hand ``data`` to ``send(chunk, seconds_left)`` a CHUNK at a time, within ``deadline``.

    ``timed_out`` are the connection's errors for a device too slow to take a chunk
    (a TIMEOUT that says ``how``), ``lost`` those for a connection that broke.
    """
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        left = deadline.remaining()
        if left <= 0:
            raise _timeout(start, len(view), "deadline passed")
        try:
            send(view[start : start + CHUNK], left)
        except timed_out as exc:
            raise _timeout(start, len(view), how) from exc
        except lost as exc:
            raise _lost(exc, start, len(view)) from exc


def _cause(exc: BaseException) -> BaseException:
    # python-escpos raises DeviceNotFoundError inside its except block without "from":
    # the OSError that says why is in __context__.
    return exc.__context__ or exc.__cause__ or exc


# --- TCP (Ethernet printers, port 9100) -----------------------------------------------


class _Network(Network):
    """python-escpos's Network with a fixed open(): in 3.1 it drops the socket without
    closing it when connect fails (a ResourceWarning per attempt, an fd until the GC
    runs); create_connection closes it, and also resolves names to IPv6."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(f"Could not open socket for {self.host}: {exc}") from exc
        # The job, then a 3-byte GS r whose reply we wait for: with Nagle on, that last
        # small write waits for the printer's delayed ACK (40 ms on Linux) every time.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.device = sock


@dataclass(frozen=True)
class TcpLink:
    host: str
    port: int = 9100
    connect_timeout: float = CONNECT_TIMEOUT
    can_read: bool = True

    @property
    def description(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self, deadline: Deadline) -> Connection:
        printer = _Network(
            self.host, self.port, timeout=max(deadline.remaining(self.connect_timeout), 0.05)
        )
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterError(
                PrinterErrorKind.OFFLINE,
                f"cannot connect to the printer at {self.description}: {_cause(exc)}",
                message_id=(
                    f"Printer di {self.description} tidak dapat dihubungi. "
                    "Periksa kabel jaringan dan pastikan printer menyala."
                ),
            ) from exc
        return _TcpConnection(printer)


class _TcpConnection:
    can_read = True

    def __init__(self, printer: Any) -> None:
        self._printer = printer
        self._sock = printer.device

    def write(self, data: bytes, deadline: Deadline) -> None:
        _write_chunks(
            data,
            deadline,
            self._send,
            timed_out=(TimeoutError,),
            lost=(OSError,),
            how="send timed out",
        )

    def _send(self, chunk: memoryview, left: float) -> None:
        self._sock.settimeout(left)
        self._sock.sendall(chunk)

    def read(self, timeout: float) -> bytes:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            data: bytes = self._sock.recv(64)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise _lost(exc) from exc
        if not data:
            raise PrinterError(
                PrinterErrorKind.JOB_FAILED,
                "the printer closed the connection",
                message_id="Sambungan ke printer terputus. Periksa printer lalu coba lagi.",
            )
        return data

    def close(self) -> None:
        # Read what the printer sent and nobody asked for (a late status reply): Linux
        # answers close() on a socket with unread input with a reset, and a reset can
        # drop job bytes still queued for sending.
        try:
            self._sock.setblocking(False)
            while self._sock.recv(4096):
                pass
        except OSError:
            pass  # nothing (more) to read, or the connection is already gone
        try:
            self._printer.close()
        except OSError as exc:
            log.debug("closing %s: %s", self._printer.host, exc)


# --- USB -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UsbLink:
    vendor_id: int
    product_id: int
    in_ep: int | None = None  # None: found from the device's descriptors
    out_ep: int | None = None
    can_read: bool = True

    @property
    def description(self) -> str:
        return f"USB {self.vendor_id:04x}:{self.product_id:04x}"

    def connect(self, deadline: Deadline) -> Connection:
        if not Usb.is_usable():
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                "USB printing needs pyusb: pip install 'python-escpos[usb]'",
            )
        import usb.core

        kwargs: dict[str, int] = {}
        if self.in_ep is not None:
            kwargs["in_ep"] = self.in_ep
        if self.out_ep is not None:
            kwargs["out_ep"] = self.out_ep
        printer = Usb(
            idVendor=self.vendor_id,
            idProduct=self.product_id,
            timeout=_ms(deadline.remaining()),
            **kwargs,
        )
        try:
            printer.open()
        except usb.core.NoBackendError as exc:
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                "no libusb backend: apt-get install libusb-1.0-0",
            ) from exc
        except DeviceNotFoundError as exc:
            cause = _cause(exc)
            if getattr(cause, "errno", None) == errno.EACCES or "Access denied" in str(exc):
                raise PrinterError(
                    PrinterErrorKind.BAD_CONFIGURATION,
                    f"no permission to use {self.description}: add a udev rule giving the "
                    "kiosk user access (or the lp group)",
                    message_id="Kiosk tidak punya izin memakai printer USB. Hubungi teknisi.",
                ) from exc
            raise PrinterError(
                PrinterErrorKind.OFFLINE,
                f"{self.description} not found: {cause}",
                message_id="Printer USB tidak ditemukan. Periksa kabel USB dan daya printer.",
            ) from exc
        device = printer.device
        in_ep, out_ep = printer.in_ep, printer.out_ep
        if self.in_ep is None or self.out_ep is None:
            found_in, found_out = _bulk_endpoints(device)
            in_ep = in_ep if self.in_ep is not None else (found_in or in_ep)
            out_ep = out_ep if self.out_ep is not None else (found_out or out_ep)
        return _UsbConnection(printer, device, in_ep, out_ep)


def _bulk_endpoints(device: Any) -> tuple[int | None, int | None]:
    """The printer interface's bulk IN and OUT endpoints, as its descriptors say.

    python-escpos assumes 0x82/0x01, which many cheap printers do not use.
    """
    import usb.util

    try:
        interface = device.get_active_configuration()[(0, 0)]
        endpoints = list(interface)
    except (usb.core.USBError, NotImplementedError, KeyError, IndexError, AttributeError):
        return None, None  # keep python-escpos's defaults
    found_in = found_out = None
    for endpoint in endpoints:
        if usb.util.endpoint_type(endpoint.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
            continue
        address = endpoint.bEndpointAddress
        if usb.util.endpoint_direction(address) == usb.util.ENDPOINT_IN:
            found_in = found_in or address
        else:
            found_out = found_out or address
    return found_in, found_out


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class _UsbConnection:
    def __init__(self, printer: Any, device: Any, in_ep: int, out_ep: int) -> None:
        self._printer = printer
        self._device = device
        self._in_ep = in_ep
        self._out_ep = out_ep
        self.can_read = True

    def write(self, data: bytes, deadline: Deadline) -> None:
        import usb.core

        _write_chunks(
            data,
            deadline,
            self._send,
            timed_out=(usb.core.USBTimeoutError,),
            lost=(usb.core.USBError,),
            how="USB write timed out",
        )

    def _send(self, chunk: memoryview, left: float) -> None:
        self._device.write(self._out_ep, chunk, _ms(left))

    def read(self, timeout: float) -> bytes:
        import usb.core

        if not self.can_read:
            return b""
        try:
            data = self._device.read(self._in_ep, 64, _ms(timeout))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            if exc.errno == errno.ENODEV:
                raise _lost(exc) from exc
            # No usable IN endpoint: a write-only printer. Stop asking.
            log.info("USB printer gives no replies (%s); status unknown", exc)
            self.can_read = False
            return b""
        except ValueError:  # pyusb: the endpoint does not exist on this device
            self.can_read = False
            return b""
        return bytes(data)

    def close(self) -> None:
        try:
            self._printer.close()
        except Exception as exc:  # pyusb on a device that is already gone
            log.debug("closing USB printer: %s", exc)


# --- Serial --------------------------------------------------------------------------


@dataclass(frozen=True)
class SerialLink:
    device: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    xonxoff: bool = False
    rtscts: bool = False
    dsrdtr: bool = False
    can_read: bool = True

    @property
    def description(self) -> str:
        return f"{self.device} at {self.baudrate} baud"

    def connect(self, deadline: Deadline) -> Connection:
        if not Serial.is_usable():
            raise PrinterError(
                PrinterErrorKind.BAD_CONFIGURATION,
                "serial printing needs pyserial: pip install 'python-escpos[serial]'",
            )
        try:
            printer = Serial(
                devfile=self.device,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                timeout=0.1,
                parity=self.parity,
                stopbits=self.stopbits,
                xonxoff=self.xonxoff,
                dsrdtr=self.dsrdtr,
            )
            printer.open()
        except DeviceNotFoundError as exc:
            raise _device_open_error(self.device, _cause(exc), "dialout") from exc
        port = printer.device
        try:
            # python-escpos sets no write timeout: a port held by flow control would
            # block the write for ever.
            port.write_timeout = max(deadline.remaining(), 0.05)
            port.rtscts = self.rtscts
        except (OSError, ValueError) as exc:
            printer.close()
            raise _device_open_error(self.device, exc, "dialout") from exc
        return _SerialConnection(printer, port)


class _SerialConnection:
    can_read = True

    def __init__(self, printer: Any, port: Any) -> None:
        self._printer = printer
        self._port = port

    def write(self, data: bytes, deadline: Deadline) -> None:
        import serial

        _write_chunks(
            data,
            deadline,
            self._send,
            timed_out=(serial.SerialTimeoutException,),
            lost=(serial.SerialException, OSError),
            how="serial write timed out",
        )
        # write() returns once the bytes are in the kernel's buffer; at 9600 baud a
        # raster letter needs most of a minute to leave it. Wait for that, so "sent"
        # means sent and close() has nothing left to throw away.
        try:
            while self._port.out_waiting:
                if deadline.expired:
                    raise _timeout(len(data), len(data), "bytes still in the serial buffer")
                time.sleep(0.01)
        except (serial.SerialException, OSError) as exc:
            raise _lost(exc, len(data), len(data)) from exc

    def _send(self, chunk: memoryview, left: float) -> None:
        self._port.write_timeout = left
        self._port.write(chunk)

    def read(self, timeout: float) -> bytes:
        import serial

        try:
            self._port.timeout = max(timeout, 0.001)
            first: bytes = self._port.read(1)
            if not first:
                return b""
            waiting = self._port.in_waiting
            return first + (self._port.read(waiting) if waiting else b"")
        except (serial.SerialException, OSError) as exc:
            raise _lost(exc) from exc

    def close(self) -> None:
        try:
            # After a finished write this is empty; after a failed one, drop the rest
            # rather than let close() wait for it behind flow control.
            self._port.reset_output_buffer()
            self._printer.close()
        except Exception as exc:  # pyserial on a port that is already gone
            log.debug("closing serial printer: %s", exc)


# --- Device file (/dev/usb/lp0, a parallel port) ---------------------------------------


@dataclass(frozen=True)
class FileLink:
    path: str
    # python-escpos opens the file write-only, so no status replies.
    can_read: bool = False

    @property
    def description(self) -> str:
        return self.path

    def connect(self, deadline: Deadline) -> Connection:
        printer = File(devfile=self.path, auto_flush=True)
        try:
            printer.open()  # blocks on a printer that is off: the deadline runner guards it
        except DeviceNotFoundError as exc:
            raise _device_open_error(self.path, _cause(exc), "lp") from exc
        return _FileConnection(printer)


class _FileConnection:
    can_read = False

    def __init__(self, printer: Any) -> None:
        self._printer = printer
        self._file = printer.device

    def write(self, data: bytes, deadline: Deadline) -> None:
        _write_chunks(data, deadline, self._send, lost=(OSError,))

    def _send(self, chunk: memoryview, left: float) -> None:
        # A device file has no write timeout; the deadline runner guards a blocked write.
        self._file.write(chunk)
        self._file.flush()

    def read(self, timeout: float) -> bytes:
        return b""

    def close(self) -> None:
        try:
            self._printer.close()
        except OSError as exc:
            log.debug("closing %s: %s", self._printer.devfile, exc)


def _device_open_error(path: str, cause: BaseException, group: str) -> PrinterError:
    code = getattr(cause, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"no permission to open {path}: add the kiosk user to the {group} group",
            message_id="Kiosk tidak punya izin memakai printer. Hubungi teknisi.",
        )
    if code in (errno.EISDIR, errno.ENOTDIR, errno.EINVAL):
        return PrinterError(
            PrinterErrorKind.BAD_CONFIGURATION,
            f"{path} is not a printer device: {cause}",
            message_id=f"{path} bukan perangkat printer. Periksa pengaturan printer.",
        )
    return PrinterError(
        PrinterErrorKind.OFFLINE,
        f"cannot open {path}: {cause}",
        message_id="Printer tidak ditemukan. Periksa kabel dan pastikan printer menyala.",
    )
