"""MkDocs hook: make mkdocs-static-i18n and mkdocs-jupyter work together.

Upstream issue: https://github.com/ultrabug/mkdocs-static-i18n/issues/198 (open). Two effects:

1. i18n re-creates every file as a plain MkDocs ``File`` in its ``on_files`` (priority -100),
   which drops mkdocs-jupyter's ``NotebookFile`` wrapper: notebooks were copied raw instead of
   rendered, and the Chinese site got none. We wrap i18n's file factory so that a file that was
   a notebook page stays one, keeping i18n's language-aware destination and URL.
2. mkdocs-jupyter evicts every cache entry not used in the current build pass; i18n runs one
   pass per language, so each build re-executed every notebook. We drop that ``post_build``
   handler and instead key the cache folder on everything else that shapes a notebook's
   output (mkdocs-jupyter's own key covers the notebook and its options only): the ``dlnotes``
   sources, this file, and the versions of the packages in ``NOTEBOOK_PACKAGES`` (what the
   notebooks and ``dlnotes`` import, and what executes and renders them;
   ``tests/test_hooks.py`` checks the list against the imports). Folders for older keys are
   removed.

It also points ``DLNOTES_CACHE`` (see ``dlnotes.experiments.cached``) at ``.cache/experiments``
for the notebook kernels and the figure runs, in ``on_config``: only a build sets it, never a
test that merely imports this module.

Remove this file once the upstream issue is fixed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs_jupyter.plugin import NotebookFile
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin
from mkdocs_static_i18n import suffix

sys.path.insert(0, str(Path(__file__).parent))
from _shared import ROOT, sources_digest

# Distributions whose version changes what a notebook shows. Imported by the notebooks and by
# dlnotes (tests/test_hooks.py keeps this in step with the imports), and the toolchain that runs
# and renders them.
NOTEBOOK_PACKAGES = (
    "torch",
    "matplotlib",
    "scikit-learn",
    "numpy",
    "ipykernel",
    "nbconvert",
    "jupytext",
    "mkdocs-jupyter",
)


def notebook_key() -> str:
    """The cache key of every notebook output beyond the notebook itself and its options."""
    return sources_digest(Path(__file__).resolve(), packages=NOTEBOOK_PACKAGES)


_create_i18n_file = suffix.create_i18n_file


def _create_keeping_notebooks(file: File, *args: object, **kwargs: object) -> File:
    i18n_file = _create_i18n_file(file, *args, **kwargs)
    if not isinstance(file, NotebookFile):
        return i18n_file
    # Wrap without NotebookFile.__init__, which would recompute the destination from the
    # suffixed source name; i18n already computed the language-aware one.
    notebook = NotebookFile.__new__(NotebookFile)
    notebook.file = i18n_file
    notebook.dest_path = i18n_file.dest_path
    notebook.abs_dest_path = i18n_file.abs_dest_path
    notebook.url = i18n_file.url
    return notebook


suffix.create_i18n_file = _create_keeping_notebooks


@event_priority(-200)  # after every plugin has registered its handlers
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Each experiment runs once per version of its code, in notebooks and figures alike.
    os.environ.setdefault("DLNOTES_CACHE", str(ROOT / ".cache" / "experiments"))
    jupyter = next(p for p in config.plugins.values() if isinstance(p, JupyterPlugin))
    # (2) keep cache entries across the per-language build passes
    events = config.plugins.events["post_build"]
    events[:] = [h for h in events if getattr(h, "__self__", None) is not jupyter]
    # ... and key the cache on the package sources
    base = ROOT / ".cache" / "mkdocs-jupyter"
    current = base / notebook_key()
    if base.is_dir():
        for old in base.iterdir():
            if old != current:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
    jupyter.config["cache_dir"] = str(current)
    return config
