"""Limits on guessing and flooding, per client and in all: tries at a pickup secret or a
verification token, operator logins, anonymous filing, wrong QRs at a kiosk.

The limiters themselves are in ratelimit.Limits (on app.state.limits); this module turns
them into refusals a person can read (Indonesian first, with how long to wait).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from office_server.config import Settings
from office_server.errors import RateLimited
from office_server.ratelimit import Limits, whole_seconds

log = logging.getLogger("loket.security")


def client_key(request: Request) -> str:
    """The client's address: the connection's, or a configured proxy's X-Forwarded-For
    (uvicorn believes that header only from LOKET_TRUSTED_PROXIES; see cli.py)."""
    return request.client.host if request.client else "unknown"


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def _wait_text(seconds: float) -> tuple[str, str]:
    """A wait as a person reads it, in Indonesian and English."""
    whole = whole_seconds(seconds)
    if whole <= 90:
        return f"{whole} detik", f"{whole} seconds"
    minutes = (whole + 59) // 60
    return f"{minutes} menit", f"{minutes} minutes"


class Guesses:
    """Tries at a secret (a pickup secret, a verification token), per client and from
    all clients together, so neither one address nor many can guess freely.

    Made at the start of a lookup: refuses when over the limit. `wrong()` counts a
    failed try. Logs refusals, never the guessed value.
    """

    def __init__(self, request: Request, what: str) -> None:
        limits = limits_of(request)
        self.per_client, self.total = limits.lookups, limits.lookups_total
        self.key, self.total_key = f"{what}:{client_key(request)}", what
        wait = max(self.per_client.retry_after(self.key), self.total.retry_after(what))
        if wait > 0:
            scope = "client" if self.per_client.blocked(self.key) else "all clients"
            log.warning("rate limit: %s from %s (%s)", what, client_key(request), scope)
            text, text_en = _wait_text(wait)
            raise RateLimited(
                f"Terlalu banyak percobaan. Tunggu {text} lalu coba lagi.",
                f"Too many attempts; wait {text_en}.",
                retry_after=whole_seconds(wait),
            )

    def wrong(self) -> None:
        self.per_client.hit(self.key)
        self.total.hit(self.total_key)

    @contextmanager
    def counting(self, *errors: type[Exception]) -> Iterator[None]:
        """Counts the block raising one of `errors` as a wrong try (and re-raises it)."""
        try:
            yield
        except errors:
            self.wrong()
            raise


# --- operator logins -------------------------------------------------------------------

DEVICE_COOKIE = "loket_device"
DEVICE_DAYS = 90
_DEVICE_SALT = "loket-known-browser"
_DEVICE_NAMES = 8  # accounts one browser remembers (a shared office PC has a few)


def _device_signer(request: Request) -> URLSafeTimedSerializer:
    settings: Settings = request.app.state.settings
    return URLSafeTimedSerializer(settings.session_secret(), salt=_DEVICE_SALT)


def _known_browser(request: Request) -> tuple[str, list[str]]:
    """This browser's id and the accounts it has logged in to (from its signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if raw:
        try:
            data: Any = _device_signer(request).loads(raw, max_age=DEVICE_DAYS * 86400)
        except BadSignature:
            data = None
        if (
            isinstance(data, dict)
            and isinstance(data.get("d"), str)
            and isinstance(data.get("u"), list)
        ):
            return data["d"], [u for u in data["u"] if isinstance(u, str)][:_DEVICE_NAMES]
    return secrets.token_urlsafe(16), []


class LoginGuard:
    """Slows password guessing without locking anybody out (and says nothing about
    whether an account exists).

    A browser that has logged in to the account before (a signed cookie) is limited on its
    own only. Everybody else is limited per address, per user name (existing or not) and
    in all: a few failures are free, then each one doubles the wait, up to
    LOKET_LOGIN_MAX_DELAY_SECONDS. So a guesser gets a try every few minutes, while the
    kades, at her usual browser, logs in at once even during an attack.
    """

    def __init__(self, request: Request, username: str) -> None:
        self.request = request
        self.limits = limits_of(request)
        self.name = username.strip().lower()[:60]
        self.address = client_key(request)
        self.device, self.device_names = _known_browser(request)
        self.known = self.name in self.device_names
        wait = self._wait()
        if wait > 0:
            log.warning("rate limit: login from %s", self.address)
            text, text_en = _wait_text(wait)
            raise RateLimited(
                f"Terlalu banyak percobaan masuk. Tunggu {text} lalu coba lagi.",
                f"Too many failed logins; wait {text_en}.",
                retry_after=whole_seconds(wait),
            )

    def _wait(self) -> float:
        if self.known:
            return self.limits.login_device.wait(self.device)
        return max(
            self.limits.login_address.wait(self.address),
            self.limits.login_user.wait(self.name),
            self.limits.login_total.retry_after("login"),
        )

    def failed(self) -> None:
        if self.known:
            self.limits.login_device.fail(self.device)
            return
        self.limits.login_address.fail(self.address)
        self.limits.login_user.fail(self.name)
        self.limits.login_total.hit("login")

    def succeeded(self, response: Response) -> None:
        """Clears this browser's and address's failures and remembers the browser."""
        self.limits.login_address.clear(self.address)
        self.limits.login_device.clear(self.device)
        names = [self.name, *(n for n in self.device_names if n != self.name)]
        settings: Settings = self.request.app.state.settings
        response.set_cookie(
            DEVICE_COOKIE,
            _device_signer(self.request).dumps({"d": self.device, "u": names[:_DEVICE_NAMES]}),
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            samesite="strict",
            secure=settings.public_url.startswith("https"),
        )


# --- anonymous filing ------------------------------------------------------------------


class FilingSlot:
    """One anonymous filing counted against the limits; given back if nothing was filed."""

    def __init__(self, limits: Limits, address: str) -> None:
        self.limits, self.address, self.counted = limits, address, True

    def give_back(self) -> None:
        if self.counted:
            self.counted = False
            self.limits.filing_address.give_back(self.address)
            self.limits.filing_total.give_back("all")


@contextmanager
def anonymous_filing(request: Request) -> Iterator[FilingSlot]:
    """Limits requests filed without a key (phone form, JSON API) per address and in all.

    A refused request, or a retry that files nothing new (`slot.give_back()`), does not
    count. The kiosk files with its key and is not limited here.
    """
    limits, address = limits_of(request), client_key(request)
    if not limits.filing_address.take(address):
        text, text_en = _wait_text(limits.filing_address.retry_after(address))
        log.warning("rate limit: filing from %s", address)
        raise RateLimited(
            f"Terlalu banyak permohonan dari perangkat ini. Coba lagi dalam {text}, atau "
            "ajukan di anjungan kantor desa.",
            f"Too many requests from this device; try again in {text_en}, or use the "
            "kiosk at the village office.",
            retry_after=whole_seconds(limits.filing_address.retry_after(address)),
        )
    if not limits.filing_total.take("all"):
        limits.filing_address.give_back(address)
        wait = limits.filing_total.retry_after("all")
        text, text_en = _wait_text(wait)
        log.warning("rate limit: filing from all clients")
        raise RateLimited(
            "Kantor desa sedang menerima terlalu banyak permohonan. Coba lagi dalam "
            f"{text}, atau ajukan di anjungan kantor desa.",
            f"The office is receiving too many requests; try again in {text_en}, or use "
            "the kiosk at the village office.",
            retry_after=whole_seconds(wait),
        )
    slot = FilingSlot(limits, address)
    try:
        yield slot
    except BaseException:
        slot.give_back()
        raise


# --- kiosk scans -----------------------------------------------------------------------


class ScanGuesses:
    """Wrong pickup QRs at a kiosk, per kiosk and per request code.

    A kiosk is a trusted device, and the residents in front of it scan old or foreign
    codes: after a few wrong scans each further one only waits a little (at most
    LOKET_SCAN_MAX_DELAY_SECONDS), so the next resident's valid QR goes through after a
    moment; and one code's secret is tried ever more slowly, wherever it is scanned.
    """

    def __init__(self, request: Request, *, kiosk_id: int, code: str | None) -> None:
        self.limits = limits_of(request)
        self.kiosk_key, self.code = f"kiosk:{kiosk_id}", code
        wait = self.limits.scan_kiosk.wait(self.kiosk_key)
        if code:
            wait = max(wait, self.limits.scan_code.wait(code))
        if wait > 0:
            log.warning("rate limit: scan at kiosk %s", kiosk_id)
            text, text_en = _wait_text(wait)
            raise RateLimited(
                f"Terlalu banyak kode QR yang tidak cocok. Tunggu {text}, lalu pindai lagi.",
                f"Too many QR codes that did not match; wait {text_en} and scan again.",
                retry_after=whole_seconds(wait),
            )

    def wrong(self) -> None:
        self.limits.scan_kiosk.fail(self.kiosk_key)
        if self.code:
            self.limits.scan_code.fail(self.code)
