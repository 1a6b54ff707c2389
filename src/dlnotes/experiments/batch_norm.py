"""Batch Normalization experiments: learning-rate tolerance, small batches, contrast robustness.

All three train small MLPs (`dlnotes.experiments.training.make_mlp`, He-initialised, so that
"with BN" and "without BN" differ only in the normalisation layers) on scikit-learn's bundled
digits, on the CPU with fixed seeds and one thread: on the 2-core build machine two threads were
only ~15% faster when it was idle but up to 10× slower when other jobs shared the cores. The
models use torch's own ``nn.BatchNorm1d``/``nn.LayerNorm``.

* `lr_tolerance()` (figure ``bn-lr-tolerance``): a 10-layer MLP trained with plain SGD at a
  sweep of learning rates, with and without BN; diverged runs are counted, not averaged away.
* `small_batches()` (figure ``bn-batch-size``): BatchNorm vs LayerNorm at batch sizes from 2 to
  64 with the same number of steps, measured on the training batches (train mode) and on the
  test set (eval mode, and with batch statistics).
* `contrast_robustness()` (figure ``bn-contrast``): accuracy of BN and plain MLPs on test images
  with changed contrast, brightness or added noise, and of the BN nets after AdaBN.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on the
figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
批量归一化一页的三组实验：学习率容忍度、小批量下的表现、对输入对比度变化的鲁棒性
（以及用 AdaBN 重新估计统计量）。
每组都在手写数字上训练小型 MLP，把有 BN 和没有 BN（或换成层归一化）的结果放在一起比较；
每个画图函数都接受 ``lang`` 参数，画出中文或英文的图。
"""

import copy
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from dlnotes.experiments import THREADS, Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split, standardize_like
from dlnotes.experiments.training import accuracy, make_mlp, summarize, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "BATCH_NORMS",
    "COLORS",
    "FIGURES",
    "LABELS",
    "PERTURBATIONS",
    "SEEDS",
    "adapt_bn",
    "contrast_robustness",
    "lr_tolerance",
    "perturb",
    "perturbation_label",
    "plot_contrast_robustness",
    "plot_lr_tolerance",
    "plot_small_batches",
    "small_batches",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


# Five seeds per setting: every statement on the page holds on each of them (about 15 s of one
# core for the three experiments together).
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "none": "no BN",
        "batch": "BN",
        "layer": "LN",
        "adabn": "BN + AdaBN",
        "batch_test_stats": "BN, test-set statistics",
        "diverged": "{variant}: k/n seeds diverged",
        "chance": "chance",
        "learning_rate": "learning rate (plain SGD, 5 epochs)",
        "test_acc": "test accuracy",
        "train_acc": "training accuracy\n(own batches, train mode)",
        "test_acc_eval": "test accuracy\n(eval mode)",
        "batch_size": "batch size ({steps} SGD steps each)",
        "clean": "clean",
        "contrast": "contrast ×{:g}",
        "brightness": "brightness +{:g}",
        "noise": "noise σ={:g}",
    },
    "zh": {
        "none": "无 BN",
        "batch": "BN",
        "layer": "LN",
        "adabn": "BN + AdaBN",
        "batch_test_stats": "BN，用测试集统计量",
        "diverged": "{variant}：k/n 个种子发散",
        "chance": "随机猜测",
        "learning_rate": "学习率（普通 SGD，5 个 epoch）",
        "test_acc": "测试准确率",
        "train_acc": "训练准确率\n（训练批量，train 模式）",
        "test_acc_eval": "测试准确率\n（eval 模式）",
        "batch_size": "批量大小（每种都训练 {steps} 步）",
        "clean": "原图",
        "contrast": "对比度 ×{:g}",
        "brightness": "亮度 +{:g}",
        "noise": "噪声 σ={:g}",
    },
}
COLORS = {"none": plotting.GREY, "batch": plotting.COLORS[0], "layer": plotting.COLORS[1]}
COLORS["adabn"] = plotting.COLORS[2]


# ---------------------------------------------------------------------------------------------
# 1. Learning-rate tolerance
# ---------------------------------------------------------------------------------------------


def lr_tolerance(
    learning_rates: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
    seeds: tuple[int, ...] = SEEDS,
    depth: int = 10,
    width: int = 64,
    epochs: int = 5,
    batch_size: int = 64,
) -> Result:
    """Train a deep MLP with plain SGD at each learning rate, with and without BatchNorm.

    Both variants use the same He initialisation, data order and budget; only the
    ``BatchNorm1d`` layers differ. A run whose training loss stops being finite is stopped and
    counted as diverged: its metrics are ``None`` and its learning rate gets no mean.

    Args:
        learning_rates: SGD learning rates to try.
        seeds: One run per seed, learning rate and variant.
        depth: Number of linear layers.
        width: Hidden width.
        epochs: Passes over the 1,347 training images.
        batch_size: Mini-batch size.

    Returns:
        ``{"learning_rates", "seeds", ..., "variants": {"none"|"batch": {"train_loss",
        "test_acc"}}}``, each metric a `training.summarize` summary over learning rates.

    Examples:
        >>> from dlnotes.experiments.batch_norm import lr_tolerance
        >>> r = lr_tolerance(learning_rates=(0.1,), seeds=(0,), depth=3, epochs=1)
        >>> sorted(r["variants"]), r["variants"]["batch"]["test_acc"]["diverged"]
        (['batch', 'none'], [0])
    """
    x_train, y_train, x_test, y_test = load_digits_split()

    def run(norm: str, lr: float, generator: torch.Generator) -> dict[str, float | None]:
        model = make_mlp(depth, width, norm)
        log = train(
            model,
            x_train,
            y_train,
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            generator=generator,
        )
        test_acc = None if log["diverged"] else accuracy(model, x_test, y_test)
        return {"train_loss": log["loss"], "test_acc": test_acc}

    result = sweep(run, ("none", "batch"), learning_rates, seeds, THREADS)
    return {
        "learning_rates": result["settings"],
        "seeds": result["seeds"],
        "depth": depth,
        "width": width,
        "epochs": epochs,
        "batch_size": batch_size,
        "variants": result["variants"],
    }


@plotting.styled
def plot_lr_tolerance(result: Result, lang: str = "en") -> Figure:
    """Test accuracy vs learning rate (log x), BN vs no BN; diverged seeds counted with ×.

    Lines are the mean over seeds, bands the min–max; a rate where some seed diverged has no
    mean, only a × with the count k/n (and open dots for any seeds that survived).

    Examples:
        >>> from dlnotes.experiments.batch_norm import lr_tolerance, plot_lr_tolerance
        >>> r = lr_tolerance(learning_rates=(0.1, 0.3), seeds=(0,), depth=3, epochs=1)
        >>> fig = plot_lr_tolerance(r, lang="zh")
        >>> fig.axes[0].get_xlabel()
        '学习率（普通 SGD，5 个 epoch）'
    """
    words = LABELS[lang]
    fig, ax = plotting.figure(height=3.3)
    lrs = result["learning_rates"]
    ax.axhline(0.1, color="black", linestyle=":", linewidth=1, label=words["chance"])
    for norm in ("none", "batch"):
        acc = result["variants"][norm]["test_acc"]
        plotting.band(ax, lrs, acc, color=COLORS[norm], label=words[norm])
        if any(acc["diverged"]):
            plotting.diverged_marks(ax, lrs, acc, color=COLORS[norm], y=0.02, text="{k}/{n}")
            ax.plot(
                [],
                [],
                "x",
                color=COLORS[norm],
                mew=2,
                label=words["diverged"].format(variant=words[norm]),
            )
    ax.set_xscale("log")
    ax.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
    ax.minorticks_off()
    ax.set_ylim(-0.02, 1.02)
    ax.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlabel(words["learning_rate"])
    ax.set_ylabel(words["test_acc"])
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Small batches: BatchNorm vs LayerNorm
# ---------------------------------------------------------------------------------------------


def small_batches(
    batch_sizes: tuple[int, ...] = (2, 4, 16, 64),
    seeds: tuple[int, ...] = SEEDS,
    steps: int = 400,
    lr: float = 0.1,
    depth: int = 3,
    width: int = 64,
) -> Result:
    """Train BN and LN MLPs for the same number of SGD steps at each batch size.

    Every batch size gets ``steps`` steps, so small batches see fewer examples (at 400 steps:
    0.6 epoch at batch size 2, 19 epochs at 64); BN and LN get the same budget at each size.
    Metrics per run:

    * ``train_loss``, ``train_acc``: on the last 100 training batches, in train mode, i.e. on
      the very batches (and batch statistics) the network is trained on;
    * ``test_acc``: eval mode (BN uses its running statistics);
    * ``test_acc_batches``: train mode on the test set cut into batches of the training size
      (BN normalises each test batch with its own statistics, as in training);
    * ``test_acc_test_stats``: train mode with the whole test set (450 images) as one batch.

    For LN the three test accuracies coincide: it uses no batch statistics.

    Args:
        batch_sizes: Training batch sizes (at least 2: BN cannot train on one example).
        seeds: One run per seed, batch size and variant.
        steps: SGD steps per run.
        lr: SGD learning rate.
        depth: Number of linear layers.
        width: Hidden width.

    Returns:
        ``{"batch_sizes", "seeds", "steps", ..., "variants": {"batch"|"layer": {metric:
        summary}}}``, summaries over batch sizes.

    Examples:
        >>> from dlnotes.experiments.batch_norm import small_batches
        >>> r = small_batches(batch_sizes=(4,), seeds=(0,), steps=5)
        >>> sorted(r["variants"]["layer"])
        ['test_acc', 'test_acc_batches', 'test_acc_test_stats', 'train_acc', 'train_loss']
    """
    x_train, y_train, x_test, y_test = load_digits_split()

    def run(norm: str, batch_size: int, generator: torch.Generator) -> dict[str, float | None]:
        model = make_mlp(depth, width, norm)
        log = train(
            model, x_train, y_train, lr=lr, batch_size=batch_size, steps=steps, generator=generator
        )
        return {
            "train_loss": log["loss"],
            "train_acc": log["acc"],
            "test_acc": accuracy(model, x_test, y_test),
            "test_acc_batches": accuracy(
                model, x_test, y_test, batch_stats=True, batch_size=batch_size
            ),
            "test_acc_test_stats": accuracy(model, x_test, y_test, batch_stats=True),
        }

    result = sweep(run, ("batch", "layer"), batch_sizes, seeds, THREADS)
    return {
        "batch_sizes": result["settings"],
        "seeds": result["seeds"],
        "steps": steps,
        "epochs": [steps * b / len(x_train) for b in batch_sizes],
        "lr": lr,
        "depth": depth,
        "width": width,
        "variants": result["variants"],
    }


@plotting.styled
def plot_small_batches(result: Result, lang: str = "en") -> Figure:
    """Two stacked panels over the batch size (log₂ x), BN vs LN, mean and min–max band.

    Top: accuracy on the training batches in train mode. Bottom: eval-mode test accuracy, and
    BN's test accuracy with the whole test set's statistics (dashed).

    Examples:
        >>> from dlnotes.experiments.batch_norm import plot_small_batches, small_batches
        >>> r = small_batches(batch_sizes=(2, 4), seeds=(0,), steps=5)
        >>> [len(ax.get_lines()) for ax in plot_small_batches(r).axes]
        [2, 3]
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=4.6, nrows=2, sharex=True)
    sizes = result["batch_sizes"]
    for norm in ("batch", "layer"):
        stats = result["variants"][norm]
        plotting.band(top, sizes, stats["train_acc"], color=COLORS[norm], label=words[norm])
        plotting.band(bottom, sizes, stats["test_acc"], color=COLORS[norm], label="_" + words[norm])
    test_stats = result["variants"]["batch"]["test_acc_test_stats"]
    plotting.band(
        bottom,
        sizes,
        test_stats,
        color=COLORS["batch"],
        label=words["batch_test_stats"],
        marker="s",
        linestyle="--",
    )
    for ax, ylabel in ((top, words["train_acc"]), (bottom, words["test_acc_eval"])):
        ax.set_ylim(0, 1.02)
        ax.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_ylabel(ylabel)
    bottom.set_xscale("log", base=2)
    bottom.set_xticks(sizes, [str(b) for b in sizes])
    bottom.minorticks_off()
    bottom.set_xlabel(words["batch_size"].format(steps=result["steps"]))
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Contrast / brightness / noise robustness, and AdaBN
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
        raise ValueError(f"kind must be 'clean', 'contrast', 'brightness' or 'noise', got {kind!r}")
    return out.clamp(0.0, 1.0)


def perturbation_label(kind: str, amount: float, lang: str = "en") -> str:
    """Short label of a perturbation in ``lang``, e.g. ``contrast ×0.5``.

    Examples:
        >>> from dlnotes.experiments.batch_norm import perturbation_label
        >>> perturbation_label("brightness", 0.1), perturbation_label("contrast", 0.5, "zh")
        ('brightness +0.1', '对比度 ×0.5')
    """
    return LABELS[plotting.check_lang(lang)][kind].format(amount)


BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
"""The public torch BatchNorm classes whose running statistics `adapt_bn` re-estimates."""


@torch.no_grad()
def adapt_bn(model: nn.Module, x: Tensor) -> nn.Module:
    """AdaBN (Li et al. 2016): a copy of ``model`` whose BN running statistics are those of ``x``.

    Every BatchNorm layer's running mean and variance are reset and re-estimated from one
    train-mode pass over ``x`` (``momentum=None``: a cumulative average, here of one batch, so
    the stored values are exactly the mean and unbiased variance of ``x`` at that layer). The
    weights are not changed and no labels are used.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.batch_norm import adapt_bn
        >>> bn = torch.nn.BatchNorm1d(1)
        >>> adapt_bn(bn, torch.tensor([[1.0], [3.0]])).running_mean, bn.running_mean
        (tensor([2.]), tensor([0.]))
    """
    twin = copy.deepcopy(model)
    for layer in twin.modules():
        if isinstance(layer, BATCH_NORMS):
            layer.reset_running_stats()
            layer.momentum = None
    twin.train()
    twin(x)
    return twin.eval()


def contrast_robustness(
    perturbations: tuple[tuple[str, float], ...] = PERTURBATIONS,
    seeds: tuple[int, ...] = SEEDS,
    depth: int = 3,
    width: int = 64,
    epochs: int = 20,
    lr: float = 0.1,
    batch_size: int = 64,
) -> Result:
    """Eval-mode accuracy of MLPs with and without BN on perturbed test images, and AdaBN.

    Each perturbation is applied to the raw [0, 1] pixels (see `perturb()`); the result is then
    standardised with the *training* set's scalar mean and std, exactly like the clean data the
    models were trained on. Variant ``"adabn"`` is each trained BN net after `adapt_bn()` on the
    (unlabelled) perturbed test images.

    Args:
        perturbations: ``(kind, amount)`` pairs, see `perturb()`.
        seeds: One model per seed and variant.
        depth: Number of linear layers.
        width: Hidden width.
        epochs: Training epochs (plain SGD).
        lr: Learning rate.
        batch_size: Mini-batch size.

    Returns:
        ``{"perturbations": [[kind, amount], ...], "seeds", ..., "variants": {"none"|"batch"|
        "adabn": {"test_acc": summary}}}``, summaries over perturbations.

    Examples:
        >>> from dlnotes.experiments.batch_norm import contrast_robustness
        >>> r = contrast_robustness(perturbations=(("clean", 0), ("contrast", 0.5)), seeds=(0,),
        ...                         epochs=1)
        >>> r["perturbations"], sorted(r["variants"])
        ([['clean', 0], ['contrast', 0.5]], ['adabn', 'batch', 'none'])
    """
    raw_train, y_train, raw_test, y_test = load_digits_split(standardize="none")
    x_train = standardize_like(raw_train, raw_train)  # (1347, 64), mean 0, std 1
    noise = torch.Generator().manual_seed(0)  # the same noisy copy for every model
    x_tests = [
        standardize_like(perturb(raw_test, kind, amount, noise), raw_train)  # (450, 64)
        for kind, amount in perturbations
    ]
    accs: dict[str, list[list[float | None]]] = {
        v: [[] for _ in perturbations] for v in ("none", "batch", "adabn")
    }
    for norm in ("none", "batch"):
        for seed in seeds:
            with seeded(seed, THREADS) as generator:
                model = make_mlp(depth, width, norm)
                train(
                    model,
                    x_train,
                    y_train,
                    lr=lr,
                    batch_size=batch_size,
                    epochs=epochs,
                    generator=generator,
                )
                for i, x_test in enumerate(x_tests):
                    accs[norm][i].append(accuracy(model, x_test, y_test))
                    if norm == "batch":
                        accs["adabn"][i].append(accuracy(adapt_bn(model, x_test), x_test, y_test))
    return {
        "perturbations": [[kind, amount] for kind, amount in perturbations],
        "seeds": list(seeds),
        "depth": depth,
        "width": width,
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "variants": {v: {"test_acc": summarize(rows)} for v, rows in accs.items()},
    }


@plotting.styled
def plot_contrast_robustness(result: Result, lang: str = "en") -> Figure:
    """Horizontal bars (mean over seeds) per perturbation: no BN, BN, BN + AdaBN; seed dots.

    Examples:
        >>> from dlnotes.experiments.batch_norm import contrast_robustness, plot_contrast_robustness
        >>> r = contrast_robustness(perturbations=(("clean", 0),), seeds=(0,), epochs=1)
        >>> len(plot_contrast_robustness(r).axes[0].patches)
        3
    """
    words = LABELS[lang]
    fig, ax = plotting.figure(height=4.8)
    labels = [perturbation_label(kind, amount, lang) for kind, amount in result["perturbations"]]
    variants = ("none", "batch", "adabn")
    series = [(words[v], COLORS[v], result["variants"][v]["test_acc"]) for v in variants]
    plotting.bars(ax, labels, series)
    lowest = min(
        v
        for name in variants
        for row in result["variants"][name]["test_acc"]["per_seed"]
        for v in row
        if v is not None
    )
    ax.set_xlim(min(0.5, lowest - 0.05), 1.0)
    ax.set_xlabel(words["test_acc_eval"].replace("\n", " "))
    plotting.legend_below(fig, ncols=3)
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "bn-lr-tolerance": (lr_tolerance, plot_lr_tolerance),
    "bn-batch-size": (small_batches, plot_small_batches),
    "bn-contrast": (contrast_robustness, plot_contrast_robustness),
}
