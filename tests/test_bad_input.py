"""One contract for bad input, tested by generation: every public callable, found by itself.

Every function and class in ``__all__`` of ``dlnotes.norm``, ``.conv``, ``.rnn``, ``.resnet``
and ``.optim`` (a class: its constructor and, for a module, its ``forward``) is called with
arguments drawn by hypothesis: plausible values for most parameters and, for one of them, a bad
one (a string, None, −3, 0, NaN, a float for an int, a list, a 0-d, 1-d, integer, empty or 5-d
tensor). The call must either

* raise ``TypeError`` or ``ValueError`` whose message names one of the call's arguments
  (anything else is a *leak*: a bare ``RuntimeError`` from inside torch, an ``IndexError`` ...), or
* be accepted where torch's counterpart of the same name (``torch.nn.functional``,
  ``torch.nn``, ``torch.optim``, ``torch.optim.lr_scheduler``) accepts the same input too, with
  the same result for a function returning tensors.

A generator function fails at the call: it is advanced once, and a TypeError/ValueError raised
only then is a failure (the reader meets it far from the call). A new public callable is covered
without listing it: ``CALLABLES`` reads ``__all__``.

``BAD_INPUT_TALLY=1 python tests/test_bad_input.py`` counts every outcome instead of failing
(derandomized: the same draws each run) and prints the tally: calls, clear errors, leaks, lazy
generators, accepted as torch does, accepted where torch has no counterpart, rejected where torch
accepts (our constructors check what torch checks only at the first forward or step, or never:
``bias="x"``, a tensor ``kernel_size``). ``BAD_INPUT_SHOW=1`` prints each leak and rejection.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import importlib
import inspect
import math
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from dlerrors import raises_naming
from dlhooks import load_hook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from dlnotes import conv, norm, optim, resnet, rnn

# the dlnotes module of every question (docs/questions.yml): a new question's module is covered
MODULES = [question.module for question in load_hook("_questions").questions()]
CLEAR = (TypeError, ValueError)


def _discover() -> list[tuple[str, str, Any]]:
    found = []
    for module_name in MODULES:
        module = importlib.import_module(f"dlnotes.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append((module_name, name, obj))
    return found


CALLABLES = _discover()
IDS = [f"{module}.{name}" for module, name, _ in CALLABLES]


def torch_counterpart(name: str, obj: Any) -> Any:
    """torch's object of the same name, if any (F.conv2d, nn.Conv2d, torch.optim.Adam ...)."""
    places = (
        [torch.nn, torch.optim, torch.optim.lr_scheduler]
        if inspect.isclass(obj)
        else [F, torch.nn.utils]
    )
    for place in places:
        if hasattr(place, name):
            return getattr(place, name)
    return None


# ----------------------------------------------------------------------------- drawing arguments


def _one_dim_as_tuple(kwargs: dict[str, Any]) -> dict[str, Any]:
    shape = kwargs.get("normalized_shape")
    if isinstance(shape, int) and not isinstance(shape, bool):
        return {**kwargs, "normalized_shape": (shape,)}
    return kwargs


# Where we chose to differ from torch, torch's counterpart is called with the input it would need:
# layer_norm takes an int for one dimension, as nn.LayerNorm does (F.layer_norm wants a tuple).
TORCH_ARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "norm.layer_norm()": _one_dim_as_tuple,
}


def _bad_values() -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [
            "x",
            None,
            -3,
            0,
            math.nan,
            2.5,
            [1, 2],
            "tensor0d",
            "tensor1d",
            "tensor_int",
            "tensor_empty",
            "tensor5d",
            "tensor_nan",
        ]
    )


def _materialize(value: Any) -> Any:
    """Bad tensors are drawn as tags (hypothesis shows them) and built fresh for each call."""
    tensors = {
        "tensor0d": lambda: torch.tensor(1.0),
        "tensor1d": lambda: torch.randn(5),
        "tensor_int": lambda: torch.randint(0, 3, (2, 3, 4, 4)),
        "tensor_empty": lambda: torch.randn(0, 3, 4, 4),
        "tensor5d": lambda: torch.randn(1, 2, 1, 2, 3),
        "tensor_nan": lambda: torch.full((2, 3, 4, 4), math.nan),
    }
    return tensors[value]() if isinstance(value, str) and value in tensors else value


@st.composite
def _tensors(draw: st.DrawFn) -> torch.Tensor:
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    return torch.randn(shape, generator=generator)


def _plausible(name: str, param: inspect.Parameter) -> st.SearchStrategy[Any]:
    """A value of the right type for a parameter, from its name and annotation."""
    text = str(param.annotation)
    if name == "params" or name == "parameters":
        return st.builds(lambda: [nn.Parameter(torch.randn(3))])
    if name == "optimizer":
        return st.builds(lambda: torch.optim.SGD([nn.Parameter(torch.randn(3))], lr=0.1))
    if name in ("model", "bn"):
        return st.builds(lambda: nn.Sequential(nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2)).eval())
    if name == "block":
        return st.sampled_from(
            [obj for _, n, obj in CALLABLES if n in ("BasicBlock", "Bottleneck")]
        )
    if name in ("layers", "widths"):
        return st.lists(st.integers(1, 2), min_size=1, max_size=3)
    if name == "generator":
        return st.builds(lambda: torch.Generator().manual_seed(0))
    if name in ("device", "dtype", "norm_layer"):
        return st.just(param.default) if param.default is not inspect.Parameter.empty else st.none()
    if "Tensor" in text:
        return _tensors()
    if "bool" in text and "int" not in text:
        return st.booleans()
    if "int" in text:
        return st.integers(1, 3)
    if "float" in text:
        return st.floats(0.0, 1.0)
    if param.default is not inspect.Parameter.empty:
        return st.just(param.default)
    return _tensors()


def _parameters(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    return [
        p
        for name, p in inspect.signature(fn).parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


@st.composite
def _call(draw: st.DrawFn, fn: Callable[..., Any]) -> dict[str, Any]:
    """Keyword arguments: plausible values (or defaults) and one bad value."""
    params = _parameters(fn)
    kwargs: dict[str, Any] = {}
    bad = draw(st.sampled_from([p.name for p in params])) if params else None
    for p in params:
        if p.name == bad:
            kwargs[p.name] = draw(_bad_values())
        elif p.default is inspect.Parameter.empty or draw(st.booleans()):
            kwargs[p.name] = draw(_plausible(p.name, p))
    return kwargs


# ----------------------------------------------------------------------------- calling


TALLY: collections.Counter[str] = collections.Counter()
# BAD_INPUT_TALLY=1: count every outcome instead of failing at the first (the "before" table)
TALLY_ONLY = bool(os.environ.get("BAD_INPUT_TALLY"))


def _fresh(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Each side gets its own copies (in-place ops, running stats)."""
    return {k: copy.deepcopy(v) for k, v in kwargs.items()}


def _outcome(fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[str, Any]:
    """("ok", result), ("clear", exc), ("late", exc) for a lazy generator, ("leak", exc)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(**kwargs)
    except CLEAR as exc:
        return "clear", exc
    except Exception as exc:  # anything else is what the test looks for
        return "leak", exc
    if isinstance(result, Iterator) and inspect.isgenerator(result):
        try:
            next(result, None)
        except CLEAR as exc:
            return "late", exc
        except Exception as exc:
            return "leak", exc
    return "ok", result


def _same_result(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, torch.Tensor) and isinstance(theirs, torch.Tensor):
        return ours.shape == theirs.shape and torch.allclose(
            ours.detach().double(), theirs.detach().double(), atol=1e-4, equal_nan=True
        )
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return len(ours) == len(theirs) and all(map(_same_result, ours, theirs))
    return True  # modules, optimizers, ints: acceptance is what is compared here


def _show(label: str, kind: str, kwargs: dict, value: object) -> None:
    """Under ``BAD_INPUT_SHOW=1``, print one call: its arguments (tensors by shape) and outcome."""
    if not os.environ.get("BAD_INPUT_SHOW"):
        return
    summary = {
        k: v
        if isinstance(v, (int, float, str))
        else (tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__)
        for k, v in kwargs.items()
    }
    print(label, kind, summary, repr(value)[:150])


def check(kind: str, fn: Callable[..., Any], counterpart: Any, kwargs: dict[str, Any]) -> None:
    """Call ours (and torch's); tally the outcome; fail on a leak or a lazy failure."""
    kwargs = {k: _materialize(v) for k, v in kwargs.items()}  # the same tensors for both
    status, value = _outcome(fn, _fresh(kwargs))
    TALLY["calls"] += 1
    if status == "leak":
        TALLY["leaks"] += 1
        TALLY[f"leak: {kind} {type(value).__name__}"] += 1
        _show("LEAK", kind, kwargs, value)
        if TALLY_ONLY:
            return
        raise AssertionError(f"{kind}: {type(value).__name__} leaked: {value}")
    if status == "late":
        TALLY["late"] += 1
        TALLY[f"late: {kind}"] += 1
        if TALLY_ONLY:
            return
        raise AssertionError(f"{kind}: a generator that fails at next(), not at the call: {value}")
    theirs_status, theirs = ("none", None)
    if counterpart is not None:
        adapt = TORCH_ARGS.get(kind, lambda kw: kw)
        theirs_status, theirs = _outcome(counterpart, adapt(_fresh(kwargs)))
    if status == "clear":
        TALLY["clear errors"] += 1
        named = [name for name in kwargs if name.lower() in str(value).lower()]
        if not named:
            TALLY[f"unnamed: {kind} {value}"] += 1
            if not TALLY_ONLY:
                raise AssertionError(
                    f"{kind}: {value!r} names none of the arguments {list(kwargs)}"
                )
        if theirs_status == "ok":
            TALLY["rejected where torch accepts"] += 1
            TALLY[f"rejected where torch accepts: {kind} {type(value).__name__}"] += 1
            _show("REJ", kind, kwargs, value)
        return
    if counterpart is None:
        TALLY["accepted (no torch counterpart)"] += 1
        return
    if theirs_status != "ok":
        TALLY["accepted where torch rejects"] += 1
        TALLY[f"accepted where torch rejects: {kind}"] += 1
        if TALLY_ONLY:
            return
        raise AssertionError(f"{kind}: accepted {kwargs}, torch raised {theirs!r}")
    TALLY["accepted as torch does"] += 1
    if kind.endswith("()") and not _same_result(value, theirs):
        TALLY[f"different result: {kind}"] += 1
        if TALLY_ONLY:
            return
        raise AssertionError(f"{kind}: accepted like torch, but a different result")


def _instance(cls: type, counterpart: Any, kwargs: dict[str, Any]) -> tuple[Any, Any] | None:
    """A constructed module (and torch's, built from the same arguments), or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.manual_seed(0)
            ours = cls(**_fresh({k: _materialize(v) for k, v in kwargs.items()}))
        except Exception:  # an invalid construction: tested above
            return None
        theirs = None
        if counterpart is not None:
            with contextlib.suppress(Exception):
                torch.manual_seed(0)
                theirs = counterpart(**_fresh(kwargs))
                theirs.load_state_dict(ours.state_dict())
    return ours, theirs


# BAD_INPUT_EXAMPLES=200: a longer hunt than the suite's few seconds
EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "12"))


@pytest.mark.parametrize(("module", "name", "obj"), CALLABLES, ids=IDS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=TALLY_ONLY,
    database=None if TALLY_ONLY else settings().database,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_bad_input_raises_type_or_value_error(
    module: str, name: str, obj: Any, data: st.DataObject
) -> None:
    counterpart = torch_counterpart(name, obj)
    if inspect.isfunction(obj):
        check(f"{module}.{name}()", obj, counterpart, data.draw(_call(obj), label="kwargs"))
        return
    check(f"{module}.{name}", obj, counterpart, data.draw(_call(obj.__init__), label="init"))
    if issubclass(obj, nn.Module):
        # forward: a module built from plausible arguments, then bad input to forward
        ctor = {
            p.name: data.draw(_plausible(p.name, p))
            for p in _parameters(obj.__init__)
            if p.default is inspect.Parameter.empty
        }
        built = _instance(obj, counterpart, ctor)
        if built is None:
            return
        ours, theirs = built
        forward_torch = theirs.forward if theirs is not None else None
        check(
            f"{module}.{name}.forward",
            ours.forward,
            forward_torch,
            data.draw(_call(ours.forward), label="forward"),
        )


if __name__ == "__main__":  # the tally for the issue's table
    import sys

    code = pytest.main([__file__, "-q", "-n", "0", "-p", "no:cacheprovider", *sys.argv[1:]])
    tested = next(
        m
        for m in list(sys.modules.values())
        if m is not None and getattr(m, "__file__", None) == __file__ and m.__name__ != "__main__"
    )
    for key, count in sorted(tested.TALLY.items()):
        print(f"{key:40s} {count}")
    raise SystemExit(code)


# ----------------------------------------------------------------------------- the issue's cases


def _sgd() -> torch.optim.Optimizer:
    return torch.optim.SGD([nn.Parameter(torch.ones(2))], lr=0.1)


def _cases() -> list[tuple[str, Callable[[], Any], type[Exception], str]]:
    x = torch.randn(2, 3)
    return [
        ("BatchNorm1d(-3)", lambda: norm.BatchNorm1d(-3), ValueError, "num_features"),
        (
            "BatchNorm2d(affine=t)",
            lambda: norm.BatchNorm2d(2, affine=torch.ones(2)),
            TypeError,
            "affine",
        ),
        ("BatchNorm1d(device)", lambda: norm.BatchNorm1d(2, device="x"), ValueError, "device"),
        ("conv3x3(tensor)", lambda: resnet.conv3x3(torch.randn(5), 4), TypeError, "in_channels"),
        ("conv1x1(-3)", lambda: resnet.conv1x1(2, -3), ValueError, "out_channels"),
        (
            "layer_norm(tensor)",
            lambda: norm.layer_norm(x, torch.randn(3)),
            TypeError,
            "normalized_shape",
        ),
        (
            "batch_norm(training)",
            lambda: norm.batch_norm(x, None, None, training="x"),
            TypeError,
            "training",
        ),
        ("minibatches(batch_size=0)", lambda: optim.minibatches(x, x, 0), ValueError, "batch_size"),
        ("minibatches(order)", lambda: optim.minibatches(x, x, 1, "zigzag"), ValueError, "order"),
        (
            "StepLR(last_epoch=3)",
            lambda: optim.StepLR(_sgd(), 2, last_epoch=3),
            ValueError,
            "last_epoch",
        ),
        ("StepLR(optimizer)", lambda: optim.StepLR("sgd", 2), TypeError, "optimizer"),
        ("Adam(eps=nan)", lambda: optim.Adam([nn.Parameter(x)], eps=math.nan), ValueError, "eps"),
        ("SGD(params=1.0)", lambda: optim.SGD(1.0), TypeError, "params"),
        (
            "SGD(nesterov=t)",
            lambda: optim.SGD([nn.Parameter(x)], nesterov=torch.ones(2)),
            TypeError,
            "nesterov",
        ),
        ("RNNCell(device=-3)", lambda: rnn.RNNCell(2, 2, device=-3), ValueError, "device"),
        ("clip_grad_norm_(1)", lambda: rnn.clip_grad_norm_(1, 1.0), TypeError, "parameters"),
        ("rnn_param_count([])", lambda: rnn.rnn_param_count([], 2, 2), TypeError, "mode"),
        (
            "group_norm(1 value)",
            lambda: norm.group_norm(torch.randn(1, 1), 1),
            ValueError,
            "num_groups",
        ),
        (
            "BasicBlock.forward",
            lambda: resnet.BasicBlock(4, 4)(torch.randn(4, 4, 4)),
            ValueError,
            "x",
        ),
    ]


@pytest.mark.parametrize(
    ("label", "call", "error", "names"), _cases(), ids=[c[0] for c in _cases()]
)
def test_the_issues_examples_raise_clear_errors(
    label: str, call: Callable[[], Any], error: type[Exception], names: str
) -> None:
    with raises_naming(error, names):
        call()


def test_raises_naming_wants_each_name_as_a_token() -> None:
    message = "input_size must be >= 1 for input of shape (N, L), got 0"
    for names in [("input_size",), ("input", "(N, L)"), ("(N, L)", "input_size")]:
        with raises_naming(ValueError, *names):
            raise ValueError(message)
    for names in [("size",), ("input", "(N, C)"), ("hidden_size",)]:
        with pytest.raises(AssertionError), raises_naming(ValueError, *names):
            raise ValueError(message)
    with pytest.raises(ValueError), raises_naming(TypeError, "input_size"):
        raise ValueError(message)  # the type too


def test_empty_batches_work_as_in_torch() -> None:
    x = torch.randn(0, 3, 5, 5)
    assert torch.equal(conv.unfold(x, 2), F.unfold(x, 2))
    w = torch.randn(4, 3, 3, 3)
    assert conv.conv2d(x, w).shape == F.conv2d(x, w).shape == (0, 4, 3, 3)


def test_max_pool_indices_with_nan_are_torchs() -> None:
    """torch's kernel reports a window's last NaN (row-major); so do we."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 7, 6, generator=g)
    x[torch.rand(x.shape, generator=g) < 0.3] = math.nan
    for kwargs in (
        {"kernel_size": 3},
        {"kernel_size": 2, "stride": 1, "padding": 1, "dilation": 2},
    ):
        ours = conv.max_pool2d(x, return_indices=True, **kwargs)
        theirs = F.max_pool2d(x, return_indices=True, **kwargs)
        assert torch.equal(ours[1], theirs[1])
        assert torch.equal(ours[0].isnan(), theirs[0].isnan())


def test_minibatches_checks_at_the_call_and_draws_as_before() -> None:
    x, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
    batches = optim.minibatches(x, y, 4, generator=torch.Generator().manual_seed(1))
    order = optim.epoch_indices(y, "reshuffle", torch.Generator().manual_seed(1))
    assert torch.equal(torch.cat([yb for _, yb in batches]), order)
