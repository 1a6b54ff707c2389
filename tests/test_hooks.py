"""Unit tests of the hooks' small text transforms, and the doctests of every hook module."""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from dlhooks import HOOKS, load_hook
from dlpages import ROOT

cjk, links, search = load_hook("cjk"), load_hook("links"), load_hook("search")
markdown = load_hook("_markdown")
CONFIG = SimpleNamespace(
    site_url="https://example.org/dlnotes/", config_file_path=str(ROOT / "mkdocs.yml")
)


def test_cjk_soft_breaks_are_removed_outside_code() -> None:
    text = "第一行\n第二行，\n    续行\n\nEnglish\nline 中文\n\n```python\nx = '甲'\n# 乙\n```\n"
    out = cjk.join_cjk_lines(text)
    assert out.startswith("第一行第二行，续行\n\n")
    assert "English\nline 中文" in out  # only CJK-CJK breaks are joined
    assert "```python\nx = '甲'\n# 乙\n```" in out  # code untouched


def test_cjk_joins_on_chinese_pages_only() -> None:
    page = SimpleNamespace(url="batch-norm/")
    assert cjk.on_page_markdown("中\n文", page, CONFIG, None) == "中\n文"
    page.url = "zh/batch-norm/"
    assert cjk.on_page_markdown("中\n文", page, CONFIG, None) == "中文"


def test_site_absolute_links_become_relative() -> None:
    page = SimpleNamespace(url="zh/batch-norm/")
    html = '<a href="/dlnotes/">en</a> <a href="/dlnotes/zh/">zh</a> <a href="/other/">x</a>'
    out = links.on_post_page(html, page, CONFIG)
    assert out == '<a href="../../">en</a> <a href="../">zh</a> <a href="/other/">x</a>'


def test_chinese_search_base_points_inside_zh() -> None:
    page = SimpleNamespace(url="zh/batch-norm/")
    html = '<script id="__config">{"base": "../..", "features": []}</script>'
    assert '"base": "../../zh/"' in search.on_post_page(html, page, CONFIG)
    page.url = "batch-norm/"
    assert search.on_post_page(html, page, CONFIG) == html


def test_page_boosts_are_front_matter() -> None:
    """Material's documented ``search.boost`` front matter, set in ``page.meta``; a page's
    own front matter wins; question pages keep Material's default."""
    for url, boost in [("zh/api/", 0.1), ("notebooks/sgd/", 0.3), ("cheatsheet/", 0.5)]:
        page = SimpleNamespace(url=url, meta={})
        search.on_page_content("<p>x</p>", page, CONFIG, None)
        assert page.meta == {"search": {"boost": boost}}, url
    page = SimpleNamespace(url="api/", meta={"search": {"boost": 2}})
    search.on_page_content("<p>x</p>", page, CONFIG, None)
    assert page.meta["search"]["boost"] == 2
    page = SimpleNamespace(url="zh/batch-norm/", meta={})
    search.on_page_content("<p>x</p>", page, CONFIG, None)
    assert page.meta == {}


# --- what the exceptions of CONTRIBUTING.md ("Other packages' API") rely on upstream --------
# Each test fails when the installed package stops doing what a hook or template relies on.

MATERIAL = Path(importlib.util.find_spec("material").origin).parent / "templates"


def material_bundle() -> str:
    (bundle,) = (MATERIAL / "assets" / "javascripts").glob("bundle.*.min.js")
    return bundle.read_text(encoding="utf-8")


def test_material_still_loads_the_index_from_config_base() -> None:
    """hooks/search.py and overrides/404.html point a page at its language's index by
    rewriting ``base`` in ``__config``: Material must still write ``base`` there and fetch
    ``search/search_index.json`` relative to it."""
    base_html = (MATERIAL / "base.html").read_text(encoding="utf-8")
    assert re.search(r'id="__config"[\s\S]{0,400}"base": base_url', base_html)
    assert re.search(r'new URL\("search/search_index\.json",\s*\w+\.base\)', material_bundle())


def test_material_still_copies_data_copy() -> None:
    """hooks/pycon_copy.py sets ``data-copy``; Material's copy button must still copy the
    closest ancestor's ``data-copy`` (squidfunk/mkdocs-material#6086, undocumented since)."""
    bundle = material_bundle()
    assert 'closest("[data-copy]")' in bundle and 'getAttribute("data-copy")' in bundle


def test_fences_found_as_sybil_finds_them() -> None:
    """hooks/_markdown.py (the build's parser) and Sybil's lexer (what runs under pytest)
    find the same blocks, with the same info and body, on every page and on edge cases."""
    from sybil import Document
    from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

    lexer = RawFencedCodeBlockLexer(
        info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
        mapping={"info": "info", "source": "source"},
    )
    edge_cases = [
        "- item\n\n    ```python\n    x = 1\n    ```\n",
        "> ```py\n> a\n> ```\n",
        "1. one\n   ~~~~\n   b\n   ~~~~\n",
        "````md\n```python\nx\n```\n````\n",
        "```python\nunclosed\n",
        "  ```text\n  a\n      ```\n  b\n  ```\n",  # a fence indented deeper does not close
        '=== "Tab"\n\n    ```python\n    y = 2\n    ```\n',
    ]
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md"))]
    checked = 0
    for text in texts + edge_cases:
        regions = lexer(Document(text, "<page>"))
        theirs = sorted(
            (r.start, r.end, r.lexemes["info"].strip(), str(r.lexemes["source"])) for r in regions
        )
        ours = [(f.start, f.end, f.info, f.source) for f in markdown.fenced_blocks(text)]
        assert ours == theirs, text[:200]
        checked += len(ours)
    assert checked > 100


def test_search_index_is_split_by_language() -> None:
    index = {
        "config": {"lang": ["en", "zh"]},
        "docs": [{"location": "a/"}, {"location": "zh/a/"}, {"location": "zh/"}],
    }
    parts = search.split_index(index, ("en", "zh"))
    assert parts["en"]["docs"] == [{"location": "a/"}]
    assert parts["zh"]["docs"] == [{"location": "a/"}, {"location": ""}]
    assert parts["zh"]["config"]["lang"] == ["zh"]


def test_importing_a_hook_changes_no_environment() -> None:
    """Hooks act in MkDocs events only: importing one (as tests do) sets nothing.

    Checked in a fresh interpreter: in this one the hooks are already imported.
    """
    script = (
        "import os, sys; sys.path.insert(0, 'tests'); from dlhooks import HOOKS, load_hook\n"
        "before = dict(os.environ)\n"
        "for path in sorted(HOOKS.glob('*.py')): load_hook(path.stem)\n"
        "print(sorted(set(os.environ.items()) ^ set(before.items())))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DLNOTES_CACHE"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", f"importing the hooks changed: {result.stdout}"


@pytest.mark.parametrize("name", sorted(p.stem for p in HOOKS.glob("*.py")))
def test_hook_doctests(name: str) -> None:
    """The ``>>>`` examples in the hooks run (Sybil collects ``src/`` only)."""
    result = doctest.testmod(load_hook(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_no_hook_shadows_a_package_of_the_repository() -> None:
    # MkDocs registers every hook in sys.modules under its file name: a hook named like a
    # top-level package (benchmarks/, tests/ ...) would replace that package for the rest of an
    # in-process run.
    root = HOOKS.parent
    shadowed = [
        path.name
        for path in HOOKS.glob("*.py")
        if (root / path.stem).is_dir() or (root / f"{path.stem}.py").exists()
    ]
    assert not shadowed, f"rename these hooks: {shadowed}"
