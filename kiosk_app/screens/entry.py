"""Type the code: for a resident whose QR will not scan, or a kiosk without a camera.

The printed ticket shows the 8-character code and the 26-character secret (32 on tickets
printed before issue 16) in groups of
four; we rebuild the pickup payload from them and send it like a scan.
"""

from __future__ import annotations

import re
from typing import Any

from kivy.properties import ObjectProperty, OptionProperty, StringProperty

from kiosk_app.screens import KioskScreen
from loket_protocol.qr import typed_pickup_payload


class EntryScreen(KioskScreen):
    mode = OptionProperty("pickup", options=["pickup", "status"])
    error = StringProperty("")
    focused = ObjectProperty(None, allownone=True)

    def start(self, mode: str) -> None:
        self.mode = mode
        self.error = ""
        self.focus(self.ids.code)

    def on_enter(self, *_args: Any) -> None:
        self.focus(self.ids.code)

    def focus(self, field: Any) -> None:
        self.focused = field
        self.ids.keyboard.target = field

    def submit(self) -> None:
        payload = typed_pickup_payload(
            self.app.kc.server_url, self.ids.code.text, self.ids.secret.text
        )
        if payload is None:
            self.error = "entry_bad"
            return
        mode = self.mode
        self.reset()
        self.app.handle_payload(payload, mode)

    def on_code_text(self, text: str) -> None:
        # Jump to the secret once the code is complete: one less thing to find.
        if len(re.sub(r"\s", "", text)) >= 8 and self.focused is self.ids.code:
            self.focus(self.ids.secret)

    def reset(self) -> None:
        super().reset()
        self.ids.code.text = ""
        self.ids.secret.text = ""
        self.error = ""
        self.mode = "pickup"
