"""The order in which SGD sees the examples: reshuffled, class-sorted, or with replacement.

* ``"reshuffle"``: a new random permutation every epoch (random reshuffling; each example
  once per epoch). This is what ``DataLoader(shuffle=True)`` does.
* ``"sorted"``: the examples sorted by class label, the same order every epoch: the worst case
  that "sensitive to data order" warns about.
* ``"replacement"``: N independent uniform draws per epoch (the textbook SGD analysis); some
  examples appear twice, about 1/e of them not at all.

Shuffling costs one ``randperm(N)`` per epoch: O(N), negligible next to the epoch itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from dlnotes import _validation as _v

__all__ = ["ORDERS", "epoch_indices", "minibatches"]

ORDERS = ("reshuffle", "sorted", "replacement")


def epoch_indices(
    labels: Tensor, order: str = "reshuffle", generator: torch.Generator | None = None
) -> Tensor:
    """The example indices of one epoch, in the given order.

    Args:
        labels: Targets, ``(N, ...)``; ``"sorted"`` needs class labels of shape ``(N,)``.
        order: ``"reshuffle"``, ``"sorted"`` or ``"replacement"``.
        generator: Seeded generator for the random orders (``None``: torch's global RNG).

    Returns:
        An int64 ``(N,)`` tensor of indices into the N examples.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import epoch_indices
        >>> y = torch.tensor([2, 0, 1, 0, 2])
        >>> epoch_indices(y, "sorted")  # stable: ties keep their original order
        tensor([1, 3, 2, 0, 4])
        >>> g = torch.Generator().manual_seed(0)
        >>> sorted(epoch_indices(y, "reshuffle", g).tolist())
        [0, 1, 2, 3, 4]
    """
    _v.check_tensor(labels, "labels", "(N, ...)", min_dim=1, floating=False)
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    n = len(labels)
    if order == "reshuffle":
        return torch.randperm(n, generator=generator)
    if order == "replacement":
        # i₁, …, i_N ~ Uniform{0, …, N − 1}, independently
        return torch.randint(n, (n,), generator=generator)
    _v.check_tensor(labels, "labels", "(N,) of class labels", dims=(1,), floating=False)
    return torch.argsort(labels, stable=True)


def minibatches(
    x: Tensor,
    y: Tensor,
    batch_size: int,
    order: str = "reshuffle",
    *,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[Tensor, Tensor]]:
    """Return an iterator over one epoch of mini-batches ``(x[idx], y[idx])`` in the given order.

    The arguments are checked, and the order drawn, at the call; the iterator then yields.

    Call it once per epoch: with ``"reshuffle"`` and ``"replacement"`` each call draws a new
    order from ``generator``.

    Args:
        x: Inputs, ``(N, ...)``.
        y: Targets, ``(N, ...)`` (class labels ``(N,)`` for ``"sorted"``).
        batch_size: Examples per batch (>= 1).
        order: ``"reshuffle"``, ``"sorted"`` or ``"replacement"`` (see `epoch_indices`).
        generator: Seeded generator for the random orders.
        drop_last: Drop a last batch smaller than ``batch_size``.

    Returns:
        An iterator of ``(xb, yb)`` with ``batch_size`` examples (the last may be smaller).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import minibatches
        >>> x, y = torch.arange(5.0).unsqueeze(1), torch.tensor([1, 0, 1, 0, 1])
        >>> [yb.tolist() for _, yb in minibatches(x, y, 2, "sorted")]
        [[0, 0], [1, 1], [1]]
    """
    _v.check_tensor(x, "x", "(N, ...)", min_dim=1, floating=False)
    _v.check_tensor(y, "y", "(N, ...)", min_dim=1, floating=False)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length N, got {len(x)} and {len(y)}")
    batch_size = _v.check_int(batch_size, "batch_size", minimum=1)
    _v.check_bool(drop_last, "drop_last")
    # the order is drawn (and checked) now: a bad argument fails at the call, not at next()
    idx = epoch_indices(y, order, generator)  # (N,)
    return _batches(x, y, idx, batch_size, drop_last)


def _batches(
    x: Tensor, y: Tensor, idx: Tensor, batch_size: int, drop_last: bool
) -> Iterator[tuple[Tensor, Tensor]]:
    stop = len(idx) - batch_size + 1 if drop_last else len(idx)
    for start in range(0, stop, batch_size):
        batch = idx[start : start + batch_size]  # (B,)
        yield x[batch], y[batch]
