"""MkDocs hook: the API reference, generated from the package (no hand-kept module list).

The ``<!-- api-reference -->`` marker of ``docs/api.<lang>.md`` becomes one section per public
module of ``dlnotes`` (every module and package under ``src/dlnotes`` whose dotted name has no
part starting with ``_``), in package order, each rendered by mkdocstrings from its docstrings.

The docstrings are English. A page in another language introduces each module with the
module's own ``__doc_<lang>__`` string (``__doc_zh__``: a few sentences written in Chinese, not
translated docstrings), then labels the rendered docstrings as English (``lang="en"`` and a
visible note). The string lives in the module, next to the docstring it introduces, so a new
module is reviewed in both languages in one diff; a public module without it fails the build
(and ``tests/test_api.py``). It is read from the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

from _language import page_language
from _shared import ROOT, languages, site_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "<!-- api-reference -->"
SRC = ROOT / "src"
PACKAGE = "dlnotes"
# The visible label above docstrings shown on a page in another language.
ENGLISH_LABEL = {"zh": "以下接口文档为英文原文，直接取自源码中的文档字符串（docstring）。"}
# The line that links a module's source file in the repository (the page does not embed the
# sources: with them the API page weighed 3.2 MB, two thirds of it in collapsed listings).
SOURCE_LABEL = {"en": "Source", "zh": "源码"}


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


def api_markdown(lang: str, default: str, src: Path = SRC, repo_url: str | None = None) -> str:
    """The generated sections of the API page in ``lang``; with ``repo_url``, a source link each."""
    sections = []
    for name, path in public_modules(src):
        lines = [f"## `{name}` {{ #{name.replace('.', '-')} }}", ""]
        if repo_url:
            file = path.relative_to(src.parent).as_posix()
            label = SOURCE_LABEL.get(lang, SOURCE_LABEL["en"])
            lines += [f"{label}: [`{file}`]({repo_url.rstrip('/')}/blob/main/{file})", ""]
        options = ["    options:", "      show_root_heading: false", "      heading_level: 3"]
        directive = [f"::: {name}", *options]
        if lang != default:
            intro = module_string(path, f"__doc_{lang}__")
            if not intro:
                raise PluginError(
                    f"{path}: public module {name} has no __doc_{lang}__, the "
                    f"introduction of its API section on the {lang} pages"
                )
            lines += [intro, "", f'<p class="api-docstring-language">{ENGLISH_LABEL[lang]}</p>']
            lines += ["", '<div lang="en" markdown="block">', "", *directive, "", "</div>"]
        else:
            lines += directive
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    langs = languages(site_config(config.config_file_path))
    lang = page_language(page, config)
    return markdown.replace(MARKER, api_markdown(lang, langs[0], repo_url=config.repo_url))
