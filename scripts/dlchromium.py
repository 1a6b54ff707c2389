"""The Chromium that every browser step drives: Debian's ``/usr/bin/chromium``, or the binary
``DLNOTES_CHROMIUM`` names; never a downloaded browser. Shared by ``make pdf``
(scripts/pdf.py), ``make lighthouse`` (scripts/lighthouse.py) and the browser tests
(tests/browser/dlbrowser.py, which adds flags of its own)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Headless on a build machine: no GPU, no sandbox (containers), and none of the background
# traffic a desktop profile starts (updates, sync, first-run pages).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def executable() -> str | None:
    """``$DLNOTES_CHROMIUM`` if it exists, else Debian's Chromium, else ``chromium`` on PATH."""
    configured = os.environ.get("DLNOTES_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None
