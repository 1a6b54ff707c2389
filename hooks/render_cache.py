"""MkDocs hook: reuse each page's Markdown-to-HTML conversion and search entries across builds.

``mkdocs serve`` rebuilds the whole site, in both languages, after any edit: converting the 24
Markdown pages (the API page alone renders every docstring through mkdocstrings' templates,
and Pygments highlights every block) and indexing them for search (Material parses every page's
HTML; jieba segments the Chinese) took most of a 14 s rebuild. A writer waits for that after
every save. This hook keeps both results on disk, in ``.cache/render/``:

- **Conversion** (``Page.render``). The key is everything the HTML can depend on: the page's
  Markdown after every ``on_page_markdown`` hook (so generated tables and glossary lines are
  part of it), its source path and URL, the site's files and their URLs (relative links are
  resolved against them), the language pass, the Markdown extensions and their options, and a
  digest of ``src/dlnotes`` (docstrings), ``hooks/``, ``mkdocs.yml`` and the versions of the
  packages that render (:data:`PACKAGES`). A hit restores what a conversion leaves behind: the
  HTML, the table of contents, the title found in it, the anchors it holds and the links to
  anchors it makes (MkDocs still validates those against the other pages on every build), and
  replays the side effects other plugins rely on: the anchors registered with autorefs (how
  ``[dlnotes.norm.BatchNorm1d][]`` finds its target) and the items registered in mkdocstrings'
  inventory (``objects.inv``).
- **Search entries** (Material's ``SearchIndex.add_entry_from_context``), keyed on the page's
  HTML after the ``on_page_content`` hooks, its URL, title, table of contents and front matter,
  the jieba user dictionary and the same digest.

A conversion that logs a warning or an error is never stored: the next build converts the page
again and logs it again, so ``mkdocs build --strict`` fails on every run, not only the first.
``tests/test_render_cache.py`` builds the site with a cold cache and again with a warm one and
compares every file, checks that a warning is logged on every build, and that an edit misses
only where it should.

Set ``DLNOTES_RENDER_CACHE=0`` to convert and index every page (nothing read, nothing written),
or to a folder to keep the cache there instead (the tests do). Folders for older digests are
removed when a new digest is first used.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from material.plugins.search.plugin import SearchIndex
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs_autorefs import AutorefsPlugin
from mkdocstrings import Inventory

sys.path.insert(0, str(Path(__file__).parent))
from _shared import ROOT, sources_digest

CACHE = ROOT / ".cache" / "render"
# Distributions whose version changes a page's HTML or its search entries.
PACKAGES = (
    "mkdocs",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "mkdocstrings",
    "mkdocstrings-python",
    "griffelib",
    "mkdocs-autorefs",
    "mkdocs-material",
    "mkdocs-static-i18n",
    "jieba",
)
_log = logging.getLogger("mkdocs.hooks.render_cache")
_state: dict[str, Any] = {
    "folder": None,
    "recording": None,
    "stats": {},
    "files": None,
    "dict": None,
}


def enabled() -> bool:
    return os.environ.get("DLNOTES_RENDER_CACHE") != "0"


def cache_root() -> Path:
    return Path(os.environ.get("DLNOTES_RENDER_CACHE") or CACHE)


def _digest(*parts: object) -> str:
    text = json.dumps(parts, ensure_ascii=False, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> str:
    """A stable stand-in for what JSON cannot hold (an extension instance: its class)."""
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _folder() -> Path:
    """This digest's folder; the folders of other digests are removed the first time."""
    if _state["folder"] is None:
        hooks = sorted((ROOT / "hooks").glob("*.py"))
        key = sources_digest(*hooks, ROOT / "mkdocs.yml", packages=PACKAGES)
        root = cache_root()
        folder = root / key
        if root.is_dir():
            for old in root.iterdir():
                if old != folder and old.is_dir() and re.fullmatch("[0-9a-f]{16}", old.name):
                    shutil.rmtree(old)
        _state["folder"] = folder
    return _state["folder"]


def _load(kind: str, key: str) -> Any:
    path = _folder() / f"{kind}-{key}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _store(kind: str, key: str, value: Any) -> None:
    path = _folder() / f"{kind}-{key}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def _count(event: str) -> None:
    _state["stats"][event] = _state["stats"].get(event, 0) + 1


def stats() -> dict[str, int]:
    """Hits and misses since the hook was loaded (``render-hit``, ``search-miss``, ...)."""
    return dict(_state["stats"])


# --- conversion ---------------------------------------------------------------------------


def _files_key(files: Files) -> str:
    """The site's files and URLs, hashed once per build pass (every page of a pass shares
    ``files``)."""
    cached = _state["files"]
    if cached is None or cached[0] is not files:
        cached = _state["files"] = (
            files,
            _digest(sorted((f.src_uri, f.dest_uri, f.url) for f in files)),
        )
    return cached[1]


def _render_key(page: Page, config: MkDocsConfig, files: Files) -> str:
    return _digest(
        page.markdown,
        page.file.src_uri,
        page.file.dest_uri,
        page.url,
        _files_key(files),
        config["theme"]["language"],
        config["site_url"],
        config["use_directory_urls"],
        config["markdown_extensions"],
        config["mdx_configs"],
    )


class _WarningSeen(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


def _replay(record: dict[str, Any], page: Page, config: MkDocsConfig) -> None:
    if record["anchors"]:
        autorefs = config.plugins["autorefs"]
        for args, kwargs in record["anchors"]:
            autorefs.register_anchor(page, *args, **kwargs)
    if record["inventory"]:
        inventory = config.plugins["mkdocstrings"].handlers.inventory
        for args, kwargs in record["inventory"]:
            inventory.register(*args, **kwargs)


def _cached_render(original: Any) -> Any:
    def render(self: Page, config: MkDocsConfig, files: Files) -> None:
        if not enabled() or self.markdown is None:
            _count("render-miss")
            return original(self, config, files)
        key = _render_key(self, config, files)
        hit = _load("page", key)
        if hit is not None:
            links = {files.get_file_from_path(uri): anchors for uri, anchors in hit["links"]}
            if None not in links:
                self.content = hit["content"]
                self.toc = hit["toc"]
                self._title_from_render = hit["title"]
                self.present_anchor_ids = hit["anchors"]
                self.links_to_anchors = links
                _replay(hit["record"], self, config)
                _count("render-hit")
                return None
        record: dict[str, list] = {"anchors": [], "inventory": []}
        seen = _WarningSeen()
        loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
        for logger in loggers:
            logger.addHandler(seen)
        _state["recording"] = record
        try:
            original(self, config, files)
        finally:
            _state["recording"] = None
            for logger in loggers:
                logger.removeHandler(seen)
        _count("render-miss")
        if not seen.seen:
            links = [(f.src_uri, anchors) for f, anchors in (self.links_to_anchors or {}).items()]
            value = {
                "content": self.content,
                "toc": self.toc,
                "title": self._title_from_render,
                "anchors": self.present_anchor_ids,
                "links": links,
                "record": record,
            }
            _store("page", key, value)
        return None

    render.uncached = original
    return render


def _recording(kind: str, original: Any) -> Any:
    """``original`` (a registering method), also noted in the conversion being recorded."""

    def register(self: Any, *args: Any, **kwargs: Any) -> Any:
        record = _state["recording"]
        if record is not None:
            if kind == "anchors":  # register_anchor(page, identifier, ...): page is replayed
                record[kind].append((args[1:], kwargs))
            else:
                record[kind].append((args, kwargs))
        return original(self, *args, **kwargs)

    register.uncached = original
    return register


# --- search entries ------------------------------------------------------------------------


def _toc_outline(items: Any) -> list:
    return [(i.id, i.title, i.level, i.url, _toc_outline(i.children)) for i in items]


def _user_dict(path: str | None) -> str:
    """jieba's user dictionary (written by hooks/glossary.py in ``on_config``), read once per
    build; it decides how the Chinese entries are segmented."""
    if _state["dict"] is None:
        file = Path(path) if path else None
        file = file if file is None or file.is_absolute() else ROOT / file
        _state["dict"] = file.read_text(encoding="utf-8") if file and file.exists() else ""
    return _state["dict"]


def _cached_search(original: Any) -> Any:
    def add_entry_from_context(self: SearchIndex, page: Page) -> None:
        if not enabled():
            _count("search-miss")
            return original(self, page)
        key = _digest(
            page.content,
            page.url,
            page.title,
            _toc_outline(page.toc),
            {k: page.meta.get(k) for k in ("search", "tags", "title")},
            _user_dict(self.config.get("jieba_dict_user")),
        )
        entries = _load("search", key)
        if entries is not None:
            self.entries.extend(copy.deepcopy(entries))
            _count("search-hit")
            return None
        start = len(self.entries)
        original(self, page)
        _count("search-miss")
        _store("search", key, self.entries[start:])
        return None

    add_entry_from_context.uncached = original
    return add_entry_from_context


def _patch(owner: type, name: str, wrap: Any) -> None:
    """Wrap ``owner.name`` once: a reloaded hook (``mkdocs serve``) rewraps the original."""
    current = getattr(owner, name)
    setattr(owner, name, wrap(getattr(current, "uncached", current)))


@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _patch(Page, "render", _cached_render)
    _patch(SearchIndex, "add_entry_from_context", _cached_search)
    _patch(AutorefsPlugin, "register_anchor", lambda f: _recording("anchors", f))
    _patch(Inventory, "register", lambda f: _recording("inventory", f))
    # sources, files and the glossary may have changed since the last build (mkdocs serve)
    _state.update(folder=None, files=None, dict=None)
    return config


@event_priority(-300)  # after mkdocs-static-i18n's other language passes
def on_post_build(config: MkDocsConfig) -> None:
    if getattr(config.plugins.get("i18n"), "building", False):
        return  # a language pass inside the first language's post_build: counted there
    counts = stats()
    _log.info(
        "render cache: %d pages converted, %d reused; %d pages indexed, %d reused",
        *(counts.get(k, 0) for k in ("render-miss", "render-hit", "search-miss", "search-hit")),
    )
