"""The API reference is generated from the package: every public module, in every language.

``hooks/api.py`` finds the modules (no list to keep); a page in a language other than the
default introduces each module with its ``__doc_<lang>__`` string and labels the English
docstrings below it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import LANGUAGES, SitePage
from mkdocs.exceptions import PluginError

api = load_hook("api")
MODULES = list(api.public_modules())
REPO_URL = load_hook("_shared").site_config()["repo_url"].rstrip("/")
TRANSLATED = LANGUAGES[1:]


def test_modules_are_found_in_the_package() -> None:
    names = [name for name, _ in MODULES]
    assert {"dlnotes", "dlnotes.norm", "dlnotes.experiments"} <= set(names)
    assert not any(part.startswith("_") for name in names for part in name.split("."))
    assert names == sorted(names)


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[name for name, _ in MODULES])
@pytest.mark.parametrize("lang", TRANSLATED)
def test_public_module_is_introduced_in_every_language(name: str, path: Path, lang: str) -> None:
    intro = api.module_string(path, f"__doc_{lang}__")
    assert intro, f"{path}: add __doc_{lang}__, a short introduction of {name} in {lang}"
    if lang == "zh":
        assert len(re.findall(r"[\u4e00-\u9fff]", intro)) >= 20, "a Chinese introduction"


def test_discovery_and_a_missing_introduction(tmp_path: Path) -> None:
    """A new public module shows up by itself; without its introduction the build fails."""
    package = tmp_path / "dlnotes"
    for file in ("__init__.py", "a.py", "_hidden.py", "sub/__init__.py", "sub/b.py", "_x/c.py"):
        (package / file).parent.mkdir(parents=True, exist_ok=True)
        (package / file).write_text('"""Doc."""\n\n__doc_zh__ = "中文简介"\n')
    (package / "sub" / "b.py").write_text('"""Doc."""\n')
    found = [name for name, _ in api.public_modules(tmp_path)]
    assert found == ["dlnotes", "dlnotes.a", "dlnotes.sub", "dlnotes.sub.b"]
    assert "::: dlnotes.sub.b" in api.api_markdown("en", "en", tmp_path)
    linked = api.api_markdown("en", "en", tmp_path, repo_url="https://example.org/r/")
    file = f"{tmp_path.name}/dlnotes/sub/b.py"  # relative to the folder holding src/
    assert f"Source: [`{file}`](https://example.org/r/blob/main/{file})" in linked
    with pytest.raises(PluginError, match=r"dlnotes\.sub\.b has no __doc_zh__"):
        api.api_markdown("zh", "en", tmp_path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_api_page_documents_every_public_module(site_dir: Path, lang: str) -> None:
    html = SitePage("api", lang).html_file(site_dir).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)  # the page's text, inline code unwrapped
    for name, path in MODULES:
        assert f'<h2 id="{name.replace(".", "-")}"' in html, name
        assert f'id="{name}"' in html, f"mkdocstrings rendered no {name}"
        if lang != LANGUAGES[0]:
            intro = api.module_string(path, f"__doc_{lang}__")
            first_line = intro.strip().split("\n")[0].replace("`", "")
            assert first_line[:20] in text, f"{name}: Chinese introduction not on the page"
        source = path.relative_to(api.SRC.parent).as_posix()
        assert f'href="{REPO_URL}/blob/main/{source}"' in html, f"{name}: no link to {source}"
    # Sources are linked, not embedded: listings made the page 3.2 MB (a phone downloads it all).
    assert "Source code in" not in text
    assert len(html.encode()) < 1_500_000, f"api page: {len(html.encode()):,} bytes"
    if lang != LANGUAGES[0]:
        assert html.count('<div lang="en">') == len(MODULES)
        assert html.count(api.ENGLISH_LABEL[lang]) == len(MODULES)


MKDOCSTRINGS_LABEL = re.compile(r'<span class="doc-section-title">([^<]*)</span>|<th>([^<]*)</th>')


@pytest.mark.parametrize("lang", TRANSLATED)
def test_api_labels_are_in_the_page_language(site_dir: Path, lang: str) -> None:
    """mkdocstrings renders its labels in the build's one locale (English); hooks/theme_i18n.py
    translates them on the page (a text transform). A label mkdocstrings adds, or rewords, in
    a later version shows here as an English label on the translated page."""
    html = SitePage("api", lang).html_file(site_dir).read_text(encoding="utf-8")
    labels = {a or b for a, b in MKDOCSTRINGS_LABEL.findall(html)}
    assert labels, "no mkdocstrings label found: has its markup changed?"
    english = sorted(label for label in labels if re.search(r"[A-Za-z]{2,}", label))
    assert not english, f"{lang} API page: untranslated mkdocstrings labels {english}"
    assert "<em>required</em>" not in html
