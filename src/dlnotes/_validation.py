"""Input and hyperparameter checks shared by every ``dlnotes`` module (private).

The rule throughout the package: a wrong *type* raises ``TypeError``, a wrong *value or shape*
raises ``ValueError``, and every message names the argument, what was expected and what was
given, so a reader never meets a bare ``RuntimeError`` from deep inside torch.

Examples:
    >>> import torch
    >>> from dlnotes._validation import check_tensor, ntuple
    >>> check_tensor(torch.zeros(2, 3, 4, 4), "input", "(N, C, H, W)", dims=(4,))
    >>> check_tensor(torch.zeros(2, 3), "input", "(N, C, H, W)", dims=(4,))
    Traceback (most recent call last):
        ...
    ValueError: input must have shape (N, C, H, W), got 2D input of shape (2, 3)
    >>> ntuple(3, 2, "kernel_size")
    (3, 3)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

__all__ = [
    "LOW_PRECISION",
    "check_bool",
    "check_choice",
    "check_int",
    "check_number",
    "check_param_tensors",
    "check_shape",
    "check_tensor",
    "ntuple",
]

# float16/bfloat16: torch computes statistics and accumulations of these in float32.
LOW_PRECISION = (torch.float16, torch.bfloat16)


def check_tensor(
    value: Any,
    name: str,
    expected: str,
    *,
    dims: Iterable[int] | None = None,
    min_dim: int | None = None,
    floating: bool = True,
) -> None:
    """Raise unless ``value`` is a tensor whose number of dimensions fits.

    Args:
        value: The argument to check.
        name: Its name in the public signature (``"input"``, ``"weight"``, ...).
        expected: The expected shape as the docs write it, e.g. ``"(N, C, H, W)"``.
        dims: The allowed numbers of dimensions, if only some are.
        min_dim: The least number of dimensions, if any number from there on is allowed.
        floating: Whether a floating-point dtype is required.

    Raises:
        TypeError: ``value`` is not a tensor, or not floating-point when ``floating``.
        ValueError: ``value`` has a number of dimensions that does not fit.
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape {expected}, got {type(value)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    shape = tuple(value.shape)
    if dims is not None and value.dim() not in tuple(dims):
        raise ValueError(
            f"{name} must have shape {expected}, got {value.dim()}D {name} of shape {shape}"
        )
    if min_dim is not None and value.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dimensions, shape {expected}, got shape {shape}"
        )


def check_shape(value: Any, name: str, what: str, shape: tuple[int, ...]) -> None:
    """Raise unless ``value`` is a tensor of exactly ``shape`` (``what`` spells it in symbols).

    Examples:
        >>> import torch
        >>> check_shape(torch.zeros(1, 3, 5), "h_0", "(num_layers * D, N, H_out)", (2, 3, 5))
        Traceback (most recent call last):
            ...
        ValueError: h_0 must have shape (num_layers * D, N, H_out) = (2, 3, 5), got shape (1, 3, 5)
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape {what}, got {type(value)}")
    if tuple(value.shape) != tuple(shape):
        raise ValueError(
            f"{name} must have shape {what} = {tuple(shape)}, got shape {tuple(value.shape)}"
        )


def check_param_tensors(input: Tensor, shape: tuple[int, ...], what: str, **params: Any) -> None:
    """Check the shape and dtype of optional per-channel tensors (weight, bias, buffers).

    Like torch on CPU, all of them must share one dtype: ``input.dtype``, or float32 when the
    input is float16/bfloat16 (mixed precision). ``None`` entries are skipped.
    """
    dtypes = set()
    for name, t in params.items():
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape {what} or None, got {type(t)}")
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {what} = {shape}, got shape {tuple(t.shape)}")
        dtypes.add(t.dtype)
        allowed = {input.dtype, torch.float32} if input.dtype in LOW_PRECISION else {input.dtype}
        if t.dtype not in allowed or len(dtypes) > 1:
            raise TypeError(
                f"{name} has dtype {t.dtype}; weight, bias and running statistics must all "
                f"have input's dtype {input.dtype} (or float32 for float16/bfloat16 input)"
            )


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking its type and lower bound.

    ``bool`` is rejected: ``kernel_size=True`` is a bug, not a 1.

    Examples:
        >>> check_int(3, "stride", minimum=1)
        3
        >>> check_int(0, "stride", minimum=1)
        Traceback (most recent call last):
            ...
        ValueError: stride must be >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` after checking it is a ``bool`` (``ceil_mode=1`` is a bug, not True).

    Examples:
        >>> check_bool(True, "ceil_mode")
        True
        >>> check_bool(None, "bias")
        Traceback (most recent call last):
            ...
        TypeError: bias must be a bool, got NoneType None
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def check_number(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    below: float | None = None,
) -> float:
    """Return ``value`` as a ``float`` after checking it lies in ``[minimum, below)``.

    Examples:
        >>> check_number(0.9, "beta1", minimum=0.0, below=1.0)
        0.9
        >>> check_number(-1e-3, "lr", minimum=0.0)
        Traceback (most recent call last):
            ...
        ValueError: Invalid lr: must be >= 0.0, got -0.001
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    # `not (x >= lo)`, as torch writes its checks: NaN fails a bound too
    if minimum is not None and not number >= minimum:
        raise ValueError(f"Invalid {name}: must be >= {minimum}, got {value}")
    if below is not None and not number < below:
        raise ValueError(f"Invalid {name}: must be < {below}, got {value}")
    return number


def ntuple(value: Any, n: int, name: str, *, minimum: int | None = None) -> tuple[int, ...]:
    """Expand an ``int`` or check a length-``n`` sequence of ints, as torch's ``_pair`` does.

    Examples:
        >>> ntuple((1, 2), 2, "stride", minimum=1)
        (1, 2)
        >>> ntuple((1, 2, 3), 2, "stride")
        Traceback (most recent call last):
            ...
        ValueError: stride must be an int or a tuple of 2 ints, got (1, 2, 3)
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {tuple(value)}")
        return tuple(check_int(v, name, minimum=minimum) for v in value)
    return (check_int(value, name, minimum=minimum),) * n


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    """Return ``value`` after checking it is one of ``choices``.

    A value of a type no choice has raises ``TypeError``, any other value ``ValueError``.

    Examples:
        >>> check_choice("A", "shortcut", ("A", "B", "C"))
        'A'
        >>> check_choice("D", "shortcut", ("A", "B", "C"))
        Traceback (most recent call last):
            ...
        ValueError: shortcut must be one of 'A', 'B', 'C', got 'D'
        >>> check_choice(2, "shortcut", ("A", "B", "C"))
        Traceback (most recent call last):
            ...
        TypeError: shortcut must be one of 'A', 'B', 'C', got int 2
    """
    allowed = ", ".join(map(repr, choices))
    if not any(type(value) is type(choice) for choice in choices):
        raise TypeError(f"{name} must be one of {allowed}, got {type(value).__name__} {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def factory_kwargs(device: Any, dtype: Any) -> dict[str, Any]:
    """Check a module's ``device`` and ``dtype`` arguments; return them as factory kwargs.

    Examples:
        >>> factory_kwargs("cpu", torch.float64)
        {'device': device(type='cpu'), 'dtype': torch.float64}
        >>> factory_kwargs("x", None)
        Traceback (most recent call last):
            ...
        ValueError: device must be a torch.device, a string like 'cpu' or an index >= 0, got 'x'
    """
    if device is not None:
        if isinstance(device, bool) or not isinstance(device, (torch.device, str, int)):
            raise TypeError(
                f"device must be a torch.device, str or int, got {type(device).__name__} {device!r}"
            )
        try:
            device = torch.device(device)
        except RuntimeError as error:
            raise ValueError(
                "device must be a torch.device, a string like 'cpu' or an index >= 0, "
                f"got {device!r}"
            ) from error
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(
            f"dtype must be a torch.dtype or None, got {type(dtype).__name__} {dtype!r}"
        )
    return {"device": device, "dtype": dtype}


def pair(value: Any, name: str, *, minimum: int | None = None) -> tuple[int, int]:
    """`ntuple` for two dimensions, typed as a pair: ``(H, W)`` sizes.

    Examples:
        >>> pair(3, "kernel_size")
        (3, 3)
    """
    first, second = ntuple(value, 2, name, minimum=minimum)
    return first, second
