"""What the dashboard's browser tests and its benchmark (bench/dashboard.py) share:
the browser they drive, a free port for the server, and how a chart is read."""

from __future__ import annotations

import socket

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
