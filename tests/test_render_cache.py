"""hooks/render_cache.py: a build that reuses conversions and search entries writes the same site.

Two levels. A small project (Material, search, autorefs, the hook) built in a scratch folder
checks the mechanism: a warm build converts nothing and writes byte-identical files to a cold
one and to a build without the cache; an edit converts that page only; a warning is logged on
every build; a link into a reused page is still validated. The real site: a build whose
conversions all come from the cache writes exactly the files of this session's build.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dlbuild import build_site

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "hooks" / "render_cache.py"
STATS = re.compile(
    r"render cache: (\d+) pages converted, (\d+) reused; (\d+) pages indexed, (\d+) reused"
)

CONFIG = f"""\
site_name: scratch
site_url: https://example.org/scratch/
theme: {{name: material}}
plugins: [search, autorefs]
hooks: ["{HOOK.as_posix()}"]
markdown_extensions: [toc, attr_list, pymdownx.highlight, pymdownx.superfences]
validation: {{links: {{anchors: warn}}}}
"""
PAGES = {
    "index.md": (
        "# Home\n\n## Setup {#setup}\n\n"
        "See [the other anchor][other-anchor] and [the details](b.md#details).\n\n"
        "```python\nx = 1  # highlighted by Pygments\n```\n"
    ),
    "b.md": "# B\n\n## Details\n\nBack to [setup](index.md#setup).\n\n## Other {#other-anchor}\n",
}


def stats(log: str) -> tuple[int, ...]:
    """(converted, reused, indexed, reused) of the build whose log this is."""
    found = STATS.findall(log)
    assert len(found) == 1, f"expected one render-cache line:\n{log[-3000:]}"
    return tuple(int(n) for n in found[0])


def build(project: Path, site: str, cache: Path | str, strict: bool = True) -> str:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLNOTES_RENDER_CACHE": str(cache)}
    command = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / site)]
    result = subprocess.run(
        command + (["--strict"] if strict else []),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    if strict:
        assert result.returncode == 0, log[-3000:]
    return log


def same_files(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on one side, or other bytes)."""
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    return sorted(
        str(n)
        for n in names
        if not ((a / n).is_file() and (b / n).is_file() and filecmp.cmp(a / n, b / n, False))
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    for name, text in PAGES.items():
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_warm_build_reuses_everything_and_writes_the_same_files(project: Path) -> None:
    cache = project / "cache"
    assert stats(build(project, "cold", cache)) == (2, 0, 2, 0)
    assert stats(build(project, "warm", cache)) == (0, 2, 0, 2)
    build(project, "off", "0")
    assert not same_files(project / "cold", project / "warm")
    assert not same_files(project / "cold", project / "off")
    # The reused page's anchor registered with autorefs: the cross-reference was resolved.
    assert 'href="b/#other-anchor"' in (project / "warm" / "index.html").read_text("utf-8")


def test_an_edit_converts_that_page_only(project: Path) -> None:
    cache = project / "cache"
    build(project, "cold", cache)
    page = project / "docs" / "b.md"
    page.write_text(page.read_text("utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert stats(build(project, "edited", cache)) == (1, 1, 1, 1)
    assert "A new paragraph." in (project / "edited" / "b" / "index.html").read_text("utf-8")


def test_a_link_from_a_reused_page_is_still_checked(project: Path) -> None:
    """index.md (reused) links to b.md#details; removing that heading must still warn."""
    cache = project / "cache"
    build(project, "cold", cache)
    page = project / "docs" / "b.md"
    page.write_text(page.read_text("utf-8").replace("## Details\n", ""), encoding="utf-8")
    log = build(project, "edited", cache, strict=False)
    assert stats(log)[:2] == (1, 1)
    assert "contains a link 'b.md#details', but the doc 'b.md' does not contain an anchor" in log


def test_a_page_that_warns_is_converted_and_warns_on_every_build(project: Path) -> None:
    cache = project / "cache"
    (project / "docs" / "c.md").write_text("# C\n\n[gone](missing.md)\n", encoding="utf-8")
    for site in ("first", "second"):
        log = build(project, site, cache, strict=False)
        assert "'missing.md', but the target is not found" in log
        assert stats(log)[0] >= 1
    assert stats(log)[:2] == (1, 2)


def test_without_the_cache_nothing_is_reused(project: Path) -> None:
    build(project, "first", "0")
    assert stats(build(project, "second", "0")) == (2, 0, 2, 0)
    assert not (project / "0").exists()


def test_the_site_built_from_the_cache_is_the_site(built_site: Path, tmp_path: Path) -> None:
    """Every conversion and search entry of the real site reused: the same files come out.

    This session's build (``built_site``) filled the cache (or reused it); building again
    reuses every page in both languages, including the API page (mkdocstrings' anchors and
    ``objects.inv``) and both search indexes.
    """
    result = build_site(tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    converted, reused, indexed, reused_entries = stats(log)
    assert (converted, indexed) == (0, 0)
    assert reused > 0 and reused_entries > 0
    assert not same_files(built_site, tmp_path / "site")
    shutil.rmtree(tmp_path / "site")
