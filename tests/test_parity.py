"""English and Chinese pages are peers: same structure, same code, same figures, same links.

For every page ``docs/**/name.en.md`` there must be ``name.zh.md`` (and the reverse), with:
the same number of headings at each level and the same explicit heading ids (so a link to a
section works in both languages), the same code blocks, the same images, the same internal
link targets and the same number of display formulas. Notebooks
(``docs/notebooks/name.{en,zh}.py``) must have the same code cells.

"The same code" means identical once comments are removed: each language comments the code
in its own words, but statements, outputs and asserted values match byte for byte. Python
blocks (and ``>>>`` sessions, and notebook cells) lose their ``#`` comments through Python's
tokenizer, so a ``#`` inside a string is code; shell blocks lose theirs as bash reads them (a
``#`` outside quotes after whitespace); other blocks must be identical as written.
"The same images" allows a per-language figure: ``bn-lr.en.svg`` and ``bn-lr.zh.svg`` count as
one image, ``bn-lr``; a figure missing or added in one language still differs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dlhooks import load_hook
from dlpages import DOCS, LANGUAGES

_markdown = load_hook("_markdown")
fenced_blocks = _markdown.fenced_blocks
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{\s*#([\w-]+)[^}]*\}\s*$")
IMAGE = re.compile(
    r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img\b[^>]*\bsrc=\"([^\"]+)\""
)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]", re.DOTALL)


@dataclass
class Structure:
    headings: Counter[int] = field(default_factory=Counter)
    heading_ids: list[str] = field(default_factory=list)
    missing_ids: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    links: Counter[str] = field(default_factory=Counter)
    math_blocks: int = 0


PYTHON_BLOCKS = {"python", "py", "python3", "pycon"}
LANGUAGE_SUFFIX = re.compile(rf"\.(?:{'|'.join(map(re.escape, LANGUAGES))})(\.[A-Za-z0-9]+)$")


SHELL_BLOCKS = {"bash", "sh", "shell", "console"}


def strip_shell_comments(source: str) -> str:
    """Shell source without its comments: a ``#`` outside quotes, at the start of a line or after
    whitespace, starts one (as in bash); ``a#b`` and a quoted ``#`` stay. Lines left empty go.

    >>> strip_shell_comments("make serve   # serve it\n# note\necho 'a # b' c#d\n")
    "make serve\necho 'a # b' c#d\n"
    """
    kept = []
    for line in source.split("\n"):
        quote = ""
        end = len(line)
        for i, char in enumerate(line):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (i == 0 or line[i - 1].isspace()):
                end = i
                break
        if line[:end].strip() or end == len(line):
            kept.append(line[:end].rstrip())
    return "\n".join(kept)


# A doctest directive is a comment that changes how a session runs (``# doctest: +SKIP``): the
# Chinese blocks are not run again (conftest.py), so the directives must match as written.
DOCTEST_DIRECTIVE = re.compile(r"#\s*doctest:.*")


def comparable_code(fence: object) -> str:
    """A fenced block as the two languages must share it: Python and shell without comments
    (but with their doctest directives)."""
    if fence.language in PYTHON_BLOCKS:
        directives = "".join(f"\n{d}" for d in DOCTEST_DIRECTIVE.findall(fence.source))
        return f"```{fence.info}\n{_markdown.strip_python_comments(fence.source)}```{directives}"
    if fence.language in SHELL_BLOCKS:
        return f"```{fence.info}\n{strip_shell_comments(fence.source)}```"
    return fence.text


def language_neutral(image: str) -> str:
    """``figures/bn-lr.zh.svg`` -> ``figures/bn-lr.svg`` (one figure drawn per language)."""
    return LANGUAGE_SUFFIX.sub(r"\1", image)


def parse(text: str) -> Structure:
    """Split a page into prose and fenced code, and collect what the two languages share."""
    out = Structure()
    out.code = [comparable_code(fence) for fence in fenced_blocks(text)]
    prose = _markdown.prose(text).splitlines()
    for line in prose:
        if heading := HEADING.match(line):
            level, title = len(heading[1]), heading[2]
            out.headings[level] += 1
            if level > 1:
                if found := HEADING_ID.search(title):
                    out.heading_ids.append(found[1])
                else:
                    out.missing_ids.append(title)
    prose_text = "\n".join(prose)
    out.images = [language_neutral(a or b) for a, b in IMAGE.findall(prose_text)]
    out.links = Counter(
        target
        for target in LINK.findall(prose_text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto: ...
    )
    out.math_blocks = len(DISPLAY_MATH.findall(prose_text))
    return out


def page_pairs() -> list[str]:
    names = {p.relative_to(DOCS).as_posix().rsplit(".", 2)[0] for p in DOCS.rglob("*.*.md")}
    return sorted(names)


@pytest.mark.parametrize("name", page_pairs())
def test_page_exists_in_both_languages(name: str) -> None:
    missing = [
        f"docs/{name}.{lang}.md" for lang in LANGUAGES if not (DOCS / f"{name}.{lang}.md").exists()
    ]
    assert not missing, f"page {name!r} has no twin: missing {', '.join(missing)}"


@pytest.mark.parametrize("name", page_pairs())
def test_same_structure(name: str) -> None:
    files = {lang: DOCS / f"{name}.{lang}.md" for lang in LANGUAGES}
    if not all(f.exists() for f in files.values()):
        pytest.fail(f"page {name!r} exists in one language only (see test_page_exists...)")
    en, zh = (parse(f.read_text(encoding="utf-8")) for f in files.values())
    problems = []
    for level in range(1, 7):
        if en.headings[level] != zh.headings[level]:
            problems.append(f"h{level} headings: en {en.headings[level]}, zh {zh.headings[level]}")
    for lang, s in (("en", en), ("zh", zh)):
        if s.missing_ids:
            problems.append(f"{lang}: headings without an explicit {{ #id }}: {s.missing_ids}")
    if en.heading_ids != zh.heading_ids:
        problems.append(f"heading ids differ: en {en.heading_ids} vs zh {zh.heading_ids}")
    if len(en.code) != len(zh.code):
        problems.append(f"code blocks: en {len(en.code)}, zh {len(zh.code)}")
    for k, (a, b) in enumerate(zip(en.code, zh.code, strict=False)):
        if a != b:
            problems.append(f"code block {k + 1} differs:\n--- en\n{a}\n--- zh\n{b}")
    if en.images != zh.images:
        problems.append(f"images differ: en {en.images} vs zh {zh.images}")
    if en.links != zh.links:
        only_en, only_zh = en.links - zh.links, zh.links - en.links
        problems.append(f"internal links differ: only en {dict(only_en)}, only zh {dict(only_zh)}")
    if en.math_blocks != zh.math_blocks:
        problems.append(f"display formulas: en {en.math_blocks}, zh {zh.math_blocks}")
    assert not problems, f"docs/{name}.{{en,zh}}.md differ:\n" + "\n".join(problems)


def notebook_code_cells(path: Path) -> list[str]:
    """Code cells of a jupytext percent-format notebook (markdown cells are translated)."""
    cells = re.split(r"^# %%.*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    headers = re.findall(r"^# %%(.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [
        _markdown.strip_python_comments(body).strip()
        for head, body in zip(headers, cells[1:], strict=True)
        if "[markdown]" not in head
    ]


def notebook_pairs() -> list[str]:
    return sorted({p.name.rsplit(".", 2)[0] for p in (DOCS / "notebooks").glob("*.*.py")})


@pytest.mark.parametrize("name", notebook_pairs())
def test_notebooks_share_code(name: str) -> None:
    en, zh = (DOCS / "notebooks" / f"{name}.{lang}.py" for lang in LANGUAGES)
    assert en.exists() and zh.exists(), f"notebook {name!r} must exist as .en.py and .zh.py"
    # each notebook draws its figures in its own language: lang="en" in one, lang="zh" in the other
    a = [cell.replace('lang="en"', "lang=LANG") for cell in notebook_code_cells(en)]
    b = [cell.replace('lang="zh"', "lang=LANG") for cell in notebook_code_cells(zh)]
    assert a == b, f"code cells of docs/notebooks/{name}.{{en,zh}}.py differ"
    assert a, "a notebook without code cells"


def test_parser_sees_everything() -> None:
    """The checks above are only as good as the parser: check it on a known page."""
    sample = parse(
        "# T\n\n## A { #a }\n\n!!! note\n\n    ```python\n    x = 1\n    ```\n\n"
        "![f](assets/figures/x.svg)\n[l](other.md#s) [e](https://example.org)\n\n$$\nx\n$$\n"
        "### B\n"
    )
    assert sample.headings == Counter({1: 1, 2: 1, 3: 1})
    assert sample.heading_ids == ["a"] and sample.missing_ids == ["B"]
    assert sample.code == ["```python\nx = 1\n```"]
    assert sample.images == ["assets/figures/x.svg"]
    assert sample.links == Counter({"other.md#s": 1})
    assert sample.math_blocks == 1


def test_code_is_compared_without_comments() -> None:
    """Comments may be translated; code, outputs and strings may not."""
    en = parse("```python\nx = f('#a')  # call f\n# the result\nassert x == 1\n```\n")
    zh = parse("```python\nx = f('#a')  # 调用 f\n# 结果\nassert x == 1\n```\n")
    assert en.code == zh.code
    string = parse("```python\nx = f('#b')  # call f\n# the result\nassert x == 1\n```\n")
    assert string.code != en.code  # a '#' inside a string is code
    value = parse("```python\nx = f('#a')  # 调用 f\nassert x == 2\n```\n")
    assert value.code != zh.code
    session = "```pycon\n>>> g()  # {}\n{}\n```\n"
    assert parse(session.format("call", "3")).code == parse(session.format("调用", "3")).code
    assert parse(session.format("call", "3")).code != parse(session.format("call", "4")).code
    skipped = parse(session.format("doctest: +SKIP", "3")).code
    assert skipped != parse(session.format("call", "3")).code  # a directive is not a comment
    shell = "```bash\nmake {}  # {}\n```\n"
    translated = parse(shell.format("serve", "启动")).code
    assert parse(shell.format("serve", "serve it")).code == translated
    assert parse(shell.format("serve", "x")).code != parse(shell.format("test", "x")).code
    quoted = "```bash\necho '#{}' a#{}\n```\n"
    assert parse(quoted.format("1", "2")).code != parse(quoted.format("3", "2")).code
    assert parse(quoted.format("1", "2")).code != parse(quoted.format("1", "4")).code
    other = "```text\nmake serve  # {}\n```\n"
    assert parse(other.format("x")).code != parse(other.format("y")).code  # other blocks: as is


def test_per_language_figures_are_one_image() -> None:
    en = parse("![a](assets/figures/bn-lr.en.svg)\n![b](assets/figures/x.svg)\n")
    zh = parse("![a](assets/figures/bn-lr.zh.svg)\n![b](assets/figures/x.svg)\n")
    assert en.images == zh.images == ["assets/figures/bn-lr.svg", "assets/figures/x.svg"]
    missing = parse("![a](assets/figures/bn-lr.zh.svg)\n")
    assert missing.images != en.images
    other = parse("![a](assets/figures/bn-contrast.zh.svg)\n![b](assets/figures/x.svg)\n")
    assert other.images != en.images


def test_notebook_cells_compared_without_comments(tmp_path: Path) -> None:
    cell = "# %% [markdown]\n# {}\n\n# %%\nx = 1  # {}\nprint('#')\n"
    en, zh = tmp_path / "n.en.py", tmp_path / "n.zh.py"
    en.write_text(cell.format("Title", "one"), encoding="utf-8")
    zh.write_text(cell.format("标题", "一"), encoding="utf-8")
    assert notebook_code_cells(en) == notebook_code_cells(zh) == ["x = 1\nprint('#')"]
