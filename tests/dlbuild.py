"""The site build shared by the tests (``built_site``) and the xdist controller.

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
    """The compute step (``scripts/compute.py``: figures and notebooks, what is not cached yet),
    then ``mkdocs build --strict`` into ``dest``, with the interpreter running the tests: what
    ``make build`` runs."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DLNOTES_PENDING", None)  # a test build never accepts placeholders
    compute = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compute.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if compute.returncode != 0:
        return compute
    build = subprocess.run(
        # the `mkdocs` script, as make build runs it (only the script shows Python's warnings)
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir", str(dest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    build.stdout = compute.stdout + build.stdout
    build.stderr = compute.stderr + build.stderr
    return build


def strict_build_problems(site: Path) -> str | None:
    """Build the site into ``site``; return what went wrong, or None for a clean strict build."""
    result = build_site(site)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        return f"the compute step or mkdocs build --strict failed:\n{log[-6000:]}"
    # MkDocs' own warnings start the line (strict mode already turns them into a failure); so
    # would a notebook kernel's ("[IPKernelApp] WARNING | ...": none is expected).
    warnings = [
        line
        for line in log.splitlines()
        if line.lstrip().startswith("WARNING") or "] WARNING |" in line
    ]
    if warnings:
        return "mkdocs printed warnings:\n" + "\n".join(warnings)
    return None
