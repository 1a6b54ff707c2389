"""Batch Normalization experiments: learning-rate tolerance, small batches, contrast robustness.

All three train small MLPs on scikit-learn's bundled digits (64 inputs, 10 classes) on the CPU
with fixed seeds and ``torch.set_num_threads(1)``: on the 2-core build machine two threads were
only ~15% faster when it was idle but up to 10× slower when other jobs shared the cores. The
models use torch's own ``nn.BatchNorm1d``/``nn.LayerNorm``.
Every network is initialised explicitly with He (Kaiming-normal, fan-in, ReLU) weights and zero
biases, so that "with BN" and "without BN" differ only in the normalisation layers (with
torch's default init the deep plain net does not train at all, which would be a confound).

* `lr_tolerance()` (figure ``bn-lr-tolerance``): a 10-layer MLP trained with plain SGD at a
  sweep of learning rates, with and without BN.
* `small_batches()` (figure ``bn-batch-size``): BatchNorm vs LayerNorm at batch sizes from
  2 to 64, evaluated in eval mode (running statistics for BN).
* `contrast_robustness()` (figure ``bn-contrast``): accuracy of BN and plain MLPs on test
  images with changed contrast, brightness or added noise.
"""

from __future__ import annotations

__doc_zh__ = """
批量归一化一页的三组实验：学习率容忍度、小批量下的表现、对输入对比度变化的鲁棒性。
每组都在手写数字上训练小型 MLP，把有 BN 和没有 BN（或换成层归一化）的结果放在一起比较。
"""

import math
from collections import deque
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from dlnotes.experiments import Result, seeded
from dlnotes.experiments.data import batches, load_digits_split, standardize_like

if TYPE_CHECKING:
    from matplotlib.figure import Figure

THREADS = 1
N_FEATURES, N_CLASSES = 64, 10


def make_mlp(depth: int, width: int = 64, norm: str = "none") -> nn.Sequential:
    """MLP ``64 → width → … → 10`` with ``depth`` linear layers and He-initialised weights.

    Each hidden block is ``Linear → norm → ReLU`` (normalisation on the pre-activation, as in
    Ioffe & Szegedy 2015). A linear layer followed by a norm has no bias: β absorbs it.

    Args:
        depth: Number of linear layers (``depth - 1`` hidden layers), at least 2.
        width: Hidden width.
        norm: ``"none"``, ``"batch"`` (``nn.BatchNorm1d``) or ``"layer"`` (``nn.LayerNorm``).

    Returns:
        The network; uses torch's global RNG for the weights.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.batch_norm import make_mlp
        >>> net = make_mlp(3, width=8, norm="batch")
        >>> [type(layer).__name__ for layer in net]
        ['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'BatchNorm1d', 'ReLU', 'Linear']
        >>> net[0].bias is None, tuple(net(torch.randn(5, 64)).shape)
        (True, (5, 10))
    """
    norms = {"none": None, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
    if norm not in norms:
        raise ValueError(f"norm must be one of {sorted(norms)}, not {norm!r}")
    norm_layer = norms[norm]
    layers: list[nn.Module] = []
    fan_in = N_FEATURES
    for _ in range(depth - 1):
        layers.append(nn.Linear(fan_in, width, bias=norm_layer is None))
        if norm_layer is not None:
            layers.append(norm_layer(width))
        layers.append(nn.ReLU())
        fan_in = width
    layers.append(nn.Linear(fan_in, N_CLASSES))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            # He init: W ~ N(0, 2 / fan_in), b = 0
            nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


@torch.no_grad()
def accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Eval-mode accuracy of ``model`` on ``(x, y)`` (restores the model's mode afterwards).

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.batch_norm import accuracy
        >>> round(accuracy(torch.nn.Identity(), torch.eye(3), torch.tensor([0, 1, 0])), 3)
        0.667
    """
    was_training = model.training
    model.eval()
    correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train(was_training)
    return correct


def train_sgd(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    lr: float,
    batch_size: int,
    generator: torch.Generator,
    epochs: int | None = None,
    steps: int | None = None,
) -> float:
    """Train ``model`` with plain SGD on cross-entropy for ``epochs`` epochs or ``steps`` steps.

    Args:
        model: Network to train in place.
        x: Training inputs ``(N, 64)``.
        y: Training labels ``(N,)``.
        lr: Learning rate.
        batch_size: Mini-batch size.
        generator: Seeded generator for the shuffling.
        epochs: Number of passes over the data (give this or ``steps``).
        steps: Number of SGD steps, cycling through reshuffled epochs.

    Returns:
        Mean training loss (train mode) over the last epoch's worth of steps, at most the last
        100, or ``nan`` if the loss became non-finite (training stops there: the run diverged).

    Examples:
        >>> import torch
        >>> from dlnotes.experiments import seeded
        >>> from dlnotes.experiments.batch_norm import make_mlp, train_sgd
        >>> with seeded(0) as g:
        ...     x, y = torch.randn(32, 64), torch.arange(32) % 10
        ...     loss = train_sgd(make_mlp(2), x, y, lr=0.1, batch_size=8, steps=20, generator=g)
        >>> loss < 1.0
        True
    """
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    total = epochs * (len(x) // batch_size) if epochs is not None else steps
    assert total is not None
    recent: deque[float] = deque(maxlen=max(1, min(total, len(x) // batch_size, 100)))
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    step = 0
    while step < total:
        for xb, yb in batches(x, y, batch_size, generator):
            loss = nn.functional.cross_entropy(model(xb), yb)
            if not torch.isfinite(loss):
                return math.nan
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for param, grad in zip(params, grads, strict=True):
                    # θ ← θ − η ∇_θ L  (plain SGD, same update as torch.optim.SGD)
                    param.add_(grad, alpha=-lr)
            recent.append(loss.item())
            step += 1
            if step == total:
                break
    return sum(recent) / len(recent)


def summarize(per_seed: list[list[float | None]]) -> dict[str, list[float | None]]:
    """Mean, min and max over seeds for each setting, ignoring diverged (``None``) runs.

    Args:
        per_seed: One list of per-seed values for each setting.

    Returns:
        ``{"mean": [...], "min": [...], "max": [...]}``; ``None`` where every seed diverged.

    Examples:
        >>> from dlnotes.experiments.batch_norm import summarize
        >>> summarize([[0.5, 1.0], [None, 0.2], [None, None]])
        {'mean': [0.75, 0.2, None], 'min': [0.5, 0.2, None], 'max': [1.0, 0.2, None]}
    """
    finite = [[v for v in values if v is not None] for values in per_seed]
    return {
        "mean": [sum(v) / len(v) if v else None for v in finite],
        "min": [min(v) if v else None for v in finite],
        "max": [max(v) if v else None for v in finite],
    }


NORM_LABELS = {"none": "no BN", "batch": "BN", "layer": "LN"}
COLORS = {"none": "tab:gray", "batch": "tab:blue", "layer": "tab:orange"}


def _band_plot(ax, x: list[float], variant: str, stats: dict[str, list[float | None]]) -> None:
    """Mean line with markers and a shaded min–max band over seeds (skipping ``None``)."""
    keep = [i for i, m in enumerate(stats["mean"]) if m is not None]
    xs = [x[i] for i in keep]
    color = COLORS[variant]
    ax.plot(xs, [stats["mean"][i] for i in keep], "o-", color=color, label=NORM_LABELS[variant])
    lows, highs = [stats["min"][i] for i in keep], [stats["max"][i] for i in keep]
    ax.fill_between(xs, lows, highs, color=color, alpha=0.2, linewidth=0)


# ---------------------------------------------------------------------------------------------
# 1. Learning-rate tolerance
# ---------------------------------------------------------------------------------------------


def lr_tolerance(
    learning_rates: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
    seeds: tuple[int, ...] = (0, 1, 2),
    depth: int = 10,
    width: int = 64,
    epochs: int = 5,
    batch_size: int = 64,
) -> Result:
    """Train a deep MLP with plain SGD at each learning rate, with and without BatchNorm.

    Both variants use the same He initialisation, data order and budget; only the
    ``BatchNorm1d`` layers differ. A run whose training loss becomes NaN/inf is stopped and
    recorded as diverged (loss and accuracy ``None``).

    Args:
        learning_rates: SGD learning rates to try.
        seeds: One run per seed, learning rate and variant.
        depth: Number of linear layers.
        width: Hidden width.
        epochs: Passes over the 1,347 training images.
        batch_size: Mini-batch size.

    Returns:
        ``{"learning_rates", "seeds", ..., "variants": {"none"|"batch": {"train_loss",
        "test_acc", "diverged", "acc": {"mean", "min", "max"}}}}``; the per-run lists are
        indexed by learning rate, then seed; the summaries by learning rate.

    Examples:
        >>> from dlnotes.experiments.batch_norm import lr_tolerance
        >>> r = lr_tolerance(learning_rates=(0.1,), seeds=(0,), depth=3, epochs=1)
        >>> sorted(r["variants"]), r["variants"]["batch"]["diverged"]
        (['batch', 'none'], [[False]])
    """
    x_train, y_train, x_test, y_test = load_digits_split()
    variants: dict[str, dict] = {}
    for norm in ("none", "batch"):
        losses, accs, diverged = [], [], []
        for lr in learning_rates:
            row_loss, row_acc, row_div = [], [], []
            for seed in seeds:
                with seeded(seed, THREADS) as generator:
                    model = make_mlp(depth, width, norm)
                    sgd = {"lr": lr, "batch_size": batch_size, "epochs": epochs}
                    loss = train_sgd(model, x_train, y_train, generator=generator, **sgd)
                    ok = math.isfinite(loss)
                    row_loss.append(loss if ok else None)
                    row_acc.append(accuracy(model, x_test, y_test) if ok else None)
                    row_div.append(not ok)
            losses.append(row_loss)
            accs.append(row_acc)
            diverged.append(row_div)
        variants[norm] = {
            "train_loss": losses,
            "test_acc": accs,
            "diverged": diverged,
            "acc": summarize(accs),
        }
    return {
        "learning_rates": list(learning_rates),
        "seeds": list(seeds),
        "depth": depth,
        "width": width,
        "epochs": epochs,
        "batch_size": batch_size,
        "variants": variants,
    }


def plot_lr_tolerance(result: Result) -> Figure:
    """Test accuracy vs learning rate (log x), BN vs no BN; diverged runs marked with ×.

    Lines are the mean over seeds (of the runs that did not diverge), bands the min–max.

    Examples:
        >>> from dlnotes.experiments.batch_norm import lr_tolerance, plot_lr_tolerance
        >>> r = lr_tolerance(learning_rates=(0.1, 0.3), seeds=(0,), depth=3, epochs=1)
        >>> len(plot_lr_tolerance(r).axes[0].get_lines()) >= 2
        True
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    lrs = result["learning_rates"]
    for norm in ("none", "batch"):
        variant = result["variants"][norm]
        _band_plot(ax, lrs, norm, variant["acc"])
        bad = [lr for lr, flags in zip(lrs, variant["diverged"], strict=True) if any(flags)]
        if bad:
            ax.plot(
                bad,
                [0.02] * len(bad),
                "x",
                color=COLORS[norm],
                markersize=9,
                mew=2,
                label=f"{NORM_LABELS[norm]}:\ndiverged",
            )
    ax.axhline(0.1, color="black", linestyle=":", linewidth=1, label="chance")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("learning rate (plain SGD)")
    ax.set_ylabel("test accuracy")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Small batches: BatchNorm vs LayerNorm
# ---------------------------------------------------------------------------------------------


def small_batches(
    batch_sizes: tuple[int, ...] = (2, 4, 16, 64),
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 400,
    lr: float = 0.1,
    depth: int = 3,
    width: int = 64,
) -> Result:
    """Train BN and LN MLPs for a fixed number of SGD steps at each batch size.

    Accuracy is measured in eval mode, i.e. BN uses its running statistics. For BN the result
    also holds ``test_acc_batch_stats``: the accuracy in train mode with the whole test set
    (450 images) as one batch, i.e. with accurate batch statistics instead of the running ones.

    Args:
        batch_sizes: Training batch sizes (at least 2: BN cannot train on one example).
        seeds: One run per seed, batch size and variant.
        steps: SGD steps per run (small batches therefore see fewer examples).
        lr: SGD learning rate.
        depth: Number of linear layers.
        width: Hidden width.

    Returns:
        ``{"batch_sizes", "seeds", ..., "variants": {"batch"|"layer": {"train_loss",
        "test_acc", "acc": {"mean", "min", "max"}}}}``, per-run lists indexed
        by batch size, then seed.

    Examples:
        >>> from dlnotes.experiments.batch_norm import small_batches
        >>> r = small_batches(batch_sizes=(4,), seeds=(0,), steps=5)
        >>> len(r["variants"]["layer"]["test_acc"]), len(r["variants"]["batch"]["test_acc"][0])
        (1, 1)
    """
    x_train, y_train, x_test, y_test = load_digits_split()
    variants: dict[str, dict] = {}
    for norm in ("batch", "layer"):
        losses, accs, accs_batch_stats = [], [], []
        for batch_size in batch_sizes:
            row_loss, row_acc, row_stats = [], [], []
            for seed in seeds:
                with seeded(seed, THREADS) as generator:
                    model = make_mlp(depth, width, norm)
                    sgd = {"lr": lr, "batch_size": batch_size, "steps": steps}
                    row_loss.append(train_sgd(model, x_train, y_train, generator=generator, **sgd))
                    row_acc.append(accuracy(model, x_test, y_test))
                    if norm == "batch":
                        row_stats.append(_accuracy_batch_stats(model, x_test, y_test))
            losses.append(row_loss)
            accs.append(row_acc)
            accs_batch_stats.append(row_stats)
        variants[norm] = {"train_loss": losses, "test_acc": accs, "acc": summarize(accs)}
        if norm == "batch":
            variants[norm]["test_acc_batch_stats"] = accs_batch_stats
    return {
        "batch_sizes": list(batch_sizes),
        "seeds": list(seeds),
        "steps": steps,
        "lr": lr,
        "depth": depth,
        "width": width,
        "variants": variants,
    }


@torch.no_grad()
def _accuracy_batch_stats(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Accuracy with BN normalising by the statistics of ``x`` itself (running stats untouched)."""
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.load_state_dict(saved)  # undo the running-statistics update of that forward pass
    return correct


def plot_small_batches(result: Result) -> Figure:
    """Eval-mode test accuracy vs training batch size (log2 x), BN vs LN, min–max bands.

    Examples:
        >>> from dlnotes.experiments.batch_norm import plot_small_batches, small_batches
        >>> r = small_batches(batch_sizes=(2, 4), seeds=(0,), steps=5)
        >>> len(plot_small_batches(r).axes[0].get_lines())
        2
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    sizes = result["batch_sizes"]
    for norm in ("batch", "layer"):
        _band_plot(ax, sizes, norm, result["variants"][norm]["acc"])
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(b) for b in sizes])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"training batch size ({result['steps']} SGD steps)")
    ax.set_ylabel("test accuracy (eval mode)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Contrast / brightness / noise robustness
# ---------------------------------------------------------------------------------------------

PERTURBATIONS: tuple[tuple[str, float], ...] = (
    ("clean", 0.0),
    ("contrast", 0.5),
    ("contrast", 0.75),
    ("contrast", 1.5),
    ("brightness", 0.1),
    ("brightness", 0.2),
    ("noise", 0.1),
)


def perturb(
    x: Tensor, kind: str, amount: float, generator: torch.Generator | None = None
) -> Tensor:
    """Perturb raw images with pixels in [0, 1], then clip back to [0, 1].

    * ``contrast``: scale each image around its own mean pixel value (as torchvision's
      ``adjust_contrast`` does), ``x' = m + amount · (x − m)``.
    * ``brightness``: ``x' = x + amount``.
    * ``noise``: ``x' = x + amount · z`` with ``z ~ N(0, 1)`` per pixel.
    * ``clean``: unchanged.

    Args:
        x: Raw images ``(N, 64)`` in [0, 1].
        kind: ``"clean"``, ``"contrast"``, ``"brightness"`` or ``"noise"``.
        amount: Contrast factor, brightness offset or noise σ.
        generator: Seeded generator for the noise.

    Returns:
        Perturbed images, same shape, in [0, 1].

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.batch_norm import perturb
        >>> perturb(torch.tensor([[0.0, 1.0]]), "contrast", 0.5)
        tensor([[0.2500, 0.7500]])
    """
    if kind == "clean":
        return x.clone()
    if kind == "contrast":
        mean = x.mean(dim=1, keepdim=True)  # (N, 1)
        # x' = m + c (x − m)
        out = mean + amount * (x - mean)
    elif kind == "brightness":
        out = x + amount
    elif kind == "noise":
        out = x + amount * torch.randn(x.shape, generator=generator)
    else:
        raise ValueError(f"unknown perturbation {kind!r}")
    return out.clamp(0.0, 1.0)


def perturbation_label(kind: str, amount: float) -> str:
    """Short English label, e.g. ``contrast ×0.5``.

    Examples:
        >>> from dlnotes.experiments.batch_norm import perturbation_label
        >>> perturbation_label("brightness", 0.1), perturbation_label("noise", 0.1)
        ('brightness +0.1', 'noise σ=0.1')
    """
    formats = {"clean": "clean", "contrast": "contrast ×{:g}", "brightness": "brightness +{:g}"}
    return formats.get(kind, "noise σ={:g}").format(amount)


def contrast_robustness(
    perturbations: tuple[tuple[str, float], ...] = PERTURBATIONS,
    seeds: tuple[int, ...] = (0, 1, 2),
    depth: int = 3,
    width: int = 64,
    epochs: int = 20,
    lr: float = 0.1,
    batch_size: int = 64,
) -> Result:
    """Eval-mode accuracy of MLPs with and without BN on perturbed test images.

    Each perturbation is applied to the raw [0, 1] pixels (see `perturb()`); the result
    is then standardised with the *training* set's scalar mean and std, exactly like the
    clean data the models were trained on.

    Args:
        perturbations: ``(kind, amount)`` pairs, see `perturb()`.
        seeds: One model per seed and variant.
        depth: Number of linear layers.
        width: Hidden width.
        epochs: Training epochs (plain SGD).
        lr: Learning rate.
        batch_size: Mini-batch size.

    Returns:
        ``{"perturbations": [labels], "seeds", ..., "variants": {"none"|"batch": {"test_acc",
        "acc": {"mean", "min", "max"}}}}``, per-run lists indexed by perturbation, then seed.

    Examples:
        >>> from dlnotes.experiments.batch_norm import contrast_robustness
        >>> r = contrast_robustness(perturbations=(("clean", 0), ("contrast", 0.5)), seeds=(0,),
        ...                         epochs=1)
        >>> r["perturbations"]
        ['clean', 'contrast ×0.5']
    """
    raw_train, y_train, raw_test, y_test = load_digits_split(standardize="none")
    x_train = standardize_like(raw_train, raw_train)  # (1347, 64), mean 0, std 1
    noise = torch.Generator().manual_seed(0)  # the same noisy copy for every model
    x_tests = [
        standardize_like(perturb(raw_test, kind, amount, noise), raw_train)  # (450, 64)
        for kind, amount in perturbations
    ]
    variants: dict[str, dict] = {}
    for norm in ("none", "batch"):
        accs: list[list[float | None]] = [[] for _ in perturbations]
        for seed in seeds:
            with seeded(seed, THREADS) as generator:
                model = make_mlp(depth, width, norm)
                sgd = {"lr": lr, "batch_size": batch_size, "epochs": epochs}
                train_sgd(model, x_train, y_train, generator=generator, **sgd)
                for row, x_test in zip(accs, x_tests, strict=True):
                    row.append(accuracy(model, x_test, y_test))
        variants[norm] = {"test_acc": accs, "acc": summarize(accs)}
    return {
        "perturbations": [perturbation_label(kind, amount) for kind, amount in perturbations],
        "seeds": list(seeds),
        "depth": depth,
        "width": width,
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "variants": variants,
    }


def plot_contrast_robustness(result: Result) -> Figure:
    """Grouped bars (mean over seeds) per perturbation, BN vs no BN, with per-seed dots.

    Examples:
        >>> from dlnotes.experiments.batch_norm import contrast_robustness, plot_contrast_robustness
        >>> r = contrast_robustness(perturbations=(("clean", 0),), seeds=(0,), epochs=1)
        >>> len(plot_contrast_robustness(r).axes[0].patches)
        2
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    labels = result["perturbations"]
    width = 0.38
    for offset, norm in ((-width / 2, "none"), (width / 2, "batch")):
        variant = result["variants"][norm]
        xs = [i + offset for i in range(len(labels))]
        ax.bar(xs, variant["acc"]["mean"], width, color=COLORS[norm], label=NORM_LABELS[norm])
        for x, accs in zip(xs, variant["test_acc"], strict=True):
            ax.plot([x] * len(accs), accs, "k.", markersize=3)
    ax.set_xticks(range(len(labels)), [label.replace(" ", "\n", 1) for label in labels])
    ax.tick_params(axis="x", labelsize="small")
    lowest = min(a for v in result["variants"].values() for row in v["test_acc"] for a in row)
    ax.set_ylim(min(0.5, lowest - 0.05), 1.0)
    ax.set_ylabel("test accuracy (eval mode)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return fig


FIGURES = {
    "bn-lr-tolerance": (lr_tolerance, plot_lr_tolerance),
    "bn-batch-size": (small_batches, plot_small_batches),
    "bn-contrast": (contrast_robustness, plot_contrast_robustness),
}
