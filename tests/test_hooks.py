"""Unit tests of the hooks' small text transforms, and the doctests of every hook module."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from dlhooks import HOOKS, load_hook
from dlpages import ROOT

cjk, links, search = load_hook("cjk"), load_hook("links"), load_hook("search")
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
    page = SimpleNamespace(file=SimpleNamespace(locale="en"))
    assert cjk.on_page_markdown("中\n文", page, CONFIG, None) == "中\n文"
    page.file.locale = "zh"
    assert cjk.on_page_markdown("中\n文", page, CONFIG, None) == "中文"


def test_site_absolute_links_become_relative() -> None:
    page = SimpleNamespace(url="zh/batch-norm/")
    html = '<a href="/dlnotes/">en</a> <a href="/dlnotes/zh/">zh</a> <a href="/other/">x</a>'
    out = links.on_post_page(html, page, CONFIG)
    assert out == '<a href="../../">en</a> <a href="../">zh</a> <a href="/other/">x</a>'


def test_chinese_search_base_points_inside_zh() -> None:
    page = SimpleNamespace(file=SimpleNamespace(locale="zh"), url="zh/batch-norm/")
    html = '<script id="__config">{"base": "../..", "features": []}</script>'
    assert '"base": "../../zh/"' in search.on_post_page(html, page, CONFIG)
    page.file.locale = "en"
    assert search.on_post_page(html, page, CONFIG) == html


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


def third_party_imports(paths: list) -> set[str]:
    """Distributions imported by these Python files (stdlib and dlnotes left out)."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "dlnotes":
                    found.update(distributions.get(top, [top]))
    return found


def test_notebook_cache_key_covers_what_notebooks_import() -> None:
    """A package that shapes a notebook's output but is not in its cache key would leave
    stale outputs after an upgrade."""
    jupyter = load_hook("i18n_jupyter")
    sources = [*(ROOT / "docs" / "notebooks").glob("*.py"), *(ROOT / "src").rglob("*.py")]
    imported = third_party_imports(sources)
    assert {"torch", "matplotlib"} <= imported  # the scan sees the imports
    missing = imported - set(jupyter.NOTEBOOK_PACKAGES)
    assert not missing, f"add {sorted(missing)} to NOTEBOOK_PACKAGES in hooks/i18n_jupyter.py"


def test_notebook_cache_key_changes_with_its_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    jupyter = load_hook("i18n_jupyter")
    shared = load_hook("_shared")
    key = jupyter.notebook_key()
    real = shared.version
    monkeypatch.setattr(shared, "version", lambda p: "9.9" if p == "matplotlib" else real(p))
    assert jupyter.notebook_key() != key


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
