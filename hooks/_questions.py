"""The site's questions, read from ``docs/questions.yml``, the one registry of questions.

Not a hook itself (mkdocs.yml does not list it). Each question has one name, its ``slug``
(``conv-pool``): the page, the notebook, the experiments module (``conv_pool``, the slug with
``_``, :attr:`Question.topic`), its tests and the benchmark cases all use it. The ``module`` is
the ``dlnotes`` module it implements, named as in PyTorch (``conv``). The Performance page
(hooks/performance.py) orders and titles its sections from here; the tests check the nav, the
home table, the cheat sheet, the glossary, the test files and the benchmark cases against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "docs" / "questions.yml"
KEYS = {"slug", "number", "module", "title"}


@dataclass(frozen=True)
class Question:
    """One question of the registry.

    Attributes:
        slug: The page name, ``"conv-pool"`` for ``docs/conv-pool.{en,zh}.md``.
        number: Its number in the source article.
        module: The ``dlnotes`` module it implements (``"conv"`` for ``dlnotes.conv``).
        title: Its title per language, as the nav shows it.
    """

    slug: str
    number: int
    module: str
    title: dict[str, str]

    @property
    def topic(self) -> str:
        """The slug as a Python name: the experiments module and the benchmark cases module."""
        return self.slug.replace("-", "_")


def questions(path: Path = REGISTRY) -> list[Question]:
    """The registry's questions, in the site's order (the file is parsed once per version).

    Raises:
        ValueError: an entry lacks a key or has an unknown one, or a slug, module or number is
            used twice.

    >>> [q.slug for q in questions()][:2]
    ['batch-norm', 'conv-pool']
    """
    return _parse(path, path.stat().st_mtime_ns)


def slugs(path: Path = REGISTRY) -> list[str]:
    """The questions' slugs, in order."""
    return [q.slug for q in questions(path)]


def by_slug(path: Path = REGISTRY) -> dict[str, Question]:
    return {q.slug: q for q in questions(path)}


@lru_cache(maxsize=4)
def _parse(path: Path, mtime_ns: int) -> list[Question]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path.name}: expected a list of questions")
    found = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != KEYS:
            got = sorted(entry) if isinstance(entry, dict) else entry
            raise ValueError(f"{path.name}: entry {i} must have the keys {sorted(KEYS)}, got {got}")
        if not isinstance(entry["title"], dict):
            raise ValueError(f"{path.name}: {entry['slug']}: title must map language -> title")
        found.append(
            Question(str(entry["slug"]), int(entry["number"]), str(entry["module"]), entry["title"])
        )
    for field in ("slug", "module", "number"):
        values = [getattr(q, field) for q in found]
        twice = sorted({str(v) for v in values if values.count(v) > 1})
        if twice:
            raise ValueError(f"{path.name}: {field} used by more than one question: {twice}")
    return found
