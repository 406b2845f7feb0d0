"""Home: four big choices; a USB scanner read here goes straight to pickup."""

from __future__ import annotations

from kiosk_app.screens import KioskScreen


class HomeScreen(KioskScreen):
    def start_scan(self, mode: str) -> None:
        self.app.show("scan").start(mode)

    def start_request(self) -> None:
        self.app.show("catalog").load()

    def start_queue(self) -> None:
        self.app.show("queue").take()
