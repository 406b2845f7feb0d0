"""The kiosk's screens: each one a ``name.py`` + ``name.kv`` pair.

Screens get their collaborators (API client, printers, scanner) from the running App;
they never build them. ``reset()`` wipes anything personal a screen shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty
from kivy.uix.screenmanager import Screen

HERE = Path(__file__).parent
NAMES = (
    "home",
    "scan",
    "entry",
    "result",
    "printing",
    "catalog",
    "form",
    "ticket",
    "queue",
    "photos",
)
_loaded = False


class KioskScreen(Screen):
    # True while work runs that must not be interrupted by the idle timeout (printing).
    busy = BooleanProperty(False)

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def reset(self) -> None:
        """Forget everything shown (called on the way home and on idle timeout)."""
        self.busy = False

    def accepts_scan(self) -> bool:
        """Whether a USB scanner payload may start a pickup from this screen now."""
        return not self.busy


def load_screens() -> None:
    """Import every screen class and load its .kv once per process."""
    global _loaded
    if _loaded:
        return
    import importlib

    for name in NAMES:
        importlib.import_module(f"kiosk_app.screens.{name}")
        Builder.load_file(str(HERE / f"{name}.kv"))
    _loaded = True
