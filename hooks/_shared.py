"""Helpers shared by the MkDocs hooks (not a hook itself: mkdocs.yml does not list it).

- :func:`site_config` reads ``mkdocs.yml`` outside a build (tests, and hooks' module-level
  helpers); :func:`languages` and :func:`nav_titles` derive the site's languages and page titles
  from its ``i18n`` block and ``nav``: the one place they are written.
- :func:`plain_jieba`: jieba with its own dictionary, loaded once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = ROOT / "mkdocs.yml"


@lru_cache(maxsize=1)
def plain_jieba() -> Any:
    """A jieba tokenizer with jieba's own dictionary only (no glossary words).

    Loading a dictionary takes about a second; this module is imported once per process, so
    ``mkdocs serve`` loads it once, not on every rebuild (hooks themselves are reloaded).
    """
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold ``!!python/name`` or ``!ENV`` tags: read them as plain values."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def site_config(path: Path | str = MKDOCS_YML) -> dict[str, Any]:
    """``mkdocs.yml`` as plain data (no plugin is loaded), re-read when the file changes
    (``mkdocs serve`` reloads it on an edit; so do we)."""
    path = Path(path)
    return _load_config(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_config(path: Path, mtime_ns: int) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def i18n_languages(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``languages`` list of the i18n plugin's block, default language first."""
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "i18n" in plugin:
            found = plugin["i18n"]["languages"]
            return sorted(found, key=lambda lang: not lang.get("default", False))
    raise ValueError("mkdocs.yml has no i18n plugin block")


def languages(config: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The site's locales, default first: ``("en", "zh")``.

    >>> languages()
    ('en', 'zh')
    """
    return tuple(lang["locale"] for lang in i18n_languages(config or site_config()))


def nav_pages(section: list, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """``(titles from the nav root, source path)`` of every page in a nav section, in order."""
    found = []
    for item in section:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            found += nav_pages(value, (*path, title))
        elif isinstance(value, str):
            found.append(((*path, title), value))
    return found


def nav_titles(config: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """Each nav page's title per language, from ``nav`` and the i18n ``nav_translations``.

    >>> nav_titles()["batch-norm.md"]["zh"]
    '批量归一化'
    """
    config = config or site_config()
    titles: dict[str, dict[str, str]] = {}
    for lang in i18n_languages(config):
        translations = lang.get("nav_translations") or {}
        for path, src in nav_pages(config.get("nav", [])):
            titles.setdefault(src, {})[lang["locale"]] = translations.get(path[-1], path[-1])
    return titles


def section_pages(section: str, config: dict[str, Any] | None = None) -> list[str]:
    """The Markdown pages of a top-level nav section, in order (``["batch-norm.md", ...]``)."""
    config = config or site_config()
    pages = [src for path, src in nav_pages(config.get("nav", [])) if path[0] == section]
    if not pages:
        raise ValueError(f"mkdocs.yml has no {section!r} section in its nav")
    return [src for src in pages if src.endswith(".md")]
