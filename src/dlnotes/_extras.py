"""Optional dependencies: a clear error naming the extra to install when one is missing.

The package itself needs only torch. The seeded experiments (``dlnotes.experiments``) also need
scikit-learn (its bundled digits data) and matplotlib (the figures): the ``experiments`` extra.
"""

from __future__ import annotations

import importlib.util

# extra -> {module imported: distribution to install}
EXTRAS = {"experiments": {"sklearn": "scikit-learn", "matplotlib": "matplotlib"}}


def require(extra: str) -> None:
    """Raise unless every module of ``extra`` can be imported (nothing is imported here).

    Args:
        extra: A key of :data:`EXTRAS`, e.g. ``"experiments"``.

    Raises:
        ValueError: if ``extra`` is not one of :data:`EXTRAS`.
        ModuleNotFoundError: naming the missing distributions and the command
            to install them: ``pip install`` and the missing distributions (what the
            ``<extra>`` extra of the ``dlnotes-interview`` distribution installs).

    Examples:
        >>> from dlnotes._extras import require
        >>> require("experiments")  # scikit-learn and matplotlib are installed here
        >>> require("plots")
        Traceback (most recent call last):
        ...
        ValueError: extra must be one of ['experiments'], got 'plots'
    """
    if extra not in EXTRAS:
        raise ValueError(f"extra must be one of {[*EXTRAS]}, got {extra!r}")
    missing = [
        distribution
        for module, distribution in EXTRAS[extra].items()
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        raise ModuleNotFoundError(
            f"dlnotes.{extra} needs {' and '.join(EXTRAS[extra].values())}; not installed: "
            f"{', '.join(missing)}. Install them with: pip install {' '.join(missing)} "
            f'(the "{extra}" extra of the dlnotes-interview distribution)',
            name=next(m for m, d in EXTRAS[extra].items() if d == missing[0]),
        )
