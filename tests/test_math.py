"""Formulas are rendered at build time (hooks/formulas.py): no page loads a math script.

The built-site checks read the session's build (``site_dir``); the strict-build check builds a
one-page project of its own with the hook (about 2 s).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dlpages import LANGUAGES, SitePage, question_pages

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"")
# Scripts that render formulas in the browser: KaTeX itself, its auto-render, the old
# initialiser, MathJax.
MATH_SCRIPT = re.compile(
    r"(?:^|/)(?:katex(?:\.min)?\.js|katex-init\.js|auto-render[^/]*|[^/]*mathjax[^/]*)$", re.I
)
WRAPPER = re.compile(r'<(span|div) class="arithmatex"[^>]*>')
TEXT_ARG = re.compile(r"\\text\{([^}]*)\}")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
CJK_DRAWN = re.compile(r'<span class="mord cjk_fallback[^"]*">([^<]*)</span>')
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">([^<]*)</annotation>')


def test_no_page_loads_a_math_script(site_dir: Path) -> None:
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) > 20
    loaded = {
        f"{page.relative_to(site_dir)}: {src}"
        for page in pages
        for src in SCRIPT_SRC.findall(page.read_text(encoding="utf-8"))
        if MATH_SCRIPT.search(src.split("?")[0])
    }
    assert not loaded, f"pages load a math script: {sorted(loaded)[:5]}"
    # nor is KaTeX's script served at all (the build runs it; mkdocs.yml exclude_docs)
    assert not list(site_dir.rglob("katex.min.js"))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", question_pages())
def test_question_page_formulas_are_katex_markup_with_their_tex(
    site_dir: Path, name: str, lang: str
) -> None:
    text = SitePage(name, lang).html_file(site_dir).read_text(encoding="utf-8")
    wrappers = [m.end() for m in WRAPPER.finditer(text)]
    assert wrappers, f"{name} ({lang}): no formula"
    unrendered = [
        text[at : at + 60] for at in wrappers if not text.startswith('<span class="katex', at)
    ]
    assert not unrendered, f"{name} ({lang}): formulas left as TeX: {unrendered[:3]}"
    # each formula keeps its TeX in KaTeX's MathML annotation (what copy-tex copies)
    tex = ANNOTATION.findall(text)
    assert len(tex) == len(wrappers)
    assert all(t.strip() for t in tex)
    assert "katex-error" not in text
    # Chinese inside a formula (\text{输入门}) is drawn by KaTeX, not only kept in the annotation
    in_tex = CJK_RUN.findall(" ".join(html.unescape(t) for t in TEXT_ARG.findall(" ".join(tex))))
    drawn = "|".join(CJK_DRAWN.findall(text))
    assert all(run in drawn for run in in_tex), f"{name} ({lang}): {in_tex} vs {drawn[:200]}"


def test_a_broken_formula_fails_the_strict_build_naming_page_and_formula(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nFine: $a^2$.\n", encoding="utf-8")
    (tmp_path / "docs" / "broken.md").write_text(
        "# Broken\n\n$$\n\\frac{1}{\\sqrt{2}\n$$\n", encoding="utf-8"
    )
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: t
            theme: mkdocs
            markdown_extensions:
              - pymdownx.arithmatex:
                  generic: true
            hooks:
              - {ROOT / "hooks" / "formulas.py"}
            """
        ),
        encoding="utf-8",
    )
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    log = build.stdout + build.stderr
    assert build.returncode != 0, log
    problem = next(line for line in log.splitlines() if line.startswith("WARNING"))
    assert "broken.md" in problem and "\\frac{1}{\\sqrt{2}" in problem, problem
    assert "index.md" not in log  # the good page is not named


def test_a_process_that_rendered_a_formula_exits() -> None:
    """hooks/_katex.py closes its V8 context at exit: left to the garbage collector, it hung
    most runs of this very script at interpreter shutdown (mini-racer 0.14.1)."""
    script = "import _katex; print(_katex.render('x^2', False).error)"
    for _ in range(3):
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT / "hooks",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 0 and run.stdout.strip() == "None", run.stderr[-2000:]
