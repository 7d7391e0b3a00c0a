"""Open a page in a real headless Chromium (Debian's ``chromium`` package) for tests."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=15000",
)
INSTALL = "apt-get update && apt-get install -y chromium"


@dataclasses.dataclass(frozen=True)
class PageLoad:
    """What the browser saw.

    Attributes:
        dom: The document after its scripts ran.
        console: Console messages the page logged (errors included).
        log: Everything the browser wrote to stderr.
    """

    dom: str
    console: list[str]
    log: str

    def body_attr(self, name: str) -> str | None:
        """The value of attribute ``name`` on ``<body>`` (or ``<html>``), or ``None``."""
        match = re.search(rf'<(?:body|html)\b[^>]*\b{re.escape(name)}="([^"]*)"', self.dom)
        return None if match is None else match.group(1)


def find_chromium() -> str:
    """Chromium's executable; skips the test when it is missing, except in CI where it fails."""
    for name in (os.environ.get("CHROMIUM", ""), *NAMES):
        path = shutil.which(name) if name else None
        if path:
            return path
    message = f"headless Chromium not found; install it with `{INSTALL}`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _run(args: list[str], profile: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [find_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def load(page: Path, profile: Path, *, timeout: float = 90.0) -> PageLoad:
    """Open ``page`` (a local file), let its scripts run, and return the DOM and console."""
    done = _run(["--dump-dom", page.resolve().as_uri()], profile, timeout)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}: {done.stderr[-2000:]}")
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    return PageLoad(dom=done.stdout, console=console, log=done.stderr)


def screenshot(
    page: Path, out: Path, profile: Path, *, size: str = "1280,4000", timeout: float = 90.0
) -> Path:
    """Save a PNG screenshot of ``page`` at window ``size`` to ``out``."""
    done = _run(
        [
            f"--screenshot={out}",
            f"--window-size={size}",
            "--hide-scrollbars",
            page.resolve().as_uri(),
        ],
        profile,
        timeout,
    )
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(
            f"chromium made no screenshot ({done.returncode}): {done.stderr[-2000:]}"
        )
    return out


def figures(dom: str, section: str = "") -> list[dict[str, Any]]:
    """The data record of each figure of ``dom`` (its ``data-figure`` attribute), optionally
    only those in the ``<section id=...>`` named ``section``."""
    if section:
        dom = dom.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-figure="([^"]*)"', dom)]


def overlapping_ticks(figure: dict[str, Any]) -> list[tuple[str, str]]:
    """Pairs of tick labels of one axis of ``figure`` whose boxes overlap."""
    found = []
    for ax in figure["axes"]:
        for side in ("x", "y"):
            ticks = ax[side]
            for i, a in enumerate(ticks):
                for b in ticks[i + 1 :]:
                    if _intersect(a["box"], b["box"]):
                        found.append((a["text"], b["text"]))
    return found


def _intersect(a: list[float], b: list[float]) -> bool:
    """Whether boxes ``[left, top, right, bottom]`` share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
