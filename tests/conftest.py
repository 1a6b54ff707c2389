"""Shared fixtures: the strictly built site, the reader's fresh venv."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dlbuild import strict_build_problems
from dlwheel import ReaderVenv, make_reader_venv

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once per test session with ``mkdocs build --strict``.

    Under pytest-xdist the controller builds it once for all workers (``DLNOTES_BUILT_SITE``,
    set by the root conftest.py after a clean strict build); a worker builds it itself, and
    reports the failure, only when that build did not succeed.
    """
    shared = os.environ.get("DLNOTES_BUILT_SITE")
    if shared:
        return Path(shared)
    site = tmp_path_factory.mktemp("built") / "site"
    problems = strict_build_problems(site)
    assert problems is None, problems
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


@pytest.fixture(scope="session")
def reader_venv(tmp_path_factory: pytest.TempPathFactory) -> ReaderVenv:
    """The wheel and a fresh venv outside the repository with torch only (tests/dlwheel.py),
    once per session for the page blocks and the notebooks (one ``xdist_group``)."""
    return make_reader_venv(tmp_path_factory.mktemp("wheel"))
