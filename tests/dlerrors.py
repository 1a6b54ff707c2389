"""``raises_naming``: error tests pin the exception type and what the message names, not its
wording (the developers' guide: bad input gets a ValueError/TypeError naming the argument and
the expected shape)."""

from __future__ import annotations

import re
from typing import Any

import pytest


def _named(name: str) -> str:
    """A lookahead for ``name`` as a whole token: ``input`` is not found in ``input_size``."""
    before = r"(?<![\w.])" if re.match(r"\w", name) else ""
    after = r"(?!\w)" if re.search(r"\w$", name) else ""
    return rf"(?=.*{before}{re.escape(name)}{after})"


def raises_naming(error: type[BaseException] | tuple[type[BaseException], ...], *names: str) -> Any:
    """``pytest.raises(error)`` whose message names each of ``names`` (an argument such as
    ``running_mean``, an expected shape such as ``(N, C, H, W)``), in any order and wording
    (checked in tests/test_bad_input.py).
    """
    assert names, "name at least the argument"
    return pytest.raises(error, match="(?s)" + "".join(_named(name) for name in names))
