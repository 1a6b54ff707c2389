"""The site's pages, languages and nav, read from ``docs/`` and ``mkdocs.yml`` (no browser).

A new page is checked without editing any test: the page list comes from ``docs/``, the
languages from the i18n block of ``mkdocs.yml`` (through ``hooks/_shared.py``, the code the
hooks use), the question pages from the nav's "Questions" section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dlhooks import load_hook

_shared = load_hook("_shared")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "test-artifacts"
LANGUAGES: tuple[str, ...] = _shared.languages()
DEFAULT = LANGUAGES[0]


def mkdocs_config() -> dict[str, Any]:
    """``mkdocs.yml`` as plain data."""
    return _shared.site_config()


@dataclass(frozen=True)
class SitePage:
    """One page in one language, e.g. ``SitePage("batch-norm", "zh")`` -> ``zh/batch-norm/``."""

    name: str  # "index", "batch-norm", "notebooks/batch-norm"
    lang: str

    @property
    def path(self) -> str:
        """The page's URL path relative to the site root."""
        prefix = "" if self.lang == DEFAULT else f"{self.lang}/"
        return prefix if self.name == "index" else f"{prefix}{self.name}/"

    @property
    def other(self) -> SitePage:
        """The same page in the next language (the only other one on a bilingual site)."""
        return SitePage(self.name, LANGUAGES[(LANGUAGES.index(self.lang) + 1) % len(LANGUAGES)])

    @property
    def id(self) -> str:
        return f"{self.lang}:{self.name}"

    @property
    def slug(self) -> str:
        return f"{self.lang}-{self.name.replace('/', '-')}"

    def html_file(self, site: Path) -> Path:
        return site / self.path / "index.html"

    def source(self) -> Path:
        """The page's source file (Markdown, or a jupytext notebook)."""
        markdown = DOCS / f"{self.name}.{self.lang}.md"
        return markdown if markdown.exists() else DOCS / f"{self.name}.{self.lang}.py"


def page_names() -> list[str]:
    """Every page of the site, from the default language's sources (parity keeps the rest)."""
    pages = {
        p.relative_to(DOCS).as_posix().rsplit(".", 2)[0] for p in DOCS.rglob(f"*.{DEFAULT}.md")
    }
    pages |= {
        p.relative_to(DOCS).as_posix().removesuffix(f".{DEFAULT}.py")
        for p in (DOCS / "notebooks").glob(f"*.{DEFAULT}.py")
    }
    return sorted(pages)


def all_pages() -> list[SitePage]:
    return [SitePage(name, lang) for lang in LANGUAGES for name in page_names()]


def site_prefix() -> str:
    """The path GitHub Pages serves the site under, from site_url (``/dlnotes/``)."""
    path = urlsplit(mkdocs_config().get("site_url") or "/").path or "/"
    return path if path.endswith("/") else path + "/"


def question_pages() -> list[str]:
    """The question pages (``batch-norm``, ...), in order, from the registry docs/questions.yml
    (tests/test_registrations.py checks the nav against it)."""
    return load_hook("_questions").slugs()


def topic_pages() -> list[str]:
    """Pages read on a phone during interview preparation: the questions and the cheat sheet."""
    return [*question_pages(), *(["cheatsheet"] if "cheatsheet" in page_names() else [])]


def whole_page_screenshot(name: str) -> bool:
    """Whether the browser tests keep a screenshot of the whole page (the home page and the
    topic pages, whose layout a reviewer reads top to bottom) or of its first screen only (the
    reference pages: the API page alone took 4 s per whole-page screenshot)."""
    return name == "index" or name in topic_pages()


def nav_title(name: str, lang: str) -> str:
    """A page's title in the nav, translated (``nav_title("batch-norm", "zh") == "批量归一化"``)."""
    return _shared.nav_titles()[f"{name}.md"][lang]
