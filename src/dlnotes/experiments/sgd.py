"""SGD experiments: optimizer paths, a saddle point, data order, early stopping, the noise floor,
the final loss against the learning rate.

Every optimizer, schedule, early stopper and data order here comes from `dlnotes.optim` (proven
equal to ``torch.optim`` in tests/test_optim.py). Everything runs on the CPU with fixed seeds
and one thread.

* `trajectories()` (figure ``sgd-trajectories``): plain GD, momentum, Nesterov, Adagrad, RMSprop
  and Adam on the Rosenbrock function and on an ill-conditioned quadratic, each with the
  learning rate from a stated log grid that gives the lowest loss after the step budget.
* `saddle()` (figure ``sgd-saddle``): f = x² − y² + y⁴/4 from (1, y₀). From y₀ = 0 exactly,
  GD converges to the saddle (0, 0); a tiny y₀ or gradient noise escapes to a minimum, and
  the escape time grows like ln(1/|y₀|).
* `data_order()` (figure ``sgd-data-order``): softmax regression on the digits with
  class-sorted, reshuffled and with-replacement mini-batches, over ten seeds.
* `early_stopping()` (figure ``sgd-early-stopping``): an MLP on digits with 30% noisy training
  labels; patience 1 vs 3 with restore-best, on a validation set disjoint from the test set.
* `noise_floor()` (figure ``sgd-noise-floor``): linear regression with single-example SGD,
  20 seeds, reshuffled and with replacement; a constant learning rate levels off at a loss that
  scales with η (checked against the small-η theory η tr(C)/4), a decayed one keeps going.
* `lr_sweep()` (figure ``sgd-lr-sweep``): Rosenbrock's f after 300 steps with gradient noise,
  from 8 random starts, against the learning rate, for every optimizer.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on the
figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
随机梯度下降一页的六组实验：各优化器在 Rosenbrock 函数和病态二次函数上的轨迹（每个优化器在
给定的学习率网格上各自调参）；鞍点（从正好在鞍点的方向出发，梯度下降停在鞍点，微小扰动或
梯度噪声能逃离）；数据顺序（按类别排序、每轮重新打乱、有放回抽样）；带标签噪声时的早停
（耐心值 1 与 3，回滚到最优权重）；固定学习率与衰减学习率（噪声平台）；以及带梯度噪声、
多个起点时最终损失随学习率的变化。
优化器、学习率调度、早停和数据顺序都来自 `dlnotes.optim`。
"""

import copy
import math
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import Tensor, nn

from dlnotes import optim
from dlnotes.experiments import THREADS, Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split
from dlnotes.experiments.training import accuracy, make_mlp, summarize

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "FIGURES",
    "FUNCTIONS",
    "LABELS",
    "LR_GRID",
    "NOISE_ORDERS",
    "OPTIMIZERS",
    "data_order",
    "early_stopping",
    "lr_sweep",
    "make_optimizer",
    "noise_floor",
    "plot_data_order",
    "plot_early_stopping",
    "plot_lr_sweep",
    "plot_noise_floor",
    "plot_saddle",
    "plot_trajectories",
    "quadratic",
    "rosenbrock",
    "run_paths",
    "saddle",
    "saddle_f",
    "saddle_run",
    "sweep_medians",
    "trajectories",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
# 10⁻⁴, 10⁻³·⁵, …, 10¹·⁵: wide enough that every optimizer's best rate on every function lies
# strictly inside it (tests/test_sgd_experiments.py checks this)
LR_GRID = tuple(round(10 ** (k / 2), 6) for k in range(-8, 4))
FUNCTIONS = ("rosenbrock", "quadratic", "aligned")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "gd": "GD",
        "momentum": "momentum 0.9",
        "nesterov": "Nesterov 0.9",
        "adagrad": "Adagrad",
        "rmsprop": "RMSprop",
        "adam": "Adam",
        "rosenbrock": "Rosenbrock",
        "quadratic": "quadratic, κ = {kappa:g}, rotated 45°",
        "aligned": "quadratic, κ = {kappa:g}, axis-aligned",
        "step": "step",
        "loss": "f(θ) − f*",
        "sorted": "class-sorted",
        "reshuffle": "reshuffled",
        "replacement": "with replacement",
        "epoch": "epoch",
        "test_acc": "test accuracy",
        "train_loss": "training loss",
        "exact": "y₀ = 0",
        "tiny": "y₀ = {y0:g}",
        "noise": "noise σ = {sigma:g}",
        "y": "y",
        "escape": "steps to |y| > 1",
        "ln": "ln(1/|y₀|)",
        "val_loss": "validation loss",
        "stop": "patience {p}: stop",
        "best": "best epoch",
        "constant": "constant η = {lr:g}",
        "cosine": "cosine decay",
        "excess": "excess loss",
        "theory": "theory η tr(C)/4",
        "ratio": "floor / theory",
        "reshuffle_short": "reshuf-\nfled",
        "replacement_short": "with re-\nplacement",
        "lr": "learning rate η",
        "median_final": "median f after 300 noisy steps",
    },
    "zh": {
        "gd": "梯度下降",
        "momentum": "动量 0.9",
        "nesterov": "Nesterov 0.9",
        "adagrad": "Adagrad",
        "rmsprop": "RMSprop",
        "adam": "Adam",
        "rosenbrock": "Rosenbrock 函数",
        "quadratic": "二次函数，κ = {kappa:g}，旋转 45°",
        "aligned": "二次函数，κ = {kappa:g}，与坐标轴对齐",
        "step": "步数",
        "loss": "f(θ) − f*",
        "sorted": "按类别排序",
        "reshuffle": "每轮重新打乱",
        "replacement": "有放回抽样",
        "epoch": "轮数（epoch）",
        "test_acc": "测试准确率",
        "train_loss": "训练损失",
        "exact": "y₀ = 0",
        "tiny": "y₀ = {y0:g}",
        "noise": "梯度噪声 σ = {sigma:g}",
        "y": "y",
        "escape": "|y| > 1 所需步数",
        "ln": "ln(1/|y₀|)",
        "val_loss": "验证集损失",
        "stop": "耐心值 {p}：停止",
        "best": "最优轮次",
        "constant": "固定 η = {lr:g}",
        "cosine": "余弦衰减",
        "excess": "超额损失",
        "theory": "理论值 η tr(C)/4",
        "ratio": "平台 / 理论值",
        "reshuffle_short": "每轮\n打乱",
        "replacement_short": "有放回\n抽样",
        "lr": "学习率 η",
        "median_final": "300 步带噪声更新后 f 的中位数",
    },
}
COLORS = dict(zip(OPTIMIZERS, plotting.COLORS, strict=False))
COLORS["gd"] = plotting.GREY


def make_optimizer(name: str, params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """One of ``OPTIMIZERS`` from `dlnotes.optim`, with torch's defaults apart from ``lr``.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.sgd import make_optimizer
        >>> opt = make_optimizer("nesterov", [torch.zeros(2, requires_grad=True)], 0.1)
        >>> type(opt).__name__, opt.defaults["momentum"], opt.defaults["nesterov"]
        ('SGD', 0.9, True)
    """
    if name == "gd":
        return optim.SGD(params, lr=lr)
    if name in ("momentum", "nesterov"):
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=name == "nesterov")
    makers = {"adagrad": optim.Adagrad, "rmsprop": optim.RMSprop, "adam": optim.Adam}
    if name not in makers:
        raise ValueError(f"name must be one of {OPTIMIZERS}, got {name!r}")
    opt: torch.optim.Optimizer = makers[name](params, lr=lr)
    return opt


# ---------------------------------------------------------------------------------------------
# 1. Optimizer trajectories on two 2-D functions
# ---------------------------------------------------------------------------------------------


def rosenbrock(p: Tensor) -> Tensor:
    """f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1)."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def quadratic(kappa: float, angle: float = 0.0) -> Callable[[Tensor], Tensor]:
    """f = ½ (u² + κ v²) in axes (u, v) rotated by ``angle`` degrees from (x, y).

    Curvatures 1 and κ (L = κ), minimum 0 at (0, 0). With ``angle = 0`` the Hessian is
    diagonal, ½ (x² + κ y²), and a per-coordinate (diagonal) preconditioner such as Adagrad's,
    RMSprop's or Adam's can undo the conditioning exactly; at 45° it cannot.
    """
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def f(p: Tensor) -> Tensor:
        # (u, v) = Rᵀ (x, y): the coordinates along the two principal axes
        u, v = c * p[0] + s * p[1], -s * p[0] + c * p[1]
        return 0.5 * (u**2 + kappa * v**2)

    return f


def run_paths(
    f: Callable[[Tensor], Tensor],
    start: tuple[float, float],
    name: str,
    lrs: tuple[float, ...],
    steps: int,
) -> list[list[list[float]]]:
    """Paths θ₀ … θ_steps of optimizer ``name`` on ``f``, one per learning rate in ``lrs``.

    The runs share nothing but the optimizer object: each lr is its own param group holding
    its own point, and the summed loss Σₖ f(θₖ) has ∂/∂θₖ = ∇f(θₖ), so one backward pass
    serves them all (``f`` takes a ``(2, K)`` tensor of points). A run that leaves the
    finite region (or |θ| > 10⁶) is frozen there.
    """
    points = [torch.tensor(start, dtype=torch.float64, requires_grad=True) for _ in lrs]
    opt = make_optimizer(name, [points[0]], lrs[0])
    for p, lr in zip(points[1:], lrs[1:], strict=True):
        opt.add_param_group({"params": [p], "lr": lr})
    history = [torch.stack([p.detach() for p in points])]  # (K, 2) per step
    for _ in range(steps):
        opt.zero_grad()
        live = [p for p in points if torch.isfinite(p).all() and p.detach().abs().max() <= 1e6]
        if not live:
            break
        f(torch.stack(live).T).sum().backward()  # f evaluated at all K points at once
        opt.step()
        history.append(torch.stack([p.detach().clone() for p in points]))
    stacked = torch.stack(history)  # (steps + 1, K, 2)
    return [stacked[:, k].tolist() for k in range(len(lrs))]


def trajectories(
    steps: int = 300,
    lr_grid: tuple[float, ...] = LR_GRID,
    kappa: float = 100.0,
    rosenbrock_start: tuple[float, float] = (-1.5, 2.0),
    quadratic_start: tuple[float, float] = (0.7, 1.3),
    aligned_start: tuple[float, float] = (1.0, 1.0),
) -> Result:
    """Tune each optimizer's lr on ``lr_grid`` (lowest final f), then record its path.

    Three functions: Rosenbrock's; the quadratic with curvatures 1 and ``kappa`` rotated by
    45° (``"quadratic"``), which no per-coordinate scaling can precondition; and the same
    quadratic aligned with the axes (``"aligned"``), where a diagonal preconditioner removes
    the conditioning, flattering Adagrad, RMSprop and Adam. The criterion is declared before
    looking: the lr whose loss after ``steps`` steps is lowest (the smallest such lr on a
    tie); a run that leaves the finite region (or |θ| > 10⁶) counts as diverged (loss
    ``None``).

    Returns:
        ``{"functions": {"rosenbrock"|"quadratic"|"aligned": {"grid": {opt: [loss per lr]},
        "best_lr": {opt: lr}, "paths": {opt: [[x, y], ...]}, "losses": {opt: [f per
        step]}}}, ...}``.

    Examples:
        >>> from dlnotes.experiments.sgd import trajectories
        >>> r = trajectories(steps=20, lr_grid=(0.001, 0.01))
        >>> r["functions"]["quadratic"]["best_lr"]["gd"]
        0.01
    """
    functions = {
        "rosenbrock": (rosenbrock, rosenbrock_start),
        "quadratic": (quadratic(kappa, 45.0), quadratic_start),
        "aligned": (quadratic(kappa), aligned_start),
    }
    out: dict[str, Any] = {}
    with seeded(0, THREADS):
        for key, (f, start) in functions.items():
            grid: dict[str, list[float | None]] = {}
            best_lr: dict[str, float] = {}
            paths: dict[str, list[list[float]]] = {}
            losses: dict[str, list[float]] = {}
            for name in OPTIMIZERS:
                runs = run_paths(f, start, name, lr_grid, steps)
                finals: list[float | None] = []
                for path in runs:
                    last = f(torch.tensor(path[-1], dtype=torch.float64)).item()
                    ok = math.isfinite(last) and max(abs(v) for v in path[-1]) <= 1e6
                    finals.append(last if ok else None)
                grid[name] = finals
                k = min((v, k) for k, v in enumerate(finals) if v is not None)[1]
                best_lr[name] = lr_grid[k]
                paths[name] = runs[k]
                curve = f(torch.tensor(runs[k], dtype=torch.float64).T)  # (steps + 1,)
                losses[name] = curve.tolist()
            out[key] = {"grid": grid, "best_lr": best_lr, "paths": paths, "losses": losses}
    return {
        "steps": steps,
        "lr_grid": list(lr_grid),
        "kappa": kappa,
        "starts": {
            "rosenbrock": list(rosenbrock_start),
            "quadratic": list(quadratic_start),
            "aligned": list(aligned_start),
        },
        "functions": out,
    }


@plotting.styled
def plot_trajectories(result: Result, lang: str = "en") -> Figure:
    """Rosenbrock paths on its contours (top); f − f* against steps on both functions (below).

    Examples:
        >>> from dlnotes.experiments.sgd import plot_trajectories, trajectories
        >>> fig = plot_trajectories(trajectories(steps=10, lr_grid=(0.001,)), lang="zh")
        >>> fig.axes[3].get_xlabel()
        '步数'
    """
    import numpy as np

    words = LABELS[lang]
    fig, axes = plotting.figure(height=10.4, nrows=4)
    ax = axes[0]
    xs, ys = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
    zs = (1 - xs) ** 2 + 100 * (ys - xs**2) ** 2
    ax.contour(xs, ys, zs, levels=np.logspace(-1, 3.5, 12), colors="#CCCCCC", linewidths=0.8)
    rosen = result["functions"]["rosenbrock"]
    for name in OPTIMIZERS:
        path = np.array(rosen["paths"][name])
        ax.plot(path[:, 0], path[:, 1], color=COLORS[name], linewidth=1.2)
    ax.plot([1], [1], "k*", markersize=9)
    ax.plot(*result["starts"]["rosenbrock"], "ko", markersize=4)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-1, 3)
    ax.set_title(words["rosenbrock"])
    titles = {key: words[key] for key in FUNCTIONS}
    for ax, key in zip(axes[1:], FUNCTIONS, strict=True):
        data = result["functions"][key]
        for name in OPTIMIZERS:
            values = [max(v, 1e-16) for v in data["losses"][name]]
            lr = data["best_lr"][name]
            label = f"{words[name]}, η={lr:.2g}" if key == "rosenbrock" else None
            ax.plot(values, color=COLORS[name], label=label)
        ax.set_yscale("log")
        exponents = (-2, 0, 2) if key == "rosenbrock" else (-15, -10, -5, 0)
        ax.set_ylim(10.0 ** (exponents[0] - 1), 10.0**4)
        ax.set_yticks([10.0**e for e in exponents], [plotting.power_label(e) for e in exponents])
        ax.minorticks_off()
        ax.set_ylabel(words["loss"])
        ax.set_title(titles[key].format(kappa=result["kappa"]))
    axes[3].set_xlabel(words["step"])
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Saddle point
# ---------------------------------------------------------------------------------------------


def saddle_f(p: Tensor) -> Tensor:
    """f(x, y) = x² − y² + y⁴/4: a saddle at (0, 0), minima f = −1 at (0, ±√2)."""
    return p[0] ** 2 - p[1] ** 2 + p[1] ** 4 / 4


def saddle_run(
    y0: float, lr: float, steps: int, sigma: float = 0.0, seed: int = 0
) -> list[list[float]]:
    """GD (``sigma = 0``) or GD with N(0, σ²) gradient noise on `saddle_f` from (1, y0)."""
    g = torch.Generator().manual_seed(seed)
    p = torch.tensor([1.0, y0], dtype=torch.float64, requires_grad=True)
    opt = optim.SGD([p], lr=lr)
    path = [p.detach().tolist()]
    for _ in range(steps):
        opt.zero_grad()
        saddle_f(p).backward()
        if sigma:
            # g̃ = ∇f + ξ,  ξ ~ N(0, σ² I)
            # (the gradient exists: backward ran on f(p))
            cast(Tensor, p.grad).add_(sigma * torch.randn(2, generator=g, dtype=torch.float64))
        opt.step()
        path.append(p.detach().tolist())
    return path


def saddle(
    lr: float = 0.05,
    steps: int = 400,
    tiny: float = 1e-8,
    sigma: float = 0.01,
    y0s: tuple[float, ...] = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12),
    noise_seeds: tuple[int, ...] = tuple(range(10)),
) -> Result:
    """Plain GD from (1, 0), from (1, ``tiny``), and with gradient noise; escape times vs y₀.

    The noisy run is repeated for every seed in ``noise_seeds`` (final point and escape step
    per seed); the figure draws the first.

    Examples:
        >>> from dlnotes.experiments.sgd import saddle
        >>> r = saddle(steps=50, y0s=(1e-2,))
        >>> r["runs"]["exact"]["y"][-1]
        0.0
    """
    runs = {
        "exact": saddle_run(0.0, lr, steps),
        "tiny": saddle_run(tiny, lr, steps),
        "noise": saddle_run(0.0, lr, steps, sigma=sigma, seed=noise_seeds[0] if noise_seeds else 0),
    }
    escape = []
    for y0 in y0s:
        ys = [abs(q[1]) for q in saddle_run(y0, lr, steps)]
        escape.append(next((t for t, y in enumerate(ys) if y > 1), None))
    noisy = []
    for seed in noise_seeds:
        path = saddle_run(0.0, lr, steps, sigma=sigma, seed=seed)
        out = next((t for t, q in enumerate(path) if abs(q[1]) > 1), None)
        end = path[-1]
        noisy.append(
            {"seed": seed, "final": end, "f": saddle_f(torch.tensor(end)).item(), "escape": out}
        )
    return {
        "lr": lr,
        "steps": steps,
        "tiny": tiny,
        "sigma": sigma,
        "noise_seeds": noisy,
        "runs": {
            k: {
                "x": [q[0] for q in v],
                "y": [q[1] for q in v],
                "f": [saddle_f(torch.tensor(q)).item() for q in v],
            }
            for k, v in runs.items()
        },
        "y0s": list(y0s),
        "escape_steps": escape,
    }


@plotting.styled
def plot_saddle(result: Result, lang: str = "en") -> Figure:
    """y against steps for the three runs (top); escape steps against ln(1/|y₀|) (bottom).

    Examples:
        >>> from dlnotes.experiments.sgd import plot_saddle, saddle
        >>> fig = plot_saddle(saddle(steps=50, y0s=(1e-2,)), lang="en")
        >>> fig.axes[0].get_ylabel()
        'y'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.6, nrows=2)
    names = {
        "exact": words["exact"],
        "tiny": words["tiny"].format(y0=result["tiny"]),
        "noise": words["noise"].format(sigma=result["sigma"]),
    }
    styles = {
        "exact": (plotting.GREY, "-"),
        "tiny": (plotting.COLORS[0], "-"),
        "noise": (plotting.COLORS[3], "--"),
    }
    for key, label in names.items():
        color, line = styles[key]
        top.plot(result["runs"][key]["y"], color=color, linestyle=line, label=label)
    top.axhline(math.sqrt(2), color="black", linestyle=":", linewidth=1)
    top.axhline(-math.sqrt(2), color="black", linestyle=":", linewidth=1)
    top.set_yticks([-math.sqrt(2), 0, math.sqrt(2)], ["−√2", "0", "√2"])
    top.set_xlabel(words["step"])
    top.set_ylabel(words["y"])
    lns = [math.log(1 / y0) for y0 in result["y0s"]]
    top.legend(loc="lower right")
    bottom.plot(lns, result["escape_steps"], "o-", color=plotting.COLORS[0])
    bottom.set_xlabel(words["ln"])
    bottom.set_ylabel(words["escape"])
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Data order
# ---------------------------------------------------------------------------------------------


def data_order(
    seeds: tuple[int, ...] = tuple(range(10)),
    epochs: int = 5,
    batch_size: int = 16,
    lr: float = 0.3,
    init_std: float = 0.1,
) -> Result:
    """Softmax regression on the digits with plain SGD in each of `dlnotes.optim.ORDERS`.

    All seeds train at once: one weight tensor ``(S, 64, 10)`` holds S independent models,
    each fed its own mini-batches (its own generator), and the summed loss Σₛ Lₛ gives each
    model exactly its own gradient. Each seed draws its own initial weights, N(0,
    ``init_std``²) (biases 0), so that even the class-sorted order, whose batches are the same
    for every seed, gives S different runs. After every epoch: test accuracy and the training
    loss on the whole training set.

    Returns:
        ``{"orders": {order: {"test_acc", "train_loss"}}}``, each a `training.summarize` summary
        over epochs 1 … ``epochs`` (per seed).

    Examples:
        >>> from dlnotes.experiments.sgd import data_order
        >>> r = data_order(seeds=(0,), epochs=1)
        >>> r["orders"]["reshuffle"]["test_acc"]["mean"][0] > 0.8
        True
    """
    x_train, y_train, x_test, y_test = load_digits_split()
    n_seeds = len(seeds)
    out: dict[str, Any] = {}
    with seeded(0, THREADS):
        for order in optim.ORDERS:
            gens = [torch.Generator().manual_seed(seed) for seed in seeds]
            # W₀ ~ N(0, init_std²) per seed: without it the class-sorted arm (a fixed order
            # from a fixed start) would be one run repeated S times
            init = [init_std * torch.randn(64, 10, generator=g) for g in gens]
            weight = torch.stack(init).requires_grad_()  # (S, 64, 10)
            bias = torch.zeros(n_seeds, 1, 10, requires_grad=True)  # (S, 1, 10)
            opt = optim.SGD([weight, bias], lr=lr)
            acc_rows: list[list[float | None]] = []
            loss_rows: list[list[float | None]] = []
            for _ in range(epochs):
                epoch = [
                    optim.minibatches(x_train, y_train, batch_size, order, generator=g)
                    for g in gens
                ]
                for group in zip(*epoch, strict=True):
                    xb = torch.stack([xy[0] for xy in group])  # (S, B, 64)
                    yb = torch.stack([xy[1] for xy in group])  # (S, B)
                    logits = torch.baddbmm(bias, xb, weight)  # (S, B, 10)
                    # Σₛ Lₛ, where Lₛ is model s's mean cross-entropy on its own batch
                    loss = nn.functional.cross_entropy(logits.transpose(1, 2), yb, reduction="none")
                    opt.zero_grad()
                    loss.mean(dim=1).sum().backward()
                    opt.step()
                with torch.no_grad():
                    train_logits = torch.baddbmm(bias, x_train.expand(n_seeds, -1, -1), weight)
                    train_loss = nn.functional.cross_entropy(
                        train_logits.transpose(1, 2), y_train.expand(n_seeds, -1), reduction="none"
                    ).mean(dim=1)  # (S,)
                    test_logits = torch.baddbmm(bias, x_test.expand(n_seeds, -1, -1), weight)
                    test_acc = (test_logits.argmax(dim=2) == y_test).float().mean(dim=1)  # (S,)
                loss_rows.append(train_loss.tolist())
                acc_rows.append(test_acc.tolist())
            out[order] = {"test_acc": summarize(acc_rows), "train_loss": summarize(loss_rows)}
    return {
        "seeds": list(seeds),
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "init_std": init_std,
        "orders": out,
    }


@plotting.styled
def plot_data_order(result: Result, lang: str = "en") -> Figure:
    """Test accuracy (top) and training loss (bottom) after each epoch, per data order.

    Examples:
        >>> from dlnotes.experiments.sgd import data_order, plot_data_order
        >>> fig = plot_data_order(data_order(seeds=(0,), epochs=1), lang="zh")
        >>> fig.axes[1].get_xlabel()
        '轮数（epoch）'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=5.2, nrows=2, sharex=True)
    epochs = list(range(1, result["epochs"] + 1))
    colors = {
        "sorted": plotting.COLORS[3],
        "reshuffle": plotting.COLORS[0],
        "replacement": plotting.COLORS[2],
    }
    markers = {"sorted": "s", "reshuffle": "o", "replacement": "^"}
    for order in optim.ORDERS:
        stats = result["orders"][order]
        plotting.band(
            top,
            epochs,
            stats["test_acc"],
            color=colors[order],
            label=words[order],
            marker=markers[order],
        )
        plotting.band(
            bottom,
            epochs,
            stats["train_loss"],
            color=colors[order],
            label=None,
            marker=markers[order],
        )
    top.set_ylabel(words["test_acc"])
    bottom.set_ylabel(words["train_loss"])
    bottom.set_yscale("log")
    bottom.set_yticks([0.1, 0.3, 1.0, 3.0], ["0.1", "0.3", "1", "3"])
    bottom.minorticks_off()
    bottom.set_xlabel(words["epoch"])
    bottom.set_xticks(epochs)
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 4. Early stopping with label noise
# ---------------------------------------------------------------------------------------------


def early_stopping(
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    epochs: int = 30,
    noise: float = 0.3,
    patiences: tuple[int, ...] = (1, 3),
    width: int = 128,
    batch_size: int = 64,
    lr: float = 1e-3,
) -> Result:
    """A 2×``width`` MLP with Adam on digits whose training labels are ``noise`` corrupted.

    The 1,347 training images are split into 1,010 for training and 337 for validation, and
    a fraction ``noise`` of both sets' labels is replaced by a random class (validation data
    comes from the same noisy source as the training data); the 450 clean test images are
    used only for measurement. For each patience an `dlnotes.optim.EarlyStopping`
    watches the validation loss; at its stop its best weights are restored and tested.

    Examples:
        >>> from dlnotes.experiments.sgd import early_stopping
        >>> r = early_stopping(seeds=(0,), epochs=3, width=16)
        >>> len(r["runs"][0]["val_loss"])
        3
    """
    x_all, y_all, x_test, y_test = load_digits_split()
    runs = []
    for seed in seeds:
        with seeded(seed, THREADS) as g:
            order = torch.randperm(len(x_all), generator=g)
            val_idx, train_idx = order[:337], order[337:]
            y_noisy = y_all.clone()
            # a fraction `noise` of the labels replaced by a uniformly random class
            flip = torch.rand(len(y_noisy), generator=g) < noise
            y_noisy[flip] = torch.randint(10, (int(flip.sum()),), generator=g)
            x_train, y_train = x_all[train_idx], y_noisy[train_idx]
            x_val, y_val = x_all[val_idx], y_noisy[val_idx]
            model = make_mlp(3, width)
            opt = optim.Adam(model.parameters(), lr=lr)
            stoppers = {p: optim.EarlyStopping(patience=p) for p in patiences}
            stopped: dict[int, dict[str, float | None]] = {}
            val_losses, test_accs = [], []
            for epoch in range(epochs):
                model.train()
                for xb, yb in optim.minibatches(x_train, y_train, batch_size, generator=g):
                    opt.zero_grad()
                    nn.functional.cross_entropy(model(xb), yb).backward()
                    opt.step()
                model.eval()
                with torch.no_grad():
                    val = nn.functional.cross_entropy(model(x_val), y_val).item()
                val_losses.append(val)
                test_accs.append(accuracy(model, x_test, y_test))
                for p, stopper in stoppers.items():
                    if p not in stopped and stopper.step(val, model):
                        restored = copy.deepcopy(model)
                        stopper.restore(restored)
                        stopped[p] = {
                            "stop_epoch": epoch,
                            "best_epoch": stopper.best_epoch,
                            "restored_test_acc": accuracy(restored, x_test, y_test),
                            "test_acc_at_stop": test_accs[-1],
                        }
            runs.append(
                {
                    "seed": seed,
                    "val_loss": val_losses,
                    "test_acc": test_accs,
                    "stops": {str(p): stopped.get(p) for p in patiences},
                }
            )
    return {"epochs": epochs, "noise": noise, "patiences": list(patiences), "runs": runs}


@plotting.styled
def plot_early_stopping(result: Result, lang: str = "en") -> Figure:
    """Seed 0's validation loss and test accuracy per epoch, with each patience's stop marked.

    Examples:
        >>> from dlnotes.experiments.sgd import early_stopping, plot_early_stopping
        >>> fig = plot_early_stopping(early_stopping(seeds=(0,), epochs=3, width=16), lang="en")
        >>> fig.axes[0].get_ylabel()
        'validation loss'
    """
    words = LABELS[lang]
    run = result["runs"][0]
    fig, (top, bottom) = plotting.figure(height=5.4, nrows=2, sharex=True)
    epochs = list(range(1, len(run["val_loss"]) + 1))
    top.plot(epochs, run["val_loss"], color=plotting.COLORS[0])
    bottom.plot(epochs, run["test_acc"], color=plotting.COLORS[0])
    colors = (plotting.COLORS[3], plotting.COLORS[2], plotting.COLORS[1])
    for color, p in zip(colors, result["patiences"], strict=False):
        stop = run["stops"][str(p)]
        if stop is None:
            continue
        for ax in (top, bottom):
            ax.axvline(stop["stop_epoch"] + 1, color=color, linestyle="--", linewidth=1.2)
        top.plot([], [], "--", color=color, label=words["stop"].format(p=p))
        bottom.plot([stop["best_epoch"] + 1], [stop["restored_test_acc"]], "o", color=color)
    top.set_ylabel(words["val_loss"])
    bottom.set_ylabel(words["test_acc"])
    bottom.set_xlabel(words["epoch"])
    if any(run["stops"].values()):  # a run too short for any stop has nothing to label
        plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 5. Noise floor: constant vs decayed learning rate
# ---------------------------------------------------------------------------------------------


NOISE_ORDERS = ("reshuffle", "replacement")


def noise_floor(
    n: int = 500,
    d: int = 10,
    label_noise: float = 0.5,
    lrs: tuple[float, ...] = (0.02, 0.005),
    epochs: int = 8,
    window: int = 2000,
    end: int = 100,
    seeds: tuple[int, ...] = tuple(range(20)),
    every: int = 10,
) -> Result:
    """Linear regression with single-example SGD: constant lrs vs cosine decay from the larger.

    For each seed: x ~ N(0, I_d), y = x·w* + ε, ε ~ N(0, ``label_noise``²), n examples. The
    excess loss L(w) − L(ŵ) is measured on the whole training set against its least-squares
    solution ŵ; a constant rate's floor is its mean over the last ``window`` steps (the runs
    have levelled off long before), and ``final`` is every run's mean over the last ``end``
    steps (where the decayed rate is nearly 0). Each seed's data is
    visited in both `NOISE_ORDERS` (random reshuffling, and draws with replacement, each from
    a generator seeded with the seed). All seeds and orders train at once: every run is one
    row of a ``(orders × seeds, d)`` weight tensor, given its own single-example gradient.

    The small-η theory for draws with replacement: near ŵ the gradient noise has covariance
    C = (1/n) Σᵢ rᵢ² xᵢxᵢᵀ (rᵢ the residual at ŵ), the stationary covariance Σ of w − ŵ solves
    HΣ + ΣH = ηC, and the excess loss ½ tr(HΣ) = η tr(C)/4 (≈ η σ² tr(H)/4). ``theory`` is
    that value per seed and lr.

    Returns:
        ``{"floors": {order: {run: [per seed]}}, "final": {order: {run: [per seed]}},
        "theory": {run: [per seed]}, "curves":
        {order: {run: [mean over seeds per recorded step]}}, "curve_steps": [...], ...}``,
        where a run is ``"constant-<lr>"`` or ``"cosine"``.

    Examples:
        >>> from dlnotes.experiments.sgd import noise_floor
        >>> r = noise_floor(n=100, epochs=1, window=10, end=5, seeds=(0, 1))
        >>> sorted(r["final"]["replacement"]), len(r["theory"]["constant-0.02"])
        (['constant-0.005', 'constant-0.02', 'cosine'], 2)
    """
    n_seeds, n_orders = len(seeds), len(NOISE_ORDERS)
    with seeded(0, THREADS):
        xs, ys = [], []
        for seed in seeds:
            g = torch.Generator().manual_seed(seed)
            x = torch.randn(n, d, generator=g, dtype=torch.float64)
            w_star = torch.randn(d, generator=g, dtype=torch.float64)
            xs.append(x)
            ys.append(x @ w_star + label_noise * torch.randn(n, generator=g, dtype=torch.float64))
        x, y = torch.stack(xs), torch.stack(ys)  # (S, n, d), (S, n)
        w_hat = torch.linalg.lstsq(x, y.unsqueeze(2)).solution.squeeze(2)  # (S, d)
        hessian = x.transpose(1, 2) @ x / n  # (S, d, d): L(w) − L(ŵ) = ½ (w − ŵ)ᵀ H (w − ŵ)
        residual = y - (x @ w_hat.unsqueeze(2)).squeeze(2)  # (S, n)
        # tr C = (1/n) Σᵢ rᵢ² ‖xᵢ‖²
        trace_c = (residual**2 * (x**2).sum(dim=2)).mean(dim=1)  # (S,)
        steps = epochs * n
        rows = []  # one row of example indices per (order, seed) run: (O·S, steps)
        for order in NOISE_ORDERS:
            for seed in seeds:
                g = torch.Generator().manual_seed(seed)
                rows.append(torch.cat([optim.epoch_indices(y[0], order, g) for _ in range(epochs)]))
        order_idx = torch.stack(rows)
        xm, ym = x.repeat(n_orders, 1, 1), y.repeat(n_orders, 1)  # (O·S, n, d), (O·S, n)
        w_hat_m, hessian_m = w_hat.repeat(n_orders, 1), hessian.repeat(n_orders, 1, 1)
        runs = [f"constant-{lr:g}" for lr in lrs] + ["cosine"]
        ws = [torch.zeros(n_orders * n_seeds, d, dtype=torch.float64) for _ in runs]
        for w in ws:
            w.requires_grad_()
        constant = optim.SGD([{"params": [w], "lr": lr} for w, lr in zip(ws, lrs, strict=False)])
        decayed = optim.SGD([ws[-1]], lr=max(lrs))
        sched = optim.CosineAnnealingLR(decayed, T_max=steps)
        rows_m = torch.arange(n_orders * n_seeds)
        recorded, tail, curve_steps = [], [], []
        for t in range(steps):
            i = order_idx[:, t]
            xi, yi = xm[rows_m, i], ym[rows_m, i]  # (O·S, d), (O·S,)
            for w in ws:
                # ∇ℓᵢ(w) = xᵢ (xᵢ·w − yᵢ), one example per run
                w.grad = xi * ((xi * w.detach()).sum(dim=1) - yi).unsqueeze(1)
            constant.step()
            decayed.step()
            sched.step()
            last = t >= steps - window
            if last or (t + 1) % every == 0:
                with torch.no_grad():
                    delta = torch.stack(ws) - w_hat_m  # (runs, O·S, d)
                    excess = 0.5 * torch.einsum("rmd,mde,rme->rm", delta, hessian_m, delta)
                if last:
                    tail.append(excess)
                if (t + 1) % every == 0:
                    recorded.append(excess.view(len(runs), n_orders, n_seeds).mean(dim=2))
                    curve_steps.append(t + 1)
    tails = torch.stack(tail).view(window, len(runs), n_orders, n_seeds)
    floor, final = tails.mean(dim=0), tails[-end:].mean(dim=0)  # (runs, O, S) each
    curves = torch.stack(recorded)  # (points, runs, O)
    return {
        "seeds": list(seeds),
        "lrs": list(lrs),
        "steps": steps,
        "window": window,
        "orders": list(NOISE_ORDERS),
        "end": end,
        "floors": {
            order: {run: floor[r, o].tolist() for r, run in enumerate(runs[:-1])}
            for o, order in enumerate(NOISE_ORDERS)
        },
        "final": {
            order: {run: final[r, o].tolist() for r, run in enumerate(runs)}
            for o, order in enumerate(NOISE_ORDERS)
        },
        "theory": {f"constant-{lr:g}": (lr * trace_c / 4).tolist() for lr in lrs},
        "curve_steps": curve_steps,
        "curves": {
            order: {run: curves[:, r, o].tolist() for r, run in enumerate(runs)}
            for o, order in enumerate(NOISE_ORDERS)
        },
    }


@plotting.styled
def plot_noise_floor(result: Result, lang: str = "en") -> Figure:
    """Mean excess loss against steps with the theory lines (top); floor / theory per seed (bottom).

    Examples:
        >>> from dlnotes.experiments.sgd import noise_floor, plot_noise_floor
        >>> r = noise_floor(n=100, epochs=1, window=10, end=5, seeds=(0, 1))
        >>> plot_noise_floor(r, lang="zh").axes[0].get_ylabel()
        '超额损失'
    """
    words = LABELS[lang]
    fig, (top, bottom) = plotting.figure(height=6.4, nrows=2)
    runs = list(result["final"]["reshuffle"])
    colors = dict(
        zip(runs, (plotting.COLORS[1], plotting.COLORS[0], plotting.COLORS[3]), strict=False)
    )
    styles = {"reshuffle": "-", "replacement": ":"}
    for order in result["orders"]:
        for run in runs:
            if run == "cosine" and order != "reshuffle":
                continue  # the decayed run is drawn for reshuffling only
            label = (
                words["cosine"]
                if run == "cosine"
                else words["constant"].format(lr=float(run.split("-")[1]))
            )
            label = f"{label}, {words[order]}" if run != "cosine" else label
            top.plot(
                result["curve_steps"],
                result["curves"][order][run],
                color=colors[run],
                linestyle=styles[order],
                label=label,
            )
    for run, values in result["theory"].items():
        top.axhline(sum(values) / len(values), color=colors[run], linestyle="--", linewidth=1)
    top.plot([], [], "k--", linewidth=1, label=words["theory"])
    top.set_yscale("log")
    top.set_yticks([1e-4, 1e-3, 1e-2, 1e-1], [plotting.power_label(e) for e in (-4, -3, -2, -1)])
    top.minorticks_off()
    top.set_xlabel(words["step"])
    top.set_ylabel(words["excess"])
    # bottom: each seed's floor divided by its theory value, per lr and order
    ticks, names = [], []
    for k, run in enumerate(result["theory"]):
        for j, order in enumerate(result["orders"]):
            pos = 3 * k + j
            ratios = [
                f / t
                for f, t in zip(result["floors"][order][run], result["theory"][run], strict=True)
            ]
            bottom.plot(
                [pos] * len(ratios), ratios, "o", color=colors[run], alpha=0.6, markersize=4
            )
            ticks.append(pos)
            names.append(words[order + "_short"])
        lr = float(run.split("-")[1])
        bottom.text(3 * k + 0.5, 1.5, f"η = {lr:g}", ha="center", color=colors[run])
    bottom.axhline(1.0, color="black", linestyle="--", linewidth=1)
    bottom.set_xticks(ticks, names)
    bottom.set_ylabel(words["ratio"])
    bottom.set_ylim(0, 1.7)
    bottom.set_xlim(-0.6, 4.6)
    plotting.legend_below(fig, ncols=1)
    return fig


# ---------------------------------------------------------------------------------------------
# 6. Final loss against the learning rate, from several starts with gradient noise
# ---------------------------------------------------------------------------------------------


def lr_sweep(
    steps: int = 300,
    lr_grid: tuple[float, ...] = LR_GRID,
    n_starts: int = 8,
    sigma: float = 1.0,
    seed: int = 0,
) -> Result:
    """Rosenbrock's f after ``steps`` noisy steps, for every optimizer, lr and start.

    The starts are drawn uniformly from [−2, 2] × [−1, 3] (the plotted region); every gradient
    gets N(0, ``sigma``² I) noise, a stand-in for mini-batch noise. All the optimizers here act
    elementwise, so one ``(n_starts, 2)`` tensor per lr holds ``n_starts`` independent runs. A run
    that ends non-finite or with |θ| > 10⁶ counts as diverged (``None``).

    Returns:
        ``{"finals": {opt: [[f per start] per lr]}, "lr_grid", "starts", "sigma", ...}``.

    Examples:
        >>> from dlnotes.experiments.sgd import lr_sweep
        >>> r = lr_sweep(steps=5, lr_grid=(1e-4, 1e-3), n_starts=2)
        >>> len(r["finals"]["adam"]), len(r["finals"]["adam"][0])
        (2, 2)
    """
    finals: dict[str, list[list[float | None]]] = {}
    with seeded(seed, THREADS) as g:
        low = torch.tensor([-2.0, -1.0], dtype=torch.float64)
        starts = low + 4.0 * torch.rand(n_starts, 2, generator=g, dtype=torch.float64)
        for name in OPTIMIZERS:
            noise = torch.Generator().manual_seed(seed)  # the same noise for every optimizer
            points = [starts.clone().requires_grad_() for _ in lr_grid]  # (S, 2) per lr
            opt = make_optimizer(name, [points[0]], lr_grid[0])
            for p, lr in zip(points[1:], lr_grid[1:], strict=True):
                opt.add_param_group({"params": [p], "lr": lr})
            for _ in range(steps):
                opt.zero_grad()
                rosenbrock(torch.cat(points).T).sum().backward()  # f at all K·S points
                for p in points:
                    # g̃ = ∇f + ξ,  ξ ~ N(0, σ² I)
                    # (the gradient exists: backward ran on f(p))
                    noise_p = sigma * torch.randn(p.shape, generator=noise, dtype=p.dtype)
                    cast(Tensor, p.grad).add_(noise_p)
                opt.step()
            rows = []
            for p in points:
                end = p.detach()  # (S, 2)
                f = rosenbrock(end.T)  # (S,)
                ok = torch.isfinite(f) & (end.abs().amax(dim=1) <= 1e6)
                rows.append(
                    [v if k else None for v, k in zip(f.tolist(), ok.tolist(), strict=True)]
                )
            finals[name] = rows
    return {
        "steps": steps,
        "lr_grid": list(lr_grid),
        "sigma": sigma,
        "starts": starts.tolist(),
        "finals": finals,
    }


def sweep_medians(result: Result) -> dict[str, list[float | None]]:
    """Per optimizer and lr, the median final f over the starts (``None`` if any diverged).

    Examples:
        >>> sweep_medians({"finals": {"gd": [[1.0, 3.0, 2.0], [1.0, None, 0.5]]}})
        {'gd': [2.0, None]}
    """
    return {
        name: [None if None in row else statistics.median(row) for row in rows]
        for name, rows in result["finals"].items()
    }


@plotting.styled
def plot_lr_sweep(result: Result, lang: str = "en") -> Figure:
    """Median final f over the starts against the learning rate, one line per optimizer.

    A line stops where some start diverged at the next rate.

    Examples:
        >>> from dlnotes.experiments.sgd import lr_sweep, plot_lr_sweep
        >>> fig = plot_lr_sweep(lr_sweep(steps=5, lr_grid=(1e-4, 1e-3), n_starts=2), lang="zh")
        >>> fig.axes[0].get_xlabel()
        '学习率 η'
    """
    words = LABELS[lang]
    fig, ax = plotting.figure(height=4.2)
    medians = sweep_medians(result)
    for name in OPTIMIZERS:
        xs = [lr for lr, m in zip(result["lr_grid"], medians[name], strict=True) if m is not None]
        ys = [max(m, 1e-16) for m in medians[name] if m is not None]
        ax.plot(xs, ys, "o-", color=COLORS[name], label=words[name], markersize=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    xs_exp, ys_exp = (-4, -2, 0), (-2, 0, 2)
    ax.set_xticks([10.0**e for e in xs_exp], [plotting.power_label(e) for e in xs_exp])
    ax.set_yticks([10.0**e for e in ys_exp], [plotting.power_label(e) for e in ys_exp])
    ax.minorticks_off()
    ax.set_xlabel(words["lr"])
    ax.set_ylabel(words["median_final"])
    plotting.legend_below(fig, ncols=2)
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "sgd-trajectories": (trajectories, plot_trajectories),
    "sgd-saddle": (saddle, plot_saddle),
    "sgd-data-order": (data_order, plot_data_order),
    "sgd-early-stopping": (early_stopping, plot_early_stopping),
    "sgd-noise-floor": (noise_floor, plot_noise_floor),
    "sgd-lr-sweep": (lr_sweep, plot_lr_sweep),
}
