"""What the dashboard's browser tests and its benchmark (bench/dashboard.py) share:
the browser they drive, a free port for the server, how a chart is read, and how
a test waits for the page (for states, never for a time)."""

from __future__ import annotations

import os
import shutil
import socket
import time

#: Debian's chromium, driven by Playwright.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
#: The awareness chart's image on the page.
AWARENESS_CHART = ".chart-awareness img"

_DIGEST = """async (sel) => {
    const e = document.querySelector(sel);
    if (!e || !e.src) return "";
    const bytes = await (await fetch(e.src)).arrayBuffer();
    const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(h, b => b.toString(16).padStart(2, "0")).join("");
}"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_digest(page, selector: str) -> str:
    """SHA-256 of the content of the image at ``selector`` ("" if there is none yet);
    its blob address may change without the content changing."""
    return page.evaluate(_DIGEST, selector)


def browser_missing() -> str:
    """Why the browser tests cannot run here ("" if they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return "no chromium browser (install: apt-get install -y chromium)"
    return ""


def settled(page, timeout: float) -> None:
    """Wait until every run of the settings in the controls is drawn."""
    page.wait_for_function("() => { const e = document.querySelector('.keys');"
                           " if (!e) return false; const [shown, wanted] = e.textContent.split('|');"
                           " return shown !== '' && shown === wanted; }", timeout=timeout * 1000)


def wait_image_change(page, selector: str, old: str, timeout: float) -> None:
    """Wait until the image at ``selector`` shows other content than digest ``old``."""
    deadline = time.time() + timeout
    while image_digest(page, selector) in ("", old):
        assert time.time() < deadline, f"{selector} unchanged after {timeout} s"
        time.sleep(0.1)
