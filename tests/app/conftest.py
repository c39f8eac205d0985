"""Fixtures for the review UI: a small analysed project, the app served on a free port, a headless browser.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a
browser that Playwright downloads). Browser tests skip with a clear reason when
it or Playwright is missing; CI installs both (``.ci/run``).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ui_support import build_project

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def ui_project(tmp_path_factory) -> Path:
    """A project with a 2-page draft, a comment export with hostile text, a workshop note; analysed once."""
    return build_project(tmp_path_factory.mktemp("ui"))


@pytest.fixture(scope="session")
def server(ui_project: Path):
    """The review UI on 127.0.0.1 and a free port; yields its URL."""
    pytest.importorskip("gradio", reason="gradio is not installed (pip install 'insek-nlp[ui]')")
    from app import launch

    port = _free_port()
    blocks = launch(ui_project, port=port, block=False, quiet=True, embedder="hashing")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        blocks.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    """A fresh German browser page on the app; fails the test if the page reaches beyond this machine
    or runs script from the page's data."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server)
    page.wait_for_selector("#projekt-kennzahlen .kennzahlen", timeout=30_000)
    yield page
    context.close()
    assert outside == [], f"requests beyond 127.0.0.1: {outside}"
    assert dialogs == [], f"script from the data ran: {dialogs}"
    assert errors == [], f"errors in the page: {errors}"
