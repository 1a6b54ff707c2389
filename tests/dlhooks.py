"""Load a MkDocs hook module (``hooks/<name>.py``) in a test, the way MkDocs loads it.

The hooks are files, not a package: MkDocs imports each by path with ``hooks/`` on
``sys.path`` while it runs, so a hook can import its siblings (``_shared``, ``_markdown``).
A hook's plain name could clash with another module (MkDocs itself registers each hook in
``sys.modules`` under its file name); here every hook gets the unique module name
``dlnotes_hooks.<name>``. No hook may share its name with a top-level package of this repository
(``hooks/benchmarks.py`` once shadowed ``benchmarks/`` after an in-process MkDocs config load).
The hooks' private helpers (``_shared``, ``_markdown``) are imported under their own names,
as the hooks import them, so a test and a hook share one module object.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HOOKS = Path(__file__).resolve().parent.parent / "hooks"


def load_hook(name: str) -> ModuleType:
    """``hooks/<name>.py`` as a module (loaded once per session)."""
    if str(HOOKS) not in sys.path:
        sys.path.append(str(HOOKS))  # the hooks' own imports of _shared, _markdown
    if name.startswith("_"):
        return importlib.import_module(name)
    module_name = f"dlnotes_hooks.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = HOOKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
