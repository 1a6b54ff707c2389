"""The strict site build shared by the tests (``built_site``) and the xdist controller.

Under ``pytest -n N`` (``make test``), the root ``conftest.py`` builds the site once before
the workers start and hands it to them in ``DLNOTES_BUILT_SITE``; it also gives them one
folder, ``DLNOTES_TEST_RESULTS``, where each experiment's result is stored the first time a
worker computes it in this session, or takes it from the build's experiment cache when that
holds it for the current code (``tests/experiment_results.py``). Both folders are fresh for
every session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_site(dest: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` into ``dest`` with the interpreter running the tests."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(dest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def strict_build_problems(site: Path) -> str | None:
    """Build the site into ``site``; return what went wrong, or None for a clean strict build."""
    result = build_site(site)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        return f"mkdocs build --strict failed:\n{log[-6000:]}"
    # MkDocs' own warnings start the line (strict mode already turns them into a failure);
    # the notebook kernel's "[IPKernelApp] WARNING | ... TCP without encryption" is about its
    # loopback transport, not about the site.
    warnings = [line for line in log.splitlines() if line.lstrip().startswith("WARNING")]
    if warnings:
        return "mkdocs printed warnings:\n" + "\n".join(warnings)
    return None
