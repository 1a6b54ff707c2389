"""Small data helpers shared by the experiments: scikit-learn's bundled digits and mini-batches.

The digits set (1,797 grey 8×8 images of the digits 0–9, pixel values 0..16) ships inside the
scikit-learn wheel, so the experiments need no download.
"""

from __future__ import annotations

__doc_zh__ = """
各组实验共用的数据工具：scikit-learn 自带的手写数字数据集（随安装包提供，无需下载）、
用训练集的统计量做标准化，以及按固定种子切分小批量。
"""

from collections.abc import Iterator

import torch
from torch import Tensor

from dlnotes._extras import require

__all__ = ["batches", "load_digits_split", "standardize_like"]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


# Every experiment loads its data through this module: fail here, with the install command,
# rather than deep inside an experiment when scikit-learn or matplotlib is missing.
require("experiments")


def load_digits_split(
    test_size: float = 0.25, seed: int = 0, standardize: str = "global"
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Load the digits as flat float vectors with a stratified, deterministic train/test split.

    Pixels are scaled from 0..16 to [0, 1]. With ``standardize="global"`` both sets are then
    shifted and scaled by the training set's *scalar* mean and std (one number each for all
    64 pixels). Per-pixel standardisation is deliberately not offered: the border pixels are
    almost always 0 (σ ≈ 0), so dividing by their σ would turn any small input perturbation
    into a huge one.

    Args:
        test_size: Fraction of the 1,797 images held out for testing.
        seed: Seed of the split (the same seed always gives the same split).
        standardize: ``"global"`` (scalar mean/std of the training pixels) or ``"none"``
            (keep the [0, 1] pixels).

    Returns:
        ``(x_train, y_train, x_test, y_test)``: float32 ``(N, 64)`` images and int64 ``(N,)``
        labels.

    Examples:
        >>> from dlnotes.experiments.data import load_digits_split
        >>> x_train, y_train, x_test, y_test = load_digits_split()
        >>> tuple(x_train.shape), tuple(x_test.shape), y_train.dtype
        ((1347, 64), (450, 64), torch.int64)
        >>> abs(x_train.mean().item()) < 1e-6, round(x_train.std().item(), 4)
        (True, 1.0)
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if standardize not in ("global", "none"):
        raise ValueError(f"standardize must be 'global' or 'none', not {standardize!r}")
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0  # (1797, 64), in [0, 1]
    y = torch.tensor(digits.target, dtype=torch.long)  # (1797,)
    idx_train, idx_test = train_test_split(
        torch.arange(len(y)).numpy(), test_size=test_size, random_state=seed, stratify=y.numpy()
    )
    x_train, x_test = x[idx_train], x[idx_test]
    if standardize == "global":
        x_train, x_test = standardize_like(x_train, x_train), standardize_like(x_test, x_train)
    return x_train, y[idx_train], x_test, y[idx_test]


def standardize_like(x: Tensor, reference: Tensor) -> Tensor:
    """Standardise ``x`` with the scalar mean and std of ``reference`` (e.g. the training set).

    Args:
        x: Tensor to transform.
        reference: Tensor whose overall mean and std are used.

    Returns:
        ``(x - mean(reference)) / std(reference)``, same shape as ``x``.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.data import standardize_like
        >>> standardize_like(torch.tensor([0.0, 2.0]), torch.tensor([0.0, 2.0, 4.0]))
        tensor([-1.,  0.])
    """
    # x̃ = (x − μ_ref) / σ_ref, with one scalar μ and σ over all entries of the reference
    return (x - reference.mean()) / reference.std()


def batches(
    x: Tensor, y: Tensor, batch_size: int, generator: torch.Generator | None = None
) -> Iterator[tuple[Tensor, Tensor]]:
    """Yield one epoch of shuffled mini-batches ``(x[idx], y[idx])``.

    The last batch is dropped when it would be smaller than ``batch_size``, so every step
    sees the same number of examples (BatchNorm cannot train on a batch of one).

    Args:
        x: Inputs, ``(N, ...)``.
        y: Targets, ``(N, ...)``.
        batch_size: Examples per batch.
        generator: Seeded generator for the shuffle (``None`` uses torch's global RNG).

    Yields:
        ``N // batch_size`` pairs of ``(batch_size, ...)`` tensors.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.data import batches
        >>> g = torch.Generator().manual_seed(0)
        >>> [tuple(xb.shape) for xb, _ in batches(torch.zeros(10, 3), torch.zeros(10), 4, g)]
        [(4, 3), (4, 3)]
    """
    order = torch.randperm(len(x), generator=generator)  # (N,)
    for start in range(0, len(x) - batch_size + 1, batch_size):
        idx = order[start : start + batch_size]  # (batch_size,)
        yield x[idx], y[idx]
