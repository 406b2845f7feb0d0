"""A real office server and Debian's Chromium (through Playwright) for the page tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fixtures import CHROMIUM, CHROMIUM_ARGS, SHOTS  # re-exported
from tests.support.server import RunningServer, running_server

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DESKTOP", "PHONE", "SHOTS"]

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("web-server")) as server:
        yield server
