"""Fixtures of the real-browser tests: one Debian chromium per module, a recorded page per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.dashboard import launch_chromium, record_requests


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the module."""
    with launch_chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh page whose requests and JavaScript dialogs are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.requests = record_requests(pg)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()
