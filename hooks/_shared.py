"""Helpers shared by the MkDocs hooks (not a hook itself: mkdocs.yml does not list it)."""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources_digest() -> str:
    """Hash of every file under src/dlnotes and of the torch version, without importing torch.

    Notebook outputs and figures depend on nothing else in the repository, so an unchanged
    digest means both can be reused as they are.
    """
    digest = hashlib.sha256(f"torch {version('torch')}".encode())
    for path in sorted((ROOT / "src" / "dlnotes").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
