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
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "dlnotes-offline"


def build(out: Path) -> Path:
    """Build the offline site into ``out/dlnotes-offline`` and zip it; return the zip's path.

    Raises ``SystemExit`` with mkdocs' log when the strict build fails or prints a warning.
    """
    out = out.resolve()
    site = out / NAME
    shutil.rmtree(site, ignore_errors=True)
    env = {**os.environ, "DLNOTES_OFFLINE": "true", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DLNOTES_PENDING", None)  # never placeholders in a copy readers take away
    compute = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compute.py")], cwd=ROOT, env=env, check=False
    )
    if compute.returncode != 0:
        raise SystemExit("offline: the compute step failed")
    result = subprocess.run(
        # the `mkdocs` script, as make build runs it (only the script shows Python's warnings)
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if line.lstrip().startswith("WARNING")]
    if result.returncode != 0 or warnings:
        raise SystemExit(f"offline: mkdocs build --strict failed:\n{log[-6000:]}")
    archive = shutil.make_archive(str(out / NAME), "zip", root_dir=out, base_dir=NAME)
    return Path(archive)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "dist-site")
    archive = build(out)
    size = archive.stat().st_size
    print(f"offline: {out / archive.name} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
