"""ResNet experiments: the degradation problem, gradient norms at initialization, zero-γ.

Everything runs on the CPU with fixed seeds and one thread, on scikit-learn's 8×8 digits.

* `degradation()` (figure ``resnet-degradation``): plain and residual twins at increasing
  depth, trained for the same number of steps; the **training** loss at the end, for the best
  learning rate of a small grid per variant and depth (runs that diverged are counted, never
  averaged), and the learning curves at those learning rates. The twins are `mlp_net`s, BN
  MLPs with the structure of `dlnotes.resnet.BasicBlock` (Linear in place of the 3×3 conv): a
  conv net of the same depth costs about five times more per step on this CPU, and the whole
  page's experiments have 30 s of one core.
* `gradients_at_init()` (figure ``resnet-gradients``): the norm of every layer's *weight*
  gradient (`dlnotes.resnet.gradient_norms`) of `dlnotes.resnet.plain_net` and
  `dlnotes.resnet.residual_net`, with and without BN, at initialization, for one fixed batch
  of 64 digits per seed.
* `zero_gamma()` (figure ``resnet-zero-gamma``): with the last γ of every block at 0
  (`zero_init_residual=True`), how far a block is from the identity for inputs of either sign
  and with a projection shortcut, and the first training steps of the deepest residual twin
  with and without it.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on
the figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
ResNet 一页的实验（CPU、固定随机种子、单线程，数据是 8×8 手写数字）：
退化问题（普通网络与残差网络只差捷径连接，在相同步数下比较不同深度的**训练**损失，每个深度各自
搜索学习率，发散的运行单独计数）；初始化时各层权重梯度的范数（普通 / 残差 × 有无 BN）；
以及把每个残差块最后一个 BN 的 γ 置零后，残差块是否等于恒等映射、对训练前期有什么影响。
"""

import math
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import resnet
from dlnotes.experiments import Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split
from dlnotes.experiments.training import he_init_, summarize, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

THREADS = 1
VARIANTS = ("plain", "residual")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "plain": "plain",
        "residual": "residual",
        "plain_bn": "plain + BN",
        "plain_nobn": "plain, no BN",
        "residual_bn": "residual + BN",
        "residual_nobn": "residual, no BN",
        "depth": "depth (weighted layers)",
        "train_loss": "training loss\n(best LR, end of budget)",
        "step": "training step",
        "depth_n": "depth {depth}",
        "lr": "learning rate {lr:g}, {depth} layers",
        "curve_loss": "training loss",
        "layer": "layer of the {depth}-layer nets (input → output)",
        "grad_norm": "‖∂L/∂W‖ per layer",
        "ratio": "‖∂L/∂W‖ first conv /\nlast conv",
        "chance": "chance (ln 10)",
        "zero": "zero-γ init",
        "default": "default init (γ = 1)",
        "diverged": "{k}/{n} diverged",
    },
    "zh": {
        "plain": "普通网络",
        "residual": "残差网络",
        "plain_bn": "普通网络 + BN",
        "plain_nobn": "普通网络，无 BN",
        "residual_bn": "残差网络 + BN",
        "residual_nobn": "残差网络，无 BN",
        "depth": "深度（带权重的层数）",
        "train_loss": "训练损失\n（最佳学习率，预算用完时）",
        "step": "训练步数",
        "depth_n": "{depth} 层",
        "lr": "学习率 {lr:g}，{depth} 层",
        "curve_loss": "训练损失",
        "layer": "{depth} 层网络的各层（输入端 → 输出端）",
        "grad_norm": "各层 ‖∂L/∂W‖",
        "ratio": "‖∂L/∂W‖ 第一个卷积 /\n最后一个卷积",
        "chance": "随机猜测（ln 10）",
        "zero": "γ 置零初始化",
        "default": "默认初始化（γ = 1）",
        "diverged": "{k}/{n} 发散",
    },
}
COLORS = {
    "plain": plotting.COLORS[3],
    "residual": plotting.COLORS[0],
    "plain_bn": plotting.COLORS[3],
    "plain_nobn": plotting.COLORS[1],
    "residual_bn": plotting.COLORS[0],
    "residual_nobn": plotting.COLORS[2],
}
GRAD_VARIANTS = ("plain_bn", "plain_nobn", "residual_bn", "residual_nobn")


# ---------------------------------------------------------------------------------------------
# The MLP twins
# ---------------------------------------------------------------------------------------------


class MLPBlock(nn.Module):
    """`dlnotes.resnet.BasicBlock` with `nn.Linear` in place of the 3×3 convolutions.

    ``y = ReLU(BN₂(W₂ ReLU(BN₁(W₁ x))) + x)`` with ``residual=True``, ``y = ReLU(BN₂(…))``
    without: the two twins have the same parameters. ``zero_init_residual`` sets γ of ``bn2``
    to 0, as in the conv block.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.resnet import MLPBlock
        >>> block = MLPBlock(4, residual=True, zero_init_residual=True)
        >>> x = torch.randn(8, 4)
        >>> torch.equal(block(x), torch.relu(x))
        True
    """

    def __init__(self, width: int, residual: bool, zero_init_residual: bool = False) -> None:
        super().__init__()
        self.residual = residual
        self.fc1 = nn.Linear(width, width, bias=False)
        self.bn1 = nn.BatchNorm1d(width)
        self.fc2 = nn.Linear(width, width, bias=False)
        self.bn2 = nn.BatchNorm1d(width)
        if zero_init_residual:
            nn.init.zeros_(self.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        # F(x) = BN₂(W₂ ReLU(BN₁(W₁ x)))
        out = self.bn2(self.fc2(F.relu(self.bn1(self.fc1(x)))))
        # y = ReLU(F(x) + x), or ReLU(F(x)) for the plain twin
        return F.relu(out + x) if self.residual else F.relu(out)


def mlp_net(
    depth: int, residual: bool, width: int = 16, zero_init_residual: bool = False
) -> nn.Sequential:
    """Digits MLP of ``depth`` weighted layers: stem, ``(depth − 2) / 2`` blocks, classifier.

    ``Linear(64, width) → BN → ReLU → MLPBlock × n → Linear(width, 10)``, He-initialised
    (`training.he_init_`); for the same seed the plain and residual twins start from the same
    weights.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.resnet import mlp_net
        >>> _ = torch.manual_seed(0)
        >>> plain = mlp_net(6, residual=False)
        >>> _ = torch.manual_seed(0)
        >>> res = mlp_net(6, residual=True)
        >>> all(torch.equal(a, b) for a, b in zip(plain.parameters(), res.parameters()))
        True
        >>> sum(isinstance(m, torch.nn.Linear) for m in res.modules())
        6
    """
    blocks, rest = divmod(depth - 2, 2)
    if rest or blocks < 0:
        raise ValueError(f"depth must be 2 + 2n (2, 4, 6, ...), got {depth}")
    layers: list[nn.Module] = [nn.Linear(64, width, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
    layers += [MLPBlock(width, residual) for _ in range(blocks)]
    layers.append(nn.Linear(width, 10))
    net = he_init_(nn.Sequential(*layers))
    if zero_init_residual:
        for m in net.modules():
            if isinstance(m, MLPBlock):
                nn.init.zeros_(m.bn2.weight)
    return net


def _sgd(lr: float) -> Any:
    # b ← μ b + g, θ ← θ − η b  (torch.optim.SGD with momentum μ = 0.9)
    return lambda params: torch.optim.SGD(params, lr=lr, momentum=0.9)


# ---------------------------------------------------------------------------------------------
# 1. Degradation
# ---------------------------------------------------------------------------------------------


def degradation(
    depths: tuple[int, ...] = (4, 10, 18),
    lrs: tuple[float, ...] = (0.03, 0.1, 0.3),
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 80,
    batch_size: int = 128,
    width: int = 16,
    record_every: int = 10,
) -> Result:
    """Train plain and residual twins of each depth for ``steps`` SGD steps (momentum 0.9).

    For every variant, depth and learning rate, the training loss over the last 20 steps (on
    the training batches, in train mode) and the training error, per seed. ``best`` keeps, per
    variant and depth, the learning rate with the lowest mean loss among those where no seed
    diverged, its per-seed losses and errors, and its mean learning curve (mean loss of every
    ``record_every`` steps).

    Examples:
        >>> from dlnotes.experiments.resnet import degradation
        >>> r = degradation(depths=(4,), lrs=(0.1,), seeds=(0,), steps=20)
        >>> sorted(r["variants"]), len(r["variants"]["plain"]["best"]["curve"][0])
        (['plain', 'residual'], 2)
    """
    x, y, _, _ = load_digits_split()
    settings = [[d, lr] for d in depths for lr in lrs]

    def run(variant: str, setting: list, generator: torch.Generator) -> dict[str, float | None]:
        depth, lr = setting
        net = mlp_net(depth, residual=variant == "residual", width=width)
        log = train(
            net,
            x,
            y,
            batch_size=batch_size,
            steps=steps,
            generator=generator,
            optimizer=_sgd(lr),
            window=20,
            record_every=record_every,
        )
        out: dict[str, float | None] = {"loss": log["loss"]}
        out["error"] = None if log["acc"] is None else 1.0 - log["acc"]
        for i in range(steps // record_every):
            out[f"c{i}"] = log["curve"][i] if not log["diverged"] else None
        return out

    table = sweep(run, VARIANTS, settings, seeds, THREADS)["variants"]
    variants: dict[str, Any] = {}
    for variant in VARIANTS:
        metrics = table[variant]
        by_lr = metrics["loss"]
        best_lr, losses, errors, curves, diverged = [], [], [], [], []
        for i in range(len(depths)):
            rows = range(i * len(lrs), (i + 1) * len(lrs))
            diverged.append(sum(by_lr["diverged"][j] for j in rows))
            ok = [j for j in rows if by_lr["mean"][j] is not None]
            j = min(ok, key=lambda k: by_lr["mean"][k]) if ok else rows[0]
            best_lr.append(settings[j][1])
            losses.append(by_lr["per_seed"][j])
            errors.append(metrics["error"]["per_seed"][j])
            per_step = [metrics[f"c{t}"]["mean"][j] for t in range(steps // record_every)]
            curves.append(per_step)
        variants[variant] = {
            "by_lr": {"loss": by_lr},
            "best": {
                "lr": best_lr,
                "loss": summarize(losses),
                "error": summarize(errors),
                "curve": curves,
            },
            "diverged": diverged,
        }
    return {
        "depths": list(depths),
        "lrs": list(lrs),
        "seeds": list(seeds),
        "steps": steps,
        "batch_size": batch_size,
        "width": width,
        "record_every": record_every,
        "chance": math.log(10),
        "variants": variants,
    }


@plotting.styled
def plot_degradation(result: Result, lang: str = "en") -> Figure:
    """Top: best-LR training loss vs depth. Bottom: learning curves at the best LR, per depth.

    Examples:
        >>> from dlnotes.experiments.resnet import degradation, plot_degradation
        >>> r = degradation(depths=(4, 6), lrs=(0.1,), seeds=(0,), steps=20)
        >>> plot_degradation(r, lang="zh").axes[1].get_xlabel()
        '训练步数'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.4, nrows=2)
    depths = result["depths"]
    for variant in VARIANTS:
        best = result["variants"][variant]["best"]
        plotting.band(top, depths, best["loss"], color=COLORS[variant], label=words[variant])
        plotting.diverged_marks(
            top,
            depths,
            best["loss"],
            color=COLORS[variant],
            y=result["chance"],
            text=words["diverged"],
        )
    top.axhline(result["chance"], color=plotting.GREY, linestyle=":", linewidth=1.2)
    top.annotate(
        words["chance"],
        (depths[0], result["chance"]),
        xytext=(0, -4),
        textcoords="offset points",
        va="top",
        color=plotting.GREY,
    )
    top.set_xticks(depths)
    top.set_xlabel(words["depth"])
    top.set_ylabel(words["train_loss"])
    top.set_ylim(0, result["chance"] * 1.1)
    every = result["record_every"]
    styles = ("-", "--", ":", "-.")
    for variant in VARIANTS:
        curves = result["variants"][variant]["best"]["curve"]
        for d, (depth, curve) in enumerate(zip(depths, curves, strict=True)):
            xs = [every * (t + 1) for t, v in enumerate(curve) if v is not None]
            vs = [v for v in curve if v is not None]
            bottom.plot(
                xs,
                vs,
                styles[d % len(styles)],
                color=COLORS[variant],
                label=f"{words[variant]}, {depth}" if d == len(depths) - 1 else "_",
                alpha=0.45 + 0.55 * (d + 1) / len(depths),
            )
    plotting.log_axis(bottom)
    bottom.set_xlabel(words["step"])
    bottom.set_ylabel(words["curve_loss"])
    for d, depth in enumerate(depths):
        bottom.plot([], [], styles[d % len(styles)], color=plotting.GREY, label=str(depth))
    handles = [h for h in bottom.get_lines() if not h.get_label().startswith("_")]
    labels = [words["plain"], words["residual"]]
    labels += [words["depth_n"].format(depth=d) for d in depths]
    proxies = [
        bottom.plot([], [], "-", color=COLORS["plain"])[0],
        bottom.plot([], [], "-", color=COLORS["residual"])[0],
        *handles[-len(depths) :],
    ]
    fig.legend(proxies, labels, loc="outside lower center", ncols=3)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Gradient norms at initialization
# ---------------------------------------------------------------------------------------------


def _digits_images(x: Tensor) -> Tensor:
    return x.view(-1, 1, 8, 8)  # (N, 64) → (N, 1, 8, 8)


def gradients_at_init(
    depths: tuple[int, ...] = (8, 20, 56),
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    batch_size: int = 64,
    widths: tuple[int, ...] = (8, 16, 32),
) -> Result:
    """Per-layer weight-gradient norms of the conv twins at initialization.

    For each variant (plain or residual, with or without BN), depth and seed: a new net
    (torchvision's initialization, `dlnotes.resnet`), one batch of ``batch_size`` training
    digits drawn with the seed, the cross-entropy loss in train mode, and
    `dlnotes.resnet.gradient_norms` over every conv and the final linear layer. ``ratio`` is
    ‖∂L/∂W‖ of the first conv over that of the last conv.

    Examples:
        >>> from dlnotes.experiments.resnet import gradients_at_init
        >>> r = gradients_at_init(depths=(8,), seeds=(0,))
        >>> len(r["variants"]["plain_bn"]["layers"][0]), r["ratio"]["plain_bn"]["diverged"]
        (8, [0])
    """
    x, y, _, _ = load_digits_split()
    images = _digits_images(x)
    out: dict[str, Any] = {"ratio": {}, "variants": {}}
    for variant in GRAD_VARIANTS:
        kind, norm = variant.split("_")
        build = resnet.residual_net if kind == "residual" else resnet.plain_net
        ratios: list[list[float | None]] = []
        layers: list[dict[str, list[float]]] = []
        for depth in depths:
            per_seed: list[float | None] = []
            per_layer: list[list[float]] = []
            for seed in seeds:
                with seeded(seed, THREADS) as g:
                    net = build(depth, widths=widths, batch_norm=norm == "bn")
                    idx = torch.randperm(len(x), generator=g)[:batch_size]
                    loss = F.cross_entropy(net(images[idx]), y[idx])
                    norms = resnet.gradient_norms(net, loss)
                values = list(norms.values())
                convs = values[:-1]  # every conv; the last entry is fc
                per_layer.append(values)
                # a last-layer gradient that underflowed to 0 has no ratio: counted, not averaged
                per_seed.append(convs[0] / convs[-1] if convs[-1] > 0 else None)
            ratios.append(per_seed)
            layers.append(summarize([list(col) for col in zip(*per_layer, strict=True)]))
        out["ratio"][variant] = summarize(ratios)
        out["variants"][variant] = {
            "layers": [layer["mean"] for layer in layers],
            "min": [layer["min"] for layer in layers],
            "max": [layer["max"] for layer in layers],
        }
    out.update(
        {
            "depths": list(depths),
            "seeds": list(seeds),
            "batch_size": batch_size,
            "widths": list(widths),
        }
    )
    return out


@plotting.styled
def plot_gradients(result: Result, lang: str = "en") -> Figure:
    """Top: per-layer gradient norms of the deepest nets. Bottom: first/last ratio vs depth.

    Examples:
        >>> from dlnotes.experiments.resnet import gradients_at_init, plot_gradients
        >>> r = gradients_at_init(depths=(8,), seeds=(0, 1))
        >>> plot_gradients(r, lang="zh").axes[1].get_yscale()
        'log'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.6, nrows=2)
    deepest = len(result["depths"]) - 1
    for variant in GRAD_VARIANTS:
        v = result["variants"][variant]
        means = v["layers"][deepest]
        xs = list(range(1, len(means) + 1))
        top.plot(xs, means, "-", color=COLORS[variant], label=words[variant])
        top.fill_between(
            xs, v["min"][deepest], v["max"][deepest], color=COLORS[variant], alpha=0.2, lw=0
        )
        plotting.band(
            bottom, result["depths"], result["ratio"][variant], color=COLORS[variant], label="_"
        )
    plotting.log_axis(top)
    top.set_xlabel(words["layer"].format(depth=result["depths"][deepest]))
    top.set_ylabel(words["grad_norm"])
    bottom.axhline(1.0, color=plotting.GREY, linestyle=":", linewidth=1.2)
    plotting.log_axis(bottom)
    bottom.set_xticks(result["depths"])
    bottom.set_xlabel(words["depth"])
    bottom.set_ylabel(words["ratio"])
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Zero-γ: identity at initialization, and early training
# ---------------------------------------------------------------------------------------------


def _identity_gaps() -> dict[str, float]:
    """max |block(x) − x| of zero-γ blocks, for the cases the page discusses."""
    with seeded(0, THREADS):
        x = torch.randn(16, 8, 6, 6)
        basic = resnet.BasicBlock(8, 8, zero_init_residual=True)
        projection = resnet.BasicBlock(8, 8, shortcut="C", zero_init_residual=True)
        preact = resnet.PreActBlock(8, 8, zero_init_residual=True)
        default = resnet.BasicBlock(8, 8)
        with torch.no_grad():
            return {
                "basic_nonnegative": (basic(x.relu()) - x.relu()).abs().max().item(),
                "basic_signed": (basic(x) - x).abs().max().item(),
                "basic_signed_vs_relu": (basic(x) - x.relu()).abs().max().item(),
                "projection_nonnegative": (projection(x.relu()) - x.relu()).abs().max().item(),
                "preact_signed": (preact(x) - x).abs().max().item(),
                "default_nonnegative": (default(x.relu()) - x.relu()).abs().max().item(),
            }


def zero_gamma(
    depth: int = 18,
    lrs: tuple[float, ...] = (0.1, 0.3),
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 30,
    batch_size: int = 128,
    width: int = 16,
    record_every: int = 5,
) -> Result:
    """Zero-γ blocks against the identity, and early training of the residual twin with it.

    ``gaps``: max |block(x) − x| of a zero-γ `dlnotes.resnet.BasicBlock` (identity shortcut)
    for non-negative and for signed x, of one with a projection shortcut ("C"), of a zero-γ
    `dlnotes.resnet.PreActBlock` for signed x, and of a default block. ``variants``: the mean
    training loss of every ``record_every`` steps of `mlp_net(depth, residual=True)` with the
    default γ = 1 or with zero-γ, per learning rate, over ``seeds``.

    Examples:
        >>> from dlnotes.experiments.resnet import zero_gamma
        >>> r = zero_gamma(depth=6, lrs=(0.1,), seeds=(0,), steps=10)
        >>> r["gaps"]["basic_nonnegative"], r["gaps"]["preact_signed"]
        (0.0, 0.0)
    """
    x, y, _, _ = load_digits_split()

    def run(variant: str, lr: float, generator: torch.Generator) -> dict[str, float | None]:
        net = mlp_net(depth, residual=True, width=width, zero_init_residual=variant == "zero")
        log = train(
            net,
            x,
            y,
            batch_size=batch_size,
            steps=steps,
            generator=generator,
            optimizer=_sgd(lr),
            window=record_every,
            record_every=record_every,
        )
        n = steps // record_every
        return {f"c{t}": (None if log["diverged"] else log["curve"][t]) for t in range(n)}

    table = sweep(run, ("default", "zero"), list(lrs), seeds, THREADS)["variants"]
    n = steps // record_every
    variants = {
        v: [
            summarize([table[v][f"c{t}"]["per_seed"][i] for t in range(n)]) for i in range(len(lrs))
        ]
        for v in ("default", "zero")
    }
    return {
        "gaps": _identity_gaps(),
        "depth": depth,
        "lrs": list(lrs),
        "seeds": list(seeds),
        "steps": steps,
        "record_every": record_every,
        "variants": variants,
    }


@plotting.styled
def plot_zero_gamma(result: Result, lang: str = "en") -> Figure:
    """One panel per learning rate: early training loss, default vs zero-γ init.

    Examples:
        >>> from dlnotes.experiments.resnet import plot_zero_gamma, zero_gamma
        >>> r = zero_gamma(depth=6, lrs=(0.1, 0.3), seeds=(0,), steps=10)
        >>> len(plot_zero_gamma(r, lang="zh").axes)
        2
    """
    words = LABELS[lang]
    n = len(result["lrs"])
    fig, axes = plotting.figure(height=2.2 * n + 0.6, nrows=n, sharex=True)
    axes = [axes] if n == 1 else list(axes)
    every = result["record_every"]
    for i, (ax, lr) in enumerate(zip(axes, result["lrs"], strict=True)):
        for variant, color, key in (
            ("default", COLORS["plain_bn"], "default"),
            ("zero", COLORS["residual_bn"], "zero"),
        ):
            stats = result["variants"][variant][i]
            xs = [every * (t + 1) for t in range(len(stats["mean"]))]
            plotting.band(
                ax, xs, stats, color=color, label=words[key] if i == 0 else "_", marker=""
            )
        ax.set_ylabel(words["curve_loss"])
        ax.set_title(words["lr"].format(lr=lr, depth=result["depth"]))
    axes[-1].set_xlabel(words["step"])
    plotting.legend_below(fig, ncols=2)
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "resnet-degradation": (degradation, plot_degradation),
    "resnet-gradients": (gradients_at_init, plot_gradients),
    "resnet-zero-gamma": (zero_gamma, plot_zero_gamma),
}
