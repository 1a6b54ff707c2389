"""MkDocs hook: the API reference, one page per public module, generated from the package.

The public modules of ``dlnotes`` are every module and package under ``src/dlnotes`` whose
dotted name has no part starting with ``_`` (:func:`public_modules`). Each has one page per
language, named after it (:func:`module_page`): the package itself is the API index,
``docs/api.<lang>.md``; ``dlnotes.norm`` is ``docs/api/norm.<lang>.md``,
``dlnotes.experiments.sgd`` is ``docs/api/experiments/sgd.<lang>.md``. A page holds its title
and the ``<!-- api-reference -->`` marker, which becomes the module's reference, rendered by
mkdocstrings from its docstrings; on the index page it is preceded by a table of the modules,
each linked to its page. (The single page of every module weighed 817 KB of HTML and 23,000
DOM elements; a phone parsed all of it to read one function.)

A public module without its page, a page under ``docs/api/`` without its module, or a page
without the marker fails the build (``on_config``): the hook keeps no list of modules, the
pages and the nav are checked against the package (``tests/test_api.py``).

The docstrings are English. A page in another language introduces its module with the
module's own ``__doc_<lang>__`` string (``__doc_zh__``: a few sentences written in Chinese, not
translated docstrings), then labels the rendered docstrings as English (``lang="en"`` and a
visible note). The string lives in the module, next to the docstring it introduces, so a new
module is reviewed in both languages in one diff; a public module without it fails the build
(and ``tests/test_api.py``). It is read from the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from _language import page_language
from _shared import ROOT, languages, site_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "<!-- api-reference -->"
SRC = ROOT / "src"
PACKAGE = "dlnotes"
# The folder of the module pages under docs/, and the package's own page (the API index).
FOLDER = "api"
# The visible label above docstrings shown on a page in another language.
ENGLISH_LABEL = {"zh": "以下接口文档为英文原文，直接取自源码中的文档字符串（docstring）。"}
# The line that links a module's source file in the repository (the pages do not embed the
# sources: with them the one API page weighed 3.2 MB, two thirds of it in collapsed listings).
SOURCE_LABEL = {"en": "Source", "zh": "源码"}
# The header of the index's table of modules.
INDEX_HEADER = {"en": ("Module", "What it holds"), "zh": ("模块", "内容")}
# The index page's two headings: the table of modules, the package's own reference.
INDEX_HEADINGS = {"en": ("Modules", "The package `dlnotes`"), "zh": ("模块", "`dlnotes` 包本身")}


def public_modules(src: Path = SRC, package: str = PACKAGE) -> Iterator[tuple[str, Path]]:
    """``(dotted name, source file)`` of every public module of the package, package first."""
    found = []
    for path in (src / package).rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            found.append((parts, path))
    for parts, path in sorted(found):
        yield ".".join(parts), path


def module_page(name: str) -> str:
    """The page of a module, as a docs path without the language suffix.

    >>> module_page("dlnotes"), module_page("dlnotes.norm")
    ('api.md', 'api/norm.md')
    >>> module_page("dlnotes.experiments.sgd")
    'api/experiments/sgd.md'
    """
    parts = name.split(".")[1:]
    return f"{FOLDER}.md" if not parts else "/".join([FOLDER, *parts]) + ".md"


def page_module(page: str, package: str = PACKAGE) -> str | None:
    """The module a page (docs path without the language suffix) documents, or None.

    >>> page_module("api.md"), page_module("api/experiments/sgd.md"), page_module("sgd.md")
    ('dlnotes', 'dlnotes.experiments.sgd', None)
    """
    path = PurePosixPath(page)
    if path == PurePosixPath(f"{FOLDER}.md"):
        return package
    if path.parts[0] != FOLDER or path.suffix != ".md":
        return None
    return ".".join([package, *path.with_suffix("").parts[1:]])


def module_string(path: Path, name: str) -> str | None:
    """The string assigned to ``name`` at the top level of a module, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return inspect.cleandoc(node.value.value)
    return None


def introduction(path: Path, name: str, lang: str) -> str:
    """The module's ``__doc_<lang>__``; a public module without it fails the build."""
    intro = module_string(path, f"__doc_{lang}__")
    if not intro:
        raise PluginError(
            f"{path}: public module {name} has no __doc_{lang}__, the "
            f"introduction of its API page on the {lang} pages"
        )
    return intro


def summary(path: Path, name: str, lang: str, default: str) -> str:
    """One line on what the module holds: its docstring's first paragraph, or in another
    language the first clause of its introduction (up to the first full stop or colon).

    >>> summary(SRC / "dlnotes" / "optim" / "__init__.py", "dlnotes.optim", "zh", "en")
    '从零实现的 SGD 及其改进。'
    """
    if lang == default:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        return " ".join(doc.split("\n\n")[0].split())
    clause = re.split(r"[。：]", introduction(path, name, lang), maxsplit=1)[0]
    return " ".join(clause.split()) + "。"


def module_markdown(
    name: str, path: Path, lang: str, default: str, src: Path = SRC, repo_url: str | None = None
) -> str:
    """The reference of one module in ``lang``; with ``repo_url``, a link to its source."""
    lines = []
    if repo_url:
        file = path.relative_to(src.parent).as_posix()
        label = SOURCE_LABEL.get(lang, SOURCE_LABEL["en"])
        lines += [f"{label}: [`{file}`]({repo_url.rstrip('/')}/blob/main/{file})", ""]
    directive = [
        f"::: {name}",
        "    options:",
        "      show_root_heading: false",
        "      heading_level: 2",
    ]
    if lang != default:
        lines += [introduction(path, name, lang), ""]
        lines += [f'<p class="api-docstring-language">{ENGLISH_LABEL[lang]}</p>', ""]
        lines += ['<div lang="en" markdown="block">', "", *directive, "", "</div>"]
    else:
        lines += directive
    return "\n".join(lines) + "\n"


def index_markdown(lang: str, default: str, src: Path = SRC, package: str = PACKAGE) -> str:
    """The index's table: every public module but the package, linked to its page.

    Links are relative to the index page (``docs/api.<lang>.md``).
    """
    module, holds = INDEX_HEADER.get(lang, INDEX_HEADER["en"])
    rows = [f"| {module} | {holds} |", "|---|---|"]
    for name, path in public_modules(src, package):
        if name != package:
            link = f"[`{name}`]({module_page(name)})"
            rows.append(f"| {link} | {summary(path, name, lang, default)} |")
    return "\n".join(rows) + "\n"


def page_markdown(
    page: str, lang: str, default: str, src: Path = SRC, repo_url: str | None = None
) -> str:
    """What the marker of ``page`` (docs path without the language suffix) becomes."""
    name = page_module(page)
    modules = dict(public_modules(src))
    if name not in modules:
        raise PluginError(f"docs/{page}: the API marker is on a page of no public module")
    text = module_markdown(name, modules[name], lang, default, src, repo_url)
    if name == PACKAGE:
        modules_title, package_title = INDEX_HEADINGS.get(lang, INDEX_HEADINGS["en"])
        return "\n".join(
            [
                f"## {modules_title} {{ #modules }}",
                "",
                index_markdown(lang, default, src),
                f"## {package_title} {{ #package }}",
                "",
                text,
            ]
        )
    return text


def page_source(docs: Path, page: str, lang: str) -> Path:
    """The source file of ``page`` in ``lang`` (suffix structure: ``api/norm.zh.md``)."""
    return docs / f"{page.removesuffix('.md')}.{lang}.md"


def layout_problems(docs: Path, langs: tuple[str, ...], src: Path = SRC) -> list[str]:
    """Public modules without a page (or a marker) in a language; API pages of no module."""
    problems = []
    names = {name for name, _ in public_modules(src)}
    for name in sorted(names):
        for lang in langs:
            file = page_source(docs, module_page(name), lang)
            if not file.is_file():
                problems.append(f"{name} has no API page {file.relative_to(docs)}")
            elif MARKER not in file.read_text(encoding="utf-8"):
                problems.append(f"{file.relative_to(docs)} has no {MARKER} marker")
    suffixes = tuple(f".{lang}.md" for lang in langs)
    for file in sorted((docs / FOLDER).rglob("*.md")):
        relative = file.relative_to(docs).as_posix()
        page = next((relative[: -len(s)] + ".md" for s in suffixes if relative.endswith(s)), None)
        if page is None or page_module(page) not in names:
            problems.append(f"docs/{relative} documents no public module of {PACKAGE}")
    return problems


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    langs = languages(site_config(config.config_file_path))
    problems = layout_problems(Path(config.docs_dir), langs)
    if problems:
        raise PluginError("API pages and the package disagree:\n  " + "\n  ".join(problems))
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    langs = languages(site_config(config.config_file_path))
    lang = page_language(page, config)
    source = page.file.src_uri.replace(f".{lang}.md", ".md")
    replacement = page_markdown(source, lang, langs[0], repo_url=config.repo_url)
    return markdown.replace(MARKER, replacement)
