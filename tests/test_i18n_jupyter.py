"""The static-i18n x mkdocs-jupyter glue (hooks/i18n_jupyter.py), on a two-page project.

Both tests build the smallest site that shows the upstream issue
(https://github.com/ultrabug/mkdocs-static-i18n/issues/198): Material, a nav, two languages, one
executed notebook per language. Without the hook the notebook pages are the raw ``.ipynb`` copied
under the page's name; with it they are rendered. When the first test fails, upstream has fixed
the issue: remove the hook, its line in mkdocs.yml and this file. When the second fails,
upstream changed what the hook relies on (mkdocs-jupyter's ``NotebookFile`` and
``should_include``, or MkDocs' settable ``dest_uri``/``abs_dest_path``/``url``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

HOOK = Path(__file__).resolve().parent.parent / "hooks" / "i18n_jupyter.py"
LANGS = ("en", "zh")


def build(tmp_path: Path, with_hook: bool) -> Path:
    """Build the two-language project, with or without the hook; its site folder."""
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    for lang in LANGS:
        (docs / f"index.{lang}.md").write_text(f"# Home {lang}\n", encoding="utf-8")
        notebook = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_markdown_cell(f"# Notebook {lang}"),
                nbformat.v4.new_code_cell("1 + 1", execution_count=1),
            ]
        )
        nbformat.write(notebook, docs / "notebooks" / f"nb.{lang}.ipynb")
    config = {
        "site_name": "glue",
        "theme": {"name": "material"},
        "nav": [{"Home": "index.md"}, {"Notebook": "notebooks/nb.ipynb"}],
        "plugins": [
            "search",
            {
                "i18n": {
                    "docs_structure": "suffix",
                    "languages": [
                        {"locale": "en", "name": "English", "default": True, "build": True},
                        {"locale": "zh", "name": "中文", "build": True},
                    ],
                }
            },
            {"mkdocs-jupyter": {"include": ["notebooks/*.ipynb"], "execute": False}},
        ],
        "hooks": [str(HOOK)] if with_hook else [],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "the mkdocs script of this environment"
    result = subprocess.run(
        [mkdocs, "build"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / "site"


def rendered(site: Path, lang: str) -> bool:
    prefix = "" if lang == LANGS[0] else f"{lang}/"
    page = site / f"{prefix}notebooks/nb/index.html"
    return page.is_file() and "jp-Cell" in page.read_text(encoding="utf-8")


def test_upstream_still_drops_the_notebook_pages(tmp_path: Path) -> None:
    site = build(tmp_path, with_hook=False)
    if all(rendered(site, lang) for lang in LANGS):
        pytest.fail("static-i18n now keeps mkdocs-jupyter's pages: remove hooks/i18n_jupyter.py")
    assert not any(rendered(site, lang) for lang in LANGS)


@pytest.fixture(scope="module")
def glued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built with the hook, once for the tests below."""
    return build(tmp_path_factory.mktemp("glued"), with_hook=True)


def test_the_hook_renders_the_notebook_in_every_language(glued: Path) -> None:
    site = glued
    assert all(rendered(site, lang) for lang in LANGS)
    assert "Notebook zh" in (site / "zh/notebooks/nb/index.html").read_text(encoding="utf-8")
    assert not (site / "notebooks/nb.zh/index.html").exists()  # i18n's destination is kept


def test_the_language_switch_of_a_notebook_page_leads_to_the_same_notebook(glued: Path) -> None:
    """The hook's ``alternates``: i18n took the notebook for an asset and found no other
    language for it, so the switch led to the home page."""
    site = glued
    for page, expected in [
        ("zh/notebooks/nb/index.html", {"en": "../../../notebooks/nb/", "zh": "./"}),
        ("notebooks/nb/index.html", {"en": "./", "zh": "../../zh/notebooks/nb/"}),
    ]:
        html = (site / page).read_text(encoding="utf-8")
        links = dict(
            (lang, href) for href, lang in re.findall(r'<a href="([^"]*)" hreflang="(\w+)"', html)
        )
        assert links == expected, page
