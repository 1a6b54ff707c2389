"""Execute the site's notebooks in parallel, into mkdocs-jupyter's own cache (not a hook).

mkdocs-jupyter executes each notebook when its page is rendered, one after another: ten
notebooks, about 4.5 s each (a kernel start, torch's import, the plots), were 45 s of a cold
build on a 2-core machine. Before the pages are rendered, :func:`execute` runs every notebook
that has no cache entry yet in the build's pool of processes (``_shared.spawn_map``), through
mkdocs-jupyter's own ``on_pre_page`` and render code, so each entry is exactly the one it would
have written itself (same key, same content); the render that follows is a cache hit.

The cache folder is the one ``hooks/i18n_jupyter.py`` keys on the ``dlnotes`` sources.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import Any

from _shared import WORKERS, spawn_map
from mkdocs.config.defaults import MkDocsConfig
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin
from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

_log = logging.getLogger("mkdocs.hooks.notebooks")


def plugin(config: MkDocsConfig) -> JupyterPlugin:
    """The mkdocs-jupyter plugin of this build."""
    return next(p for p in config.plugins.values() if isinstance(p, JupyterPlugin))


def options(config: MkDocsConfig) -> dict[str, Any]:
    """mkdocs-jupyter's settings for this build, as plain (picklable, JSON-able) data."""
    return dict(plugin(config).config)


def notebooks(config: MkDocsConfig) -> list[str]:
    """Every notebook of the site, in every language (the plugin's own include/ignore rules)."""
    jupyter = plugin(config)
    found = (
        str(path)
        for path in sorted(Path(config.docs_dir).rglob("*.*"))
        if path.is_file() and jupyter.should_include(SimpleNamespace(abs_src_path=str(path)))
    )
    return list(found)


def cache_path(path: str, opts: dict[str, Any]) -> Path:
    """Where mkdocs-jupyter keeps ``path``'s rendered page (its own key)."""
    ignored = any(PurePath(path).match(pattern) for pattern in opts["execute_ignore"] or [])
    execute = opts["execute"] and not ignored
    return _get_cache_path(opts["cache_dir"], _compute_cache_key(path, opts, execute))


def pending_of(paths: list[str], opts: dict[str, Any]) -> list[str]:
    """Those of ``paths`` that have no cache entry (none at all when the cache is off)."""
    if not opts["cache"]:
        return []
    return [path for path in paths if not cache_path(path, opts).exists()]


def pending(config: MkDocsConfig) -> list[str]:
    """The notebooks whose page mkdocs-jupyter would have to convert in this build."""
    return pending_of(notebooks(config), options(config))


class _Kept(logging.Handler):
    """Keeps the records logged under ``mkdocs`` in a worker, to be logged again by the build."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


@contextmanager
def _keeping_mkdocs_log() -> Iterator[list[tuple[str, int, str]]]:
    """What is logged under ``mkdocs`` (INFO and up) meanwhile, as (logger, level, message)."""
    kept, mkdocs_log = _Kept(), logging.getLogger("mkdocs")
    level = mkdocs_log.level
    mkdocs_log.addHandler(kept)
    mkdocs_log.setLevel(logging.INFO)
    try:
        yield kept.records
    finally:
        mkdocs_log.removeHandler(kept)
        mkdocs_log.setLevel(level)


def _convert(path: str, opts: dict[str, Any]) -> None:
    """Convert one notebook the way mkdocs-jupyter renders its page, writing its cache entry."""
    jupyter = JupyterPlugin()
    jupyter.config = opts
    jupyter.on_pre_build(config=None)  # the plugin's own per-build state
    page = SimpleNamespace(file=SimpleNamespace(abs_src_path=path, src_path=path), abs_url="/")
    jupyter.on_pre_page(page, config=None, files=None)  # sets page.render, with the cache path
    page.render(None, None)


def _execute_one(path: str, opts: dict[str, Any]) -> list[tuple[str, int, str]]:
    """In a worker: :func:`_convert`, returning what it logged (``Converting notebook ...``,
    any warning) for the build's own log."""
    with _keeping_mkdocs_log() as records:
        _convert(path, opts)
    return records


def _log_again(records: list[tuple[str, int, str]]) -> None:
    # Under the same logger names: a warning counts for `mkdocs build --strict` as it would
    # have in the build's own process.
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)


def execute(paths: list[str], opts: dict[str, Any]) -> None:
    """Write the cache entries of ``paths``, ``WORKERS`` notebooks at a time."""
    if paths:
        _log.info("executing %d notebooks, %d at a time", len(paths), min(WORKERS, len(paths)))
    if len(paths) <= 1:  # here, logging straight to the build's log
        for path in paths:
            _convert(path, opts)
        return
    for records in spawn_map(_execute_one, paths, [opts] * len(paths)):
        _log_again(records)
