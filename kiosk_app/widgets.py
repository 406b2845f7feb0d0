"""Shared widgets: big touch buttons, an on-screen keyboard, a QR image."""

from __future__ import annotations

from typing import Any

from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.image import Image

ROWS: dict[str, list[list[str]]] = {
    "alnum": [
        list("1234567890"),
        list("QWERTYUIOP"),
        list("ASDFGHJKL"),
        [*"ZXCVBNM", "⌫"],
    ],
    "text": [
        list("1234567890"),
        list("QWERTYUIOP"),
        [*"ASDFGHJKL", "'"],
        [*"ZXCVBNM", ",", ".", "-", "⌫"],
        ["⇧", "/", "␣", ":", "↵"],
    ],
    "numeric": [list("123"), list("456"), list("789"), ["-", "0", "⌫"]],
}
SPECIAL_WIDTH = {"␣": 5.0, "⌫": 1.8, "⇧": 1.6, "↵": 1.6}
# Roboto has no glyphs for the usual key symbols: plain words read better anyway.
SPECIAL_LABEL = {"␣": "spasi", "⌫": "hapus", "⇧": "a / A", "↵": "enter"}


class BigButton(Button):
    """A button a first-time user cannot miss (styled in widgets.kv)."""

    tone = OptionProperty("primary", options=["primary", "secondary", "warning", "quiet"])


class KeyButton(Button):
    key = StringProperty("")


class OnScreenKeyboard(BoxLayout):
    """Types into ``target`` (a TextInput). ``layout`` is alnum, text or numeric."""

    target = ObjectProperty(None, allownone=True)
    layout = OptionProperty("alnum", options=list(ROWS))
    shift = OptionProperty("upper", options=["upper", "lower"])
    key_labels = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orientation = "vertical"
        self.spacing = dp(6)
        self.bind(layout=lambda *_: self._build(), shift=lambda *_: self._relabel())
        self._build()

    def _build(self) -> None:
        self.clear_widgets()
        for row in ROWS[self.layout]:
            line = BoxLayout(spacing=dp(6))
            for key in row:
                btn = KeyButton(key=key, text=self._label(key))
                btn.size_hint_x = SPECIAL_WIDTH.get(key, 1.0)
                btn.bind(on_release=self._pressed)
                line.add_widget(btn)
            self.add_widget(line)

    def _label(self, key: str) -> str:
        if key in SPECIAL_LABEL:
            return SPECIAL_LABEL[key]
        if len(key) == 1 and key.isalpha() and self.shift == "lower":
            return key.lower()
        return key

    def _relabel(self) -> None:
        for line in self.children:
            for btn in line.children:
                btn.text = self._label(btn.key)

    def _pressed(self, btn: KeyButton) -> None:
        self.press(btn.key)

    def press(self, key: str) -> None:
        target = self.target
        if key == "⇧":
            self.shift = "lower" if self.shift == "upper" else "upper"
            return
        if target is None:
            return
        if key == "⌫":
            target.do_backspace()
        elif key == "↵":
            if getattr(target, "multiline", False):
                target.insert_text("\n")
        elif key == "␣":
            target.insert_text(" ")
        else:
            target.insert_text(self._label(key))


def qr_texture(payload: str, box_size: int = 8) -> Texture:
    """A crisp texture of the QR code for ``payload``."""
    import qrcode

    from loket_protocol.qr import QR_QUIET_ZONE, QRCODE_ERROR_CORRECTION

    qr = qrcode.QRCode(
        error_correction=QRCODE_ERROR_CORRECTION, box_size=box_size, border=QR_QUIET_ZONE
    )
    qr.add_data(payload)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").convert("RGB")
    tex = Texture.create(size=img.size, colorfmt="rgb")
    tex.blit_buffer(img.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
    tex.flip_vertical()
    tex.mag_filter = "nearest"
    return tex


class QrImage(Image):
    payload = StringProperty("")

    def on_payload(self, _inst: Any, value: str) -> None:
        self.texture = qr_texture(value) if value else None
