"""Every public module's namespace holds its API and nothing else a reader would tab-complete.

The validation helpers (``dlnotes._validation``) are imported as the private module ``_v``;
``dir(module)`` lists ``__all__`` (plus dunders), so tab completion shows the API only.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import dlnotes

MODULES = ["dlnotes"] + [
    info.name
    for info in pkgutil.walk_packages(dlnotes.__path__, "dlnotes.")
    if not any(part.startswith("_") for part in info.name.split("."))
]


def _submodules(module: types.ModuleType) -> set[str]:
    """The package's own submodules bound in its namespace (the import system puts them there)."""
    prefix = module.__name__ + "."
    return {
        name
        for name, value in vars(module).items()
        if isinstance(value, types.ModuleType) and value.__name__ == prefix + name
    }


def test_every_public_module_is_found() -> None:
    assert {
        "dlnotes.norm",
        "dlnotes.conv",
        "dlnotes.rnn",
        "dlnotes.resnet",
        "dlnotes.optim",
    } <= set(MODULES)
    assert "dlnotes.experiments.sgd" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_dir_is_all(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    public = {n for n in dir(module) if not n.startswith("_")} - _submodules(module)
    assert public == set(module.__all__), sorted(public ^ set(module.__all__))
    assert len(module.__all__) == len(set(module.__all__)), f"{name}: __all__ has duplicates"
    for export in module.__all__:
        assert hasattr(module, export), f"{name}.__all__ names {export}, which it lacks"


LIBRARY = [name for name in MODULES if not name.startswith("dlnotes.experiments")]


@pytest.mark.parametrize("name", LIBRARY)
def test_no_dlnotes_name_outside_all_is_public(name: str) -> None:
    """dir() aside: no helper of the library sits in its namespace under a public name.

    The experiment modules share one kit (``seeded``, ``train``, ``load_digits_split``) and
    name its parts where they use them; the library modules import nothing public of ours.
    """
    module = importlib.import_module(name)
    leaked = sorted(
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and attr not in module.__all__
        and attr not in _submodules(module)
        and str(getattr(value, "__module__", "")).startswith("dlnotes")
    )
    assert not leaked, f"{name}: {leaked} are dlnotes names outside __all__; import them privately"


def test_validation_helpers_are_not_importable_from_modules() -> None:
    for name in ("dlnotes.norm", "dlnotes.conv", "dlnotes.rnn", "dlnotes.resnet", "dlnotes.optim"):
        module = importlib.import_module(name)
        for helper in ("check_int", "check_tensor", "check_bool", "check_number", "ntuple"):
            assert not hasattr(module, helper), f"{name}.{helper}"
