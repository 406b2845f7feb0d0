"""Result of a scan, in plain words: ready, what is missing, the operator's message, or why not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from kiosk_app.api_client import Claim, RequestInfo, ScanResult
from kiosk_app.i18n import tr
from kiosk_app.screens import KioskScreen

TONES = {
    "ready": "ok",
    "filed": "ok",
    "in_progress": "wait",
    "collect_at_counter": "wait",
    "needs_correction": "problem",
    "already_picked_up": "problem",
    # Filed from home, not at the village yet: the counter can pull it.
    "not_arrived": "wait",
}


def friendly_date(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    months_id = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    months_en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    month = (months_en if lang == "en" else months_id)[when.month - 1]
    return f"{when.day} {month} {when.year}"


class ResultScreen(KioskScreen):
    state = OptionProperty("idle", options=["idle", "checking", "waiting", "shown"])
    tone = OptionProperty("wait", options=["ok", "wait", "problem", "bad"])
    headline = StringProperty("")
    details = StringProperty("")
    can_print = BooleanProperty(False)
    token = NumericProperty(0)
    outcome = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._claim: Claim | None = None
        self._request: RequestInfo | None = None
        self._scan: ScanResult | None = None
        self._local_key = ""
        self._error_text = ""

    def on_kv_post(self, base_widget: Any) -> None:
        self.app.bind(lang=lambda *_: self._render())

    # -- states
    def show_checking(self, _payload: str, _mode: str) -> int:
        self._release_claim()
        self._clear()
        self.token += 1
        self.state = "checking"
        self.tone = "wait"
        self._render()
        return int(self.token)

    def show_waiting_for_server(self) -> None:
        self.state = "waiting"
        self.tone = "wait"
        self._render()

    def show_local(self, key: str) -> None:
        self._clear()
        self.token += 1
        self._local_key = {"garbage": "result_garbage", "rate_limited": "result_rate_limited"}[key]
        self.outcome = key
        self.state = "shown"
        self.tone = "bad" if key == "garbage" else "problem"
        self._render()

    def show_error(self, text: str) -> None:
        self._clear()
        self._error_text = text
        self.outcome = "error"
        self.state = "shown"
        self.tone = "bad"
        self._render()

    def show_scan(self, scan: ScanResult, *, can_print: bool) -> None:
        self._clear()
        self._scan = scan
        self._request = scan.request
        self._claim = scan.claim if can_print else None
        self.outcome = scan.outcome
        self.can_print = bool(self._claim)
        self.state = "shown"
        self.tone = TONES.get(scan.outcome, "bad")
        self._render()

    def _clear(self) -> None:
        self._scan = None
        self._request = None
        self._claim = None
        self._local_key = ""
        self._error_text = ""
        self.can_print = False
        self.outcome = ""

    def _render(self) -> None:
        lang = self.app.lang if self.app else "id"
        if self.state == "checking":
            self.headline, self.details = tr("scan_checking", lang), ""
        elif self.state == "waiting":
            self.headline, self.details = tr("result_offline_wait", lang), ""
        elif self._local_key:
            self.headline, self.details = tr(self._local_key, lang), ""
        elif self._error_text:
            self.headline, self.details = self._error_text, ""
        elif self._scan is not None:
            self.headline = self._scan.localized(lang) or self._scan.outcome
            self.details = self._describe(self._scan.request, lang)
        else:
            self.headline, self.details = "", ""

    @staticmethod
    def _describe(req: RequestInfo | None, lang: str) -> str:
        if req is None:
            return ""
        lines = []
        if req.letter_type_title:
            lines.append(tr("result_letter", lang, title=req.letter_type_title))
        lines.append(tr("result_code", lang, code=req.code))
        if req.status_label:
            lines.append(tr("result_status", lang, label=req.status_label))
        if req.submitted_at:
            lines.append(tr("result_submitted", lang, when=friendly_date(req.submitted_at, lang)))
        if req.correction_message:
            lines.append(tr("result_correction", lang, msg=req.correction_message))
        if req.rejection_reason:
            lines.append(tr("result_rejection", lang, msg=req.rejection_reason))
        return "\n".join(lines)

    # -- actions
    def print_now(self) -> None:
        claim, request = self._claim, self._request
        if claim is None:
            return
        self._claim = None  # handed over to the printing screen
        self.app.show("printing").start(claim, request)

    def scan_again(self) -> None:
        self._release_claim()
        self.app.show("scan")

    def _release_claim(self) -> None:
        if self._claim is not None:
            self.app.release_claim(self._claim.claim_id, "resident left before printing")
            self._claim = None

    def accepts_scan(self) -> bool:
        return self.state not in ("checking", "waiting")

    def reset(self) -> None:
        super().reset()
        self._release_claim()
        self._clear()
        self.token += 1
        self.state = "idle"
        self._render()
