"""The API reference is generated from the package: one page per public module, in every
language, each light enough for a phone, every documented name of ``__all__`` in the search.

``hooks/api.py`` finds the modules (no list to keep) and fails the build when a module has no
page or a page no module; a page in a language other than the default introduces its module
with its ``__doc_<lang>__`` string and labels the English docstrings below it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import griffe
import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES, SitePage
from mkdocs.exceptions import PluginError

api = load_hook("api")
_shared = load_hook("_shared")
MODULES = list(api.public_modules())
NAMES = [name for name, _ in MODULES]
REPO_URL = _shared.site_config()["repo_url"].rstrip("/")
TRANSLATED = LANGUAGES[1:]
# Issue 27: the one page of every module was 817 KB of HTML; each page stays under this.
MAX_API_PAGE_BYTES = 400_000


def site_page(name: str, lang: str) -> SitePage:
    """The built page of module ``name`` in ``lang``."""
    return SitePage(api.module_page(name).removesuffix(".md"), lang)


def page_html(site_dir: Path, name: str, lang: str) -> str:
    return site_page(name, lang).html_file(site_dir).read_text(encoding="utf-8")


def test_modules_are_found_in_the_package() -> None:
    assert {"dlnotes", "dlnotes.norm", "dlnotes.experiments"} <= set(NAMES)
    assert not any(part.startswith("_") for name in NAMES for part in name.split("."))
    assert sorted(NAMES) == NAMES


@pytest.mark.parametrize(("name", "path"), MODULES, ids=NAMES)
@pytest.mark.parametrize("lang", TRANSLATED)
def test_public_module_is_introduced_in_every_language(name: str, path: Path, lang: str) -> None:
    intro = api.module_string(path, f"__doc_{lang}__")
    assert intro, f"{path}: add __doc_{lang}__, a short introduction of {name} in {lang}"
    if lang == "zh":
        assert len(re.findall(r"[\u4e00-\u9fff]", intro)) >= 20, "a Chinese introduction"


def test_every_public_module_has_its_page_and_nothing_else_does() -> None:
    assert api.layout_problems(DOCS, LANGUAGES) == []


def test_the_nav_lists_every_module_page_in_package_order() -> None:
    """The nav's "API reference" section: the index, then every module's page."""
    pages = [
        src
        for path, src in _shared.nav_pages(_shared.site_config()["nav"])
        if "API reference" in path
    ]
    assert pages == [api.module_page(name) for name in NAMES]


def test_discovery_and_a_missing_page_or_introduction(tmp_path: Path) -> None:
    """A new public module shows up by itself; without its page or its introduction the build
    fails, and so does a page of no module."""
    package = tmp_path / "src" / "dlnotes"
    for file in ("__init__.py", "a.py", "_hidden.py", "sub/__init__.py", "sub/b.py", "_x/c.py"):
        (package / file).parent.mkdir(parents=True, exist_ok=True)
        (package / file).write_text('"""Doc A.\n\nMore."""\n\n__doc_zh__ = "中文简介：细节"\n')
    src = tmp_path / "src"
    zh_index = api.page_markdown("api.md", "zh", "en", src)
    assert "| [`dlnotes.a`](api/a.md) | 中文简介。 |" in zh_index
    (package / "sub" / "b.py").write_text('"""Doc B."""\n')
    found = [name for name, _ in api.public_modules(src)]
    assert found == ["dlnotes", "dlnotes.a", "dlnotes.sub", "dlnotes.sub.b"]

    docs = tmp_path / "docs"
    for page in ["api.md", "api/a.md", "api/sub.md", "api/sub/b.md"]:
        for lang in ("en", "zh"):
            file = api.page_source(docs, page, lang)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(f"# {page}\n\n{api.MARKER}\n")
    assert api.layout_problems(docs, ("en", "zh"), src) == []
    (docs / "api" / "sub" / "b.zh.md").unlink()
    (docs / "api" / "a.zh.md").write_text("# a\n")
    (docs / "api" / "gone.en.md").write_text(f"# gone\n\n{api.MARKER}\n")
    assert api.layout_problems(docs, ("en", "zh"), src) == [
        "api/a.zh.md has no <!-- api-reference --> marker",
        "dlnotes.sub.b has no API page api/sub/b.zh.md",
        "docs/api/gone.en.md documents no public module of dlnotes",
    ]

    index = api.page_markdown("api.md", "en", "en", src)
    assert "| [`dlnotes.sub.b`](api/sub/b.md) | Doc B. |" in index
    assert "| [`dlnotes.a`](api/a.md) | Doc A. |" in index
    assert "::: dlnotes\n" in index and "::: dlnotes.a\n" not in index
    page = api.page_markdown("api/sub/b.md", "en", "en", src, repo_url="https://example.org/r/")
    assert "::: dlnotes.sub.b\n" in page
    assert (
        "Source: [`src/dlnotes/sub/b.py`](https://example.org/r/blob/main/src/dlnotes/sub/b.py)"
        in page
    )
    with pytest.raises(PluginError, match=r"dlnotes\.sub\.b has no __doc_zh__"):
        api.page_markdown("api/sub/b.md", "zh", "en", src)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), MODULES, ids=NAMES)
def test_module_page_documents_its_module(site_dir: Path, name: str, path: Path, lang: str) -> None:
    html = page_html(site_dir, name, lang)
    size = len(html.encode())
    assert size <= MAX_API_PAGE_BYTES, f"{name} ({lang}): {size:,} bytes of HTML"
    text = re.sub(r"<[^>]+>", "", html)  # the page's text, inline code unwrapped
    assert f'id="{name}"' in html, f"mkdocstrings rendered no {name}"
    ids = set(re.findall(r'id="(dlnotes\.[^"]+)"', html)) - {name}
    owners = {max((n for n in NAMES if i.startswith(f"{n}.")), key=len) for i in ids}
    assert owners <= {name}, f"objects of other modules: {owners - {name}}"
    if lang != LANGUAGES[0]:
        intro = api.module_string(path, f"__doc_{lang}__")
        first_line = intro.strip().split("\n")[0].replace("`", "")
        assert first_line[:20] in text, f"{name}: Chinese introduction not on the page"
        assert html.count('<div lang="en">') == 1
        assert html.count(api.ENGLISH_LABEL[lang]) == 1
    source = path.relative_to(api.SRC.parent).as_posix()
    assert f'href="{REPO_URL}/blob/main/{source}"' in html, f"{name}: no link to {source}"
    # Sources are linked, not embedded: listings made the one page 3.2 MB.
    assert "Source code in" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_index_links_every_module_page(site_dir: Path, lang: str) -> None:
    html = page_html(site_dir, "dlnotes", lang)
    table = html[html.index("<table>") : html.index("</table>")]
    links = re.findall(r'<a href="([^"]+)"><code>([^<]+)</code></a>', table)
    assert links == [(f"{n.split('.', 1)[1].replace('.', '/')}/", n) for n in NAMES[1:]]
    cells = re.findall(r"</a></td>\s*<td>(.*?)</td>", table, re.DOTALL)
    summaries = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert len(summaries) == len(NAMES) - 1 and all(summaries), summaries
    if lang == "zh":
        assert all(re.search(r"[\u4e00-\u9fff]", s) for s in summaries), summaries


@cache
def documented_exports() -> dict[str, list[str]]:
    """Each public module's names of ``__all__`` that mkdocstrings renders (those with a
    docstring), read by griffe, the loader mkdocstrings uses; nothing is imported."""
    package = griffe.load(api.PACKAGE, search_paths=[api.SRC], resolve_aliases=True)
    found = {}
    for name in NAMES:
        module = package if name == api.PACKAGE else package[name.split(".", 1)[1]]
        found[name] = [n for n in module.exports or [] if module[n].docstring]
    return found


def test_most_exports_are_documented() -> None:
    """The search test below is not vacuous: the documented functions and classes are there."""
    exports = documented_exports()
    assert {"batch_norm", "BatchNorm2d", "fold_batch_norm"} <= set(exports["dlnotes.norm"])
    assert sum(map(len, exports.values())) > 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_documented_export_is_in_the_search_index(site_dir: Path, lang: str) -> None:
    """Each documented name of each module's ``__all__`` has its search entry, which links to
    its anchor on its module's page and is titled with its qualified name (a search for
    ``dlnotes.norm.batch_norm``, or a prefix of it, finds it). In Chinese too: static-i18n's
    ``reconfigure_search`` dropped the Chinese entries equal to the English ones (45 of 195
    API entries, whose docstrings have no translated label); mkdocs.yml turns it off."""
    folder = site_dir if lang == LANGUAGES[0] else site_dir / lang
    index = json.loads((folder / "search" / "search_index.json").read_text("utf-8"))
    entries = {doc["location"]: doc for doc in index["docs"]}
    missing, unanchored = [], []
    for name, exports in documented_exports().items():
        page = site_page(name, LANGUAGES[0]).path  # index locations have no language folder
        html = page_html(site_dir, name, lang)
        for export in exports:
            qualified = f"{name}.{export}"
            entry = entries.get(f"{page}#{qualified}")
            if entry is None or qualified not in entry["title"]:
                missing.append(qualified)
            if f'id="{qualified}"' not in html:
                unanchored.append(qualified)
    assert not missing, f"{lang}: not in the search index at their page's anchor: {missing}"
    assert not unanchored, f"{lang}: no anchor on their page: {unanchored}"


MKDOCSTRINGS_LABEL = re.compile(r'<span class="doc-section-title">([^<]*)</span>|<th>([^<]*)</th>')


@pytest.mark.parametrize("lang", TRANSLATED)
def test_api_labels_are_in_the_page_language(site_dir: Path, lang: str) -> None:
    """mkdocstrings renders its labels in the build's one locale (English); hooks/theme_i18n.py
    translates them on the page (a text transform). A label mkdocstrings adds, or rewords, in
    a later version shows here as an English label on a translated page."""
    labels: set[str] = set()
    for name in NAMES:
        html = page_html(site_dir, name, lang)
        labels |= {a or b for a, b in MKDOCSTRINGS_LABEL.findall(html)}
        assert "<em>required</em>" not in html, name
    assert labels, "no mkdocstrings label found: has its markup changed?"
    english = sorted(label for label in labels if re.search(r"[A-Za-z]{2,}", label))
    assert not english, f"{lang} API pages: untranslated mkdocstrings labels {english}"
