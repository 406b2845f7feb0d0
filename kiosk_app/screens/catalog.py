"""Catalog: the letter types a resident may request at the kiosk."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.properties import OptionProperty, StringProperty

from kiosk_app.api_client import KioskError, LetterType
from kiosk_app.i18n import tr
from kiosk_app.screens import KioskScreen
from kiosk_app.widgets import BigButton


class CatalogScreen(KioskScreen):
    state = OptionProperty("idle", options=["idle", "loading", "shown", "empty", "error"])
    message = StringProperty("")

    def load(self) -> None:
        self.state = "loading"
        self.ids.grid.clear_widgets()
        self.app.submit(self.app.api.letter_types, self._loaded, self._failed)

    def _loaded(self, types: list[LetterType]) -> None:
        if self.state != "loading":
            return
        usable = [t for t in types if t.self_service]
        grid = self.ids.grid
        grid.clear_widgets()
        for lt in usable:
            btn = BigButton(
                text=f"{lt.title}\n[size=20sp]{lt.description}[/size]"
                if lt.description
                else lt.title,
                markup=True,
                tone="secondary",
                font_size="26sp",
                size_hint_y=None,
                height=dp(110),
            )
            btn.letter_code = lt.code
            btn.bind(on_release=lambda _b, lt=lt: self.choose(lt))
            grid.add_widget(btn)
        self.state = "shown" if usable else "empty"

    def _failed(self, exc: BaseException) -> None:
        if self.state != "loading":
            return
        self.state = "error"
        lang = self.app.lang
        self.message = exc.localized(lang) if isinstance(exc, KioskError) else str(exc)

    def choose(self, letter_type: LetterType) -> None:
        self.app.show("form").start(letter_type)

    def on_leave(self, *_args: Any) -> None:
        if self.state == "loading":
            self.state = "idle"

    def status_text(self, state: str, lang: str) -> str:
        if state == "loading":
            return tr("catalog_loading", lang)
        if state == "empty":
            return tr("catalog_empty", lang)
        if state == "error":
            return self.message
        return ""

    def reset(self) -> None:
        super().reset()
        self.state = "idle"
        self.ids.grid.clear_widgets()
