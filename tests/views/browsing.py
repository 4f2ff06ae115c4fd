"""Driving the dashboard in a real browser: the steps every browser test of the pages takes."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.servers.dashboard import STAFF_PASSWORD, chromium_available, wait_idle

#: The marks of a real-browser test module (``pytestmark = BROWSER_TEST``): skipped only off CI;
#: on CI (make test installs chromium) a missing browser must fail.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available() and not os.environ.get("CI"),
                       reason="Debian chromium is not installed (make test installs it)"),
]


def open_path(page: Any, dash: Any, path: str) -> None:
    """Open ``path`` of the dashboard and wait until Streamlit is idle."""
    page.goto(dash.url + path)
    wait_idle(page)


def click(page: Any, name: str) -> None:
    """Click the first button named ``name`` and wait for the rerun."""
    page.get_by_role("button", name=name).first.click()
    page.wait_for_timeout(300)
    wait_idle(page)


def login(page: Any, dash: Any, username: str = "admin", password: str = STAFF_PASSWORD) -> None:
    """Log in on the home page's "Connexion" form."""
    open_path(page, dash, "/")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    click(page, "Se connecter")


def nav(page: Any, label: str) -> None:
    """Open a page through the sidebar navigation."""
    page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def tab(page: Any, label: str) -> None:
    """Open the tab ``label`` of the page."""
    page.get_by_role("tab", name=label).click()
    page.wait_for_timeout(300)
    wait_idle(page)
