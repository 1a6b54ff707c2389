"""The offline copy: the whole site, both languages, as a zip that works from ``file://``.

``python scripts/offline.py OUT`` (``make offline``: ``OUT`` is ``dist-site``) runs the compute
step (scripts/compute.py: what is not cached yet), builds the site with Material's ``offline``
plugin switched on (``DLNOTES_OFFLINE=true``, see mkdocs.yml and hooks/offline.py) into
``OUT/dlnotes-offline/`` with ``mkdocs build --strict``, then zips that folder into
``OUT/dlnotes-offline.zip``. A reader unzips it and opens
``dlnotes-offline/index.html``. tests/browser/test_offline.py runs the same script.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from compute import build_site, build_warnings  # scripts/compute.py

NAME = "dlnotes-offline"


def build(out: Path) -> Path:
    """Build the offline site into ``out/dlnotes-offline`` and zip it; return the zip's path.

    Raises ``SystemExit`` with the log when the compute step or the strict build fails, or the
    build prints a warning. Never placeholders (``compute.build_site`` drops
    ``DLNOTES_PENDING``): a copy readers take away is whole.
    """
    out = out.resolve()
    site = out / NAME
    shutil.rmtree(site, ignore_errors=True)
    result = build_site(site, {**os.environ, "DLNOTES_OFFLINE": "true"})
    log = result.stdout + result.stderr
    if result.returncode != 0 or build_warnings(log):
        raise SystemExit(
            f"offline: the compute step or mkdocs build --strict failed:\n{log[-6000:]}"
        )
    archive = shutil.make_archive(str(out / NAME), "zip", root_dir=out, base_dir=NAME)
    return Path(archive)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "dist-site")
    archive = build(out)
    size = archive.stat().st_size
    print(f"offline: {out / archive.name} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
