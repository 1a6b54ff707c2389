"""Shared fixtures: the strictly built site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test session with ``mkdocs build --strict``."""
    site = tmp_path_factory.mktemp("built") / "site"
    result = build_site(site)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    # MkDocs' own warnings start the line (strict mode already turns them into a failure);
    # the notebook kernel's "[IPKernelApp] WARNING | ... TCP without encryption" is about its
    # loopback transport, not about the site.
    warnings = [line for line in log.splitlines() if line.lstrip().startswith("WARNING")]
    assert not warnings, "mkdocs printed warnings:\n" + "\n".join(warnings)
    return site


@pytest.fixture(scope="session")
def site_dir(request: pytest.FixtureRequest) -> Path:
    """The site under test: ``built_site``, or an already built site named by ``$DLNOTES_SITE``.

    The variable is for checking a site built elsewhere or deliberately altered (how the
    browser tests were shown to fail on a broken page); normal runs leave it unset.
    """
    prebuilt = os.environ.get("DLNOTES_SITE")
    if prebuilt:
        path = Path(prebuilt).resolve()
        assert (path / "index.html").is_file(), f"DLNOTES_SITE={prebuilt} is not a built site"
        return path
    return request.getfixturevalue("built_site")
