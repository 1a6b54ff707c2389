"""The site build shared by the tests (``built_site``) and the xdist controller.

Under ``pytest -n N`` (``make test``), the root ``conftest.py`` builds the site once before
the workers start and hands it to them in ``DLNOTES_BUILT_SITE``; it also gives them one
folder, ``DLNOTES_TEST_RESULTS``, where each experiment's result is stored the first time a
worker computes it in this session, or takes it from the build's experiment cache when that
holds it for the current code (``tests/experiment_results.py``). Both folders are fresh for
every session.
"""

from __future__ import annotations

from pathlib import Path

from compute import build_site, build_warnings  # scripts/compute.py (pytest's pythonpath)


def strict_build_problems(site: Path) -> str | None:
    """Build the site into ``site``; return what went wrong, or None for a clean strict build."""
    result = build_site(site)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        return f"the compute step or mkdocs build --strict failed:\n{log[-6000:]}"
    warnings = build_warnings(log)
    if warnings:
        return "mkdocs printed warnings:\n" + "\n".join(warnings)
    return None
