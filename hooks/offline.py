"""MkDocs hook: the offline copy (``make offline``) searches in every language, with no request
to another host.

Material's built-in ``offline`` plugin (switched on by ``DLNOTES_OFFLINE=true``, see mkdocs.yml)
turns ``use_directory_urls`` off and copies ``search/search_index.json`` into a script,
``search/search_index.js``, which Material's search loads from ``file://`` instead of fetching
the JSON. Two things of that plugin do not fit this site:

- It adds the iframe-worker shim (a Worker cannot start from a ``file:`` URL) from unpkg.com to
  ``extra.polyfills``, unless a polyfill whose URL names ``iframe-worker`` is there already. So,
  before it (priority 100), this hook puts the copy vendored from npm
  (``docs/assets/iframe-worker``, ``scripts/vendor-iframe-worker.sh``) there.
- Its script is written at priority -100, before ``hooks/search.py`` (-200) splits the index per
  language: the script held both languages' pages and ``zh/search/`` had none. After the split
  (priority -300), this hook writes the script next to each language's index, in the plugin's
  own format (``var __index = <the JSON>``).

Both rely on Material's code, not its documentation (CONTRIBUTING.md, "Other packages' API"):
tests/browser/test_offline.py fails when the shim is fetched from another host or when a
query in either language finds nothing from ``file://``. Without the offline plugin on, this
hook does nothing.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority

SHIM = "assets/iframe-worker/shim.js"


def offline_enabled(config: MkDocsConfig) -> bool:
    plugin = config.plugins.get("material/offline")
    return bool(plugin is not None and plugin.config.enabled)


@event_priority(100)  # before the offline plugin's on_config adds unpkg.com's copy
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if offline_enabled(config):
        config.extra["polyfills"] = [SHIM]
    return config


@event_priority(-300)  # after hooks/search.py split the index per language (-200)
def on_post_build(config: MkDocsConfig) -> None:
    if not offline_enabled(config):
        return
    for index in Path(config.site_dir).glob("**/search/search_index.json"):
        script = index.with_name("search_index.js")
        script.write_text("var __index = " + index.read_text("utf-8"), encoding="utf-8")
