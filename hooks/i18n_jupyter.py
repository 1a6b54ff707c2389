"""MkDocs hook: keep the notebooks pages when mkdocs-static-i18n re-creates the site's files.

Upstream issue: https://github.com/ultrabug/mkdocs-static-i18n/issues/198 (open). mkdocs-jupyter
wraps each notebook in a ``NotebookFile`` in its ``on_files`` (priority 0), which makes MkDocs
treat the ``.ipynb`` as a page. mkdocs-static-i18n's ``on_files`` (priority -100) then re-creates
every file as a plain MkDocs ``File`` with its language-aware destination
(``notebooks/sgd.zh.ipynb`` -> ``zh/notebooks/sgd/``), which drops the wrapper: the notebooks
would be copied as downloads instead of rendered.

So, after i18n's ``on_files``, this hook wraps each file that mkdocs-jupyter includes again, with
mkdocs-jupyter's own ``NotebookFile`` and its plugin's ``should_include``, and gives it back the
destination and URL i18n computed (``dest_uri``, ``abs_dest_path`` and ``url`` are public,
settable attributes of a MkDocs ``File``). i18n also took the notebook for an asset, so it did
not find the page's other languages: the hook gives it ``alternates`` (language -> that
language's file), the attribute i18n's language switcher reads, from i18n's documented layout
(the default language at the root, another under ``<locale>/``). That is the whole glue: no
patching.
``tests/test_i18n_jupyter.py`` fails when upstream changes what it relies on (i18n still
dropping the wrapper; the wrapper's constructor and attributes), so it can be removed the day
the issue is fixed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs_jupyter.plugin import NotebookFile
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin

sys.path.insert(0, str(Path(__file__).parent))
from _language import site_languages, url_language


def alternates(file: File, config: MkDocsConfig) -> dict[str, File]:
    """The notebook ``file`` (``notebooks/sgd.zh.ipynb``, served at ``zh/notebooks/sgd/``) in
    every language of the site, each at its own destination."""
    langs = site_languages(config)
    current = url_language(file.url, langs)
    stem, _locale, extension = file.src_uri.rsplit(".", 2)
    dest = file.dest_uri.removeprefix(f"{current}/") if current != langs[0] else file.dest_uri
    found = {}
    for lang in langs:
        found[lang] = File(
            f"{stem}.{lang}.{extension}",
            config.docs_dir,
            config.site_dir,
            config.use_directory_urls,
            dest_uri=dest if lang == langs[0] else f"{lang}/{dest}",
        )
    return found


def rewrap(file: File, jupyter: JupyterPlugin, config: MkDocsConfig) -> File:
    """``file`` as a notebook page, keeping its (language-aware) destination, when mkdocs-jupyter
    includes it; else ``file`` itself."""
    if isinstance(file, NotebookFile) or not jupyter.should_include(file):
        return file
    notebook = NotebookFile(file, config.use_directory_urls, config.site_dir)
    notebook.dest_uri = file.dest_uri
    notebook.abs_dest_path = file.abs_dest_path
    notebook.url = file.url
    notebook.alternates = alternates(file, config)
    return notebook


@event_priority(-150)  # after mkdocs-static-i18n's on_files (-100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    # In place (Files.remove/append): i18n's own Files subclass resolves the nav's paths.
    jupyter = config.plugins["mkdocs-jupyter"]
    for file in list(files):
        notebook = rewrap(file, jupyter, config)
        if notebook is not file:
            files.remove(file)
            files.append(notebook)
    return files
