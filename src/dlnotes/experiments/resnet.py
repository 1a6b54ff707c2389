"""ResNet experiments: the degradation problem, gradient norms at initialization, zero-γ.

Everything runs on the CPU with fixed seeds and one thread, on scikit-learn's 8×8 digits.

* `degradation()` (figure ``resnet-degradation``): plain and residual twins at depths 4, 18 and
  34, each trained with a full schedule (linear warmup, then the learning rate ÷10 at half and
  three quarters of the steps, the shape of He et al.'s CIFAR-10 schedule); the **training**
  loss at the end, for the best learning rate of a small grid per variant and depth (runs that
  diverged are counted, never averaged), and the learning curves at those learning rates. The
  twins are `mlp_net`s, BN MLPs with the structure of `dlnotes.resnet.BasicBlock` (Linear in
  place of the 3×3 conv): a conv net of the same depth costs about five times more per step on
  this CPU, and the whole page's experiments have 30 s of one core. All the runs of one depth
  (2 variants × 3 learning rates × 5 seeds) train at once as one `StackedMLPNets`, which gives
  each model exactly its own training, at a fraction of the cost of thirty separate loops.
* `gradients_at_init()` (figure ``resnet-gradients``): the norm of every layer's *weight*
  gradient (`gradient_norms`) of `plain_net` and `residual_net`, the conv twins built here
  from `dlnotes.resnet`'s blocks, with and without BN, at initialization, for one fixed batch
  of 64 digits per seed.
* `zero_gamma()` (figure ``resnet-zero-gamma``): with the last γ of every block at 0
  (`zero_init_residual=True`), how far a block is from the identity for inputs of either sign
  and with a projection shortcut, the spread of the initial logits, and the first training
  steps of the 18-layer residual twin with and without it.

Each ``plot_*`` function takes a result and a language (``"en"`` or ``"zh"``); the words on
the figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
ResNet 一页的实验（CPU、固定随机种子、单线程，数据是 8×8 手写数字）：
退化问题（普通网络与残差网络只差捷径连接，深度 4、18、34，用完整的学习率计划训练：先预热，
再在一半和四分之三处把学习率除以 10；比较训练结束时的**训练**损失，每个深度各自搜索学习率，
发散的运行单独计数）；初始化时各层权重梯度的范数（普通 / 残差 × 有无 BN）；
以及把每个残差块最后一个 BN 的 γ 置零后，残差块是否等于恒等映射、对训练前期有什么影响。
"""

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import _validation as _v
from dlnotes import resnet
from dlnotes.experiments import THREADS, Result, plotting, seeded
from dlnotes.experiments.data import load_digits_split
from dlnotes.experiments.training import he_init_, summarize, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "FIGURES",
    "GRAD_VARIANTS",
    "LABELS",
    "VARIANTS",
    "MLPBlock",
    "StackedMLPNets",
    "degradation",
    "gradient_norms",
    "gradients_at_init",
    "lr_factor",
    "mlp_net",
    "plain_net",
    "plot_degradation",
    "plot_gradients",
    "plot_zero_gamma",
    "residual_net",
    "train_stacked",
    "zero_gamma",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


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
        "train_loss": "training loss\n(best LR, end of training)",
        "decay": "LR ÷10",
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
        "train_loss": "训练损失\n（最佳学习率，训练结束时）",
        "decay": "学习率 ÷10",
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


class StackedMLPNets(nn.Module):
    """Many `mlp_net`s, plain or residual, evaluated as one batched computation.

    Model ``m`` starts from exactly the weights of ``nets[m]`` and computes the same function in
    train mode; ``residual[m]`` switches its shortcuts on or off. Every operation is batched over
    the models (one ``einsum`` per layer; one BN over ``models × width`` features, which keeps
    each model's statistics apart), so one forward pass runs them all. The models share no
    parameter, so the gradient of the summed loss is each model's own gradient.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.resnet import StackedMLPNets, mlp_net
        >>> _ = torch.manual_seed(0)
        >>> nets = [mlp_net(6, residual=r) for r in (False, True)]
        >>> stacked = StackedMLPNets(nets, residual=[False, True])
        >>> x = torch.randn(32, 2, 64)  # (batch, models, features)
        >>> y = stacked(x)
        >>> torch.allclose(y[:, 1], nets[1](x[:, 1]), atol=1e-5), tuple(y.shape)
        (True, (32, 2, 10))
    """

    shortcut: Tensor  # a buffer: 1 for a residual model, 0 for a plain one  (models, 1)

    def __init__(self, nets: list[nn.Sequential], residual: list[bool]) -> None:
        super().__init__()
        if len(nets) != len(residual) or not nets:
            raise ValueError(
                f"residual must give one flag per net, got {len(residual)} for {len(nets)} nets"
            )

        # (indexing an nn.Sequential is typed Module, so the getters return Any)
        def stack(get: Callable[[nn.Sequential], Any]) -> nn.Parameter:
            return nn.Parameter(torch.stack([get(net).detach().clone() for net in nets]))

        def per_block(get: Callable[[MLPBlock], Any]) -> nn.ParameterList:
            blocks = range(3, len(nets[0]) - 1)  # stem Linear, BN, ReLU, blocks..., classifier

            def block(i: int) -> Callable[[nn.Sequential], Any]:
                return lambda n: get(cast(MLPBlock, n[i]))  # block i of a net: an MLPBlock

            return nn.ParameterList(stack(block(i)) for i in blocks)

        # weights as (models, in, out), for h @ W; BN's γ, β as (models, width)
        self.stem = stack(lambda n: n[0].weight.T)
        self.stem_gamma, self.stem_beta = stack(lambda n: n[1].weight), stack(lambda n: n[1].bias)
        self.fc1 = per_block(lambda b: b.fc1.weight.T)
        self.gamma1, self.beta1 = per_block(lambda b: b.bn1.weight), per_block(lambda b: b.bn1.bias)
        self.fc2 = per_block(lambda b: b.fc2.weight.T)
        self.gamma2, self.beta2 = per_block(lambda b: b.bn2.weight), per_block(lambda b: b.bn2.bias)
        self.fc, self.fc_bias = stack(lambda n: n[-1].weight.T), stack(lambda n: n[-1].bias)
        # the shortcut switch s: 1 for a residual model, 0 for a plain one  (models, 1)
        self.register_buffer("shortcut", torch.tensor(residual, dtype=torch.float32)[:, None])

    @staticmethod
    def _linear(h: Tensor, weight: Tensor) -> Tensor:
        # (B, M, in) @ (M, in, out) → (B, M, out), one matrix per model
        return torch.einsum("bmi,mio->bmo", h, weight)

    @staticmethod
    def _bn(h: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
        # y = γ (h − μ_B) / √(σ²_B + ε) + β per model and unit: BN over M·W features, train mode
        n, m, w = h.shape
        out = F.batch_norm(h.reshape(n, m * w), None, None, gamma.flatten(), beta.flatten(), True)
        return out.view(n, m, w)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, models, 64)`` → ``(batch, models, 10)`` logits."""
        h = F.relu(self._bn(self._linear(x, self.stem), self.stem_gamma, self.stem_beta))
        for w1, g1, b1, w2, g2, b2 in zip(
            self.fc1, self.gamma1, self.beta1, self.fc2, self.gamma2, self.beta2, strict=True
        ):
            # F(h) = BN₂(W₂ ReLU(BN₁(W₁ h)))
            f = self._bn(self._linear(F.relu(self._bn(self._linear(h, w1), g1, b1)), w2), g2, b2)
            # h ← ReLU(F(h) + s·h): s = 1 residual, s = 0 plain
            h = F.relu(f + self.shortcut * h)
        return self._linear(h, self.fc) + self.fc_bias


def lr_factor(step: int, steps: int, warmup: int, milestones: tuple[float, ...]) -> float:
    """Learning-rate multiplier at ``step`` (0-based): linear warmup, then ÷10 at each milestone.

    Examples:
        >>> from dlnotes.experiments.resnet import lr_factor
        >>> [lr_factor(t, 100, 4, (0.5, 0.75)) for t in (0, 3, 49, 50, 75)]
        [0.25, 1.0, 1.0, 0.1, 0.010000000000000002]
    """
    if step < warmup:
        # η_t = η (t + 1) / warmup
        return (step + 1) / warmup
    # η_t = η · 10^(−number of milestones passed)
    return 0.1 ** sum(step >= m * steps for m in milestones)


def train_stacked(
    model: StackedMLPNets,
    x: Tensor,
    y: Tensor,
    generators: list[torch.Generator],
    lrs: list[float],
    *,
    steps: int,
    batch_size: int,
    warmup: int,
    milestones: tuple[float, ...],
    momentum: float = 0.9,
    window: int = 20,
    record_every: int = 10,
) -> dict[str, list[Any]]:
    """Train every model of ``model`` with its own SGD (momentum), learning rate and data order.

    Model ``m`` sees the mini-batches that `dlnotes.experiments.data.batches` draws with
    ``generators[m]`` (one reshuffle per epoch; generators may be shared, the same object
    giving the same order to several models) and takes the steps of
    ``torch.optim.SGD(lr=lrs[m] · lr_factor(t), momentum=momentum)``. A model whose loss stops
    being finite has diverged; the others are unaffected (no parameter is shared).

    Returns:
        Per model: ``loss`` and ``error``, the mean training loss and error over the last
        ``window`` steps (on its own batches, train mode; ``None`` if it diverged), and
        ``curve``, the mean loss of every ``record_every`` steps (``None`` after divergence).

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.resnet import StackedMLPNets, mlp_net, train_stacked
        >>> _ = torch.manual_seed(0)
        >>> nets = [mlp_net(4, residual=r) for r in (False, True)]
        >>> x, y = torch.randn(64, 64), torch.arange(64) % 10
        >>> g = torch.Generator().manual_seed(0)
        >>> log = train_stacked(StackedMLPNets(nets, [False, True]), x, y, [g, g], [0.1, 0.1],
        ...                     steps=8, batch_size=32, warmup=2, milestones=(0.5,),
        ...                     record_every=4)
        >>> len(log["loss"]), len(log["curve"][0]), log["curve"][1][1] < log["curve"][1][0]
        (2, 2, True)
    """
    n_models = len(lrs)
    if len(generators) != n_models or model.shortcut.shape[0] != n_models:
        raise ValueError(
            f"generators and lrs must give one entry per model ({model.shortcut.shape[0]}), "
            f"got {len(generators)} and {n_models}"
        )
    _v.check_int(steps, "steps", minimum=1)
    _v.check_int(batch_size, "batch_size", minimum=1)
    if batch_size > len(x):
        raise ValueError(f"batch_size must be <= len(x) = {len(x)}, got {batch_size}")
    params = list(model.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    rate = torch.tensor(lrs)
    rates = [rate.view(-1, *[1] * (p.dim() - 1)) for p in params]  # η per model, broadcast
    unique = list(dict.fromkeys(generators))
    which = torch.tensor([unique.index(g) for g in generators])  # (M,)
    per_epoch = len(x) // batch_size
    losses, errors = [], []
    order = torch.empty(0, dtype=torch.long)
    for t in range(steps):
        k = t % per_epoch
        if k == 0:
            # one permutation per generator, in the order dlnotes.experiments.data.batches draws
            order = torch.stack([torch.randperm(len(x), generator=g) for g in unique])
        idx = order[:, k * batch_size : (k + 1) * batch_size][which].T  # (B, M)
        logits = model(x[idx])  # (B, M, 10)
        # L_m = (1/B) Σ_b CE(logits_bm, y_bm), one loss per model
        loss = F.cross_entropy(logits.flatten(0, 1), y[idx].flatten(), reduction="none")
        loss = loss.view(batch_size, n_models).mean(dim=0)  # (M,)
        grads = torch.autograd.grad(loss.sum(), params)
        factor = lr_factor(t, steps, warmup, milestones)
        with torch.no_grad():
            for p, v, g, eta in zip(params, velocity, grads, rates, strict=True):
                # v ← μ v + g,  θ ← θ − η_t v   (torch.optim.SGD with momentum, dampening 0)
                v.mul_(momentum).add_(g)
                p.sub_(v * (eta * factor))
            wrong = (logits.argmax(dim=2) != y[idx]).float().mean(dim=0)  # (M,)
        losses.append(loss.detach())
        errors.append(wrong)
    curve_steps = steps // record_every * record_every
    all_losses = torch.stack(losses)  # (T, M)
    finite = torch.isfinite(all_losses).cumprod(dim=0).bool()  # still finite up to step t
    diverged = ~finite[-1]
    blocks = all_losses[:curve_steps].view(-1, record_every, n_models)
    ok = finite[:curve_steps].view(-1, record_every, n_models).all(dim=1)
    curves = torch.where(ok, blocks.mean(dim=1), torch.nan).T.tolist()  # (M, T / every)
    last_loss = all_losses[-window:].mean(dim=0).tolist()
    last_error = torch.stack(errors)[-window:].mean(dim=0).tolist()
    return {
        "loss": [None if d else v for d, v in zip(diverged.tolist(), last_loss, strict=True)],
        "error": [None if d else v for d, v in zip(diverged.tolist(), last_error, strict=True)],
        "curve": [[None if math.isnan(v) else v for v in c] for c in curves],
    }


def degradation(
    depths: tuple[int, ...] = (4, 18, 34),
    lrs: tuple[float, ...] = (0.03, 0.1, 0.3),
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    steps: int = 300,
    warmup: int = 15,
    milestones: tuple[float, ...] = (0.5, 0.75),
    batch_size: int = 128,
    width: int = 16,
    record_every: int = 10,
) -> Result:
    """Train plain and residual twins of each depth with a full schedule: warmup, then decay.

    For each depth, every variant × learning rate × seed is an `mlp_net` (the twins of a seed
    start from the same weights and see the same batches), trained for ``steps`` SGD steps with
    momentum 0.9: linear warmup over ``warmup`` steps, then the learning rate ÷10 at each
    fraction of ``milestones`` (`lr_factor`). They train together as one `StackedMLPNets`, which
    gives each model exactly its own training.

    Per variant, depth and learning rate: the training loss and error over the last 20 steps
    (on the training batches, in train mode), per seed. ``best`` keeps, per variant and depth,
    the learning rate with the lowest mean loss among those where no seed diverged, its
    per-seed losses and errors, its mean learning curve (mean loss of every ``record_every``
    steps) and its mean loss over each phase of the schedule (``phases``: before the first
    milestone, between them, after the last).

    Examples:
        >>> from dlnotes.experiments.resnet import degradation
        >>> r = degradation(depths=(4,), lrs=(0.1,), seeds=(0,), steps=20, warmup=2)
        >>> sorted(r["variants"]), len(r["variants"]["plain"]["best"]["curve"][0])
        (['plain', 'residual'], 2)
    """
    x, y, _, _ = load_digits_split()
    configs = [(v, lr, s) for v in VARIANTS for lr in lrs for s in seeds]
    # metric -> variant -> [depth][lr][seed]
    table: dict[str, dict[str, list[Any]]] = {
        m: {v: [] for v in VARIANTS} for m in ("loss", "error", "curve")
    }
    for depth in depths:
        nets = []
        with seeded(0, THREADS):
            for variant, _lr, seed in configs:
                torch.manual_seed(seed)  # the same weights for a seed's twins, at every lr
                nets.append(mlp_net(depth, residual=variant == "residual", width=width))
            model = StackedMLPNets(nets, [v == "residual" for v, _, _ in configs])
            generators = {s: torch.Generator().manual_seed(s) for s in seeds}
            log = train_stacked(
                model,
                x,
                y,
                [generators[s] for _, _, s in configs],
                [lr for _, lr, _ in configs],
                steps=steps,
                batch_size=batch_size,
                warmup=warmup,
                milestones=milestones,
                record_every=record_every,
            )
        for metric in table:
            for variant in VARIANTS:
                rows = [[log[metric][configs.index((variant, lr, s))] for s in seeds] for lr in lrs]
                table[metric][variant].append(rows)
    n_curve = steps // record_every
    bounds = [0, *(int(m * n_curve) for m in milestones), n_curve]
    variants: dict[str, Any] = {}
    for variant in VARIANTS:
        by_lr = [summarize(table["loss"][variant][d]) for d in range(len(depths))]
        best_lr, losses, errors, curves, phases, diverged = [], [], [], [], [], []
        for d in range(len(depths)):
            stats = by_lr[d]
            diverged.append(sum(stats["diverged"]))
            ok = [j for j in range(len(lrs)) if stats["mean"][j] is not None]
            j = min(ok, key=lambda k: stats["mean"][k]) if ok else 0
            best_lr.append(lrs[j])
            losses.append(table["loss"][variant][d][j])
            errors.append(table["error"][variant][d][j])
            per_seed = table["curve"][variant][d][j]  # [seed][point]
            mean = [
                None
                if any(c[t] is None for c in per_seed)
                else sum(c[t] for c in per_seed) / len(per_seed)
                for t in range(n_curve)
            ]
            curves.append(mean)
            phases.append(
                [
                    None
                    if b == a or any(v is None for v in mean[a:b])
                    else sum(cast("list[float]", mean[a:b])) / (b - a)  # no None: checked
                    for a, b in itertools.pairwise(bounds)
                ]
            )
        variants[variant] = {
            "by_lr": {"loss": by_lr, "error": [summarize(e) for e in table["error"][variant]]},
            "best": {
                "lr": best_lr,
                "loss": summarize(losses),
                "error": summarize(errors),
                "curve": curves,
                "phases": phases,
            },
            "diverged": diverged,
        }
    return {
        "depths": list(depths),
        "lrs": list(lrs),
        "seeds": list(seeds),
        "steps": steps,
        "warmup": warmup,
        "milestones": list(milestones),
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
        >>> r = degradation(depths=(4, 6), lrs=(0.1,), seeds=(0,), steps=20, warmup=2)
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
    for m in result.get("milestones", []):
        bottom.axvline(m * result["steps"], color=plotting.GREY, linestyle=":", linewidth=1.2)
    if result.get("milestones"):
        bottom.annotate(
            words["decay"],
            (result["milestones"][0] * result["steps"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            color=plotting.GREY,
        )
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
# The conv twins (He et al. §4.2) and their per-layer gradient norms
# ---------------------------------------------------------------------------------------------


def _digits_net(
    depth: int,
    shortcut: resnet.Shortcut,
    num_classes: int,
    zero_init_residual: bool,
    widths: Sequence[int],
    in_channels: int,
    batch_norm: bool,
) -> resnet.ResNet:
    """Shared builder of `plain_net` and `residual_net`: only `shortcut` differs."""
    _v.check_int(depth, "depth")
    _v.check_bool(batch_norm, "batch_norm")
    if not isinstance(widths, (list, tuple)) or not widths:
        raise TypeError(f"widths must be a non-empty list or tuple of ints, got {widths!r}")
    # depth = 1 (stem conv) + 2 convs × n blocks × k stages + 1 (fc)
    k = len(widths)
    n, rest = divmod(depth - 2, 2 * k)
    if rest or n < 1:
        examples = ", ".join(str(2 * k * i + 2) for i in range(1, 4))
        raise ValueError(
            f"depth must be 2 + {2 * k}n with n >= 1 ({examples}, ...) for {k} stages of n "
            f"two-layer blocks, got {depth}"
        )
    return resnet.ResNet(
        resnet.BasicBlock,
        [n] * k,
        num_classes,
        zero_init_residual,
        widths=widths,
        in_channels=in_channels,
        small_input=True,
        shortcut=shortcut,
        norm_layer=nn.BatchNorm2d if batch_norm else nn.Identity,
    )


def plain_net(
    depth: int,
    num_classes: int = 10,
    *,
    widths: Sequence[int] = (16, 32, 64),
    in_channels: int = 1,
    batch_norm: bool = True,
) -> resnet.ResNet:
    """The "plain" CIFAR-style net of He et al. §4.2: `residual_net` without its shortcuts.

    A 3×3 stem conv, three stages of n `dlnotes.resnet.BasicBlock`s with `shortcut=None` (16,
    32, 64 channels; stride 2 at the start of stages 2 and 3), global average pooling and `fc`:
    depth = 6n + 2 weighted layers. Every block computes `ReLU(F(x))` where `residual_net`'s
    computes `ReLU(F(x) + x)` (x subsampled and zero-padded where the shape changes); the
    modules, parameter names and shapes are identical, and so are the initial weights after the
    same `torch.manual_seed`.

    Args:
        depth: Number of weighted layers, `2 + 2·len(widths)·n` (8, 14, 20, ... for 3 stages).
        num_classes: Outputs of `fc`.
        widths: Keyword-only: channels per stage.
        in_channels: Keyword-only: input channels (1 for the 8×8 digits).
        batch_norm: Keyword-only: a `torch.nn.BatchNorm2d` after every conv (torch's layer for
            speed, see the module docstring); False puts `nn.Identity` in its place and the
            net has no biases except in `fc`.

    Examples:
        >>> import torch
        >>> net = plain_net(20)
        >>> net(torch.randn(4, 1, 8, 8)).shape
        torch.Size([4, 10])
        >>> len([m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))])
        20
    """
    return _digits_net(depth, None, num_classes, False, widths, in_channels, batch_norm)


def residual_net(
    depth: int,
    num_classes: int = 10,
    zero_init_residual: bool = False,
    *,
    widths: Sequence[int] = (16, 32, 64),
    in_channels: int = 1,
    batch_norm: bool = True,
) -> resnet.ResNet:
    """The residual CIFAR-style net of He et al. §4.2, the twin of `plain_net`.

    Same layers as `plain_net(depth)` with shortcut "A" in every block, so that, as in the
    paper, "our residual models have exactly the same depth, width, and number of parameters
    as the plain counterparts".

    Args:
        depth: As `plain_net`.
        num_classes: Outputs of `fc`.
        zero_init_residual: Zero the last γ of every block (needs `batch_norm=True`).
        widths: Keyword-only: channels per stage.
        in_channels: Keyword-only: input channels.
        batch_norm: Keyword-only: as `plain_net`.

    Examples:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> res = residual_net(14)
        >>> _ = torch.manual_seed(0)
        >>> plain = plain_net(14)
        >>> all(torch.equal(a, b) for a, b in zip(res.parameters(), plain.parameters()))
        True
    """
    return _digits_net(depth, "A", num_classes, zero_init_residual, widths, in_channels, batch_norm)


def gradient_norms(
    model: nn.Module,
    loss: Tensor,
    *,
    layers: tuple[type[nn.Module], ...] = (nn.Conv2d, nn.Linear),
    retain_graph: bool = False,
) -> dict[str, float]:
    """The gradient norm ‖∂loss/∂W‖ of each layer's weight, in depth order.

    Layers are visited in `model.named_modules()` order, which for `dlnotes.resnet`'s nets is
    depth order (a block's projection shortcut comes right after its branch). The gradients
    are computed with `torch.autograd.grad`, so `.grad` of the parameters is left untouched.

    Args:
        model: The network `loss` was computed with.
        loss: A scalar tensor.
        layers: Keyword-only: the module types whose `weight` is reported.
        retain_graph: Keyword-only: keep the graph for another backward pass.

    Returns:
        `{"conv1.weight": ‖g‖₂, "layer1.0.conv1.weight": ..., ..., "fc.weight": ...}`, where
        ‖g‖₂ is the Frobenius norm of the weight's gradient.

    Raises:
        ValueError: `loss` is not a scalar that requires grad, `model` has no such layer, or
            `loss` does not depend on one of the weights.

    Examples:
        >>> import torch
        >>> net = residual_net(8)
        >>> loss = net(torch.randn(8, 1, 8, 8)).logsumexp(1).mean()
        >>> norms = gradient_norms(net, loss)
        >>> list(norms)[:3]
        ['conv1.weight', 'layer1.0.conv1.weight', 'layer1.0.conv2.weight']
        >>> len(norms), all(v > 0 for v in norms.values())
        (8, True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    _v.check_tensor(loss, "loss", "() (a scalar)", dims=(0,))
    if not loss.requires_grad:
        raise ValueError("loss does not require grad: compute it from the model outside no_grad")
    named = [
        (f"{name}.weight" if name else "weight", w)
        for name, m in model.named_modules()
        if isinstance(m, layers) and isinstance(w := getattr(m, "weight", None), Tensor)
    ]
    if not named:
        names = ", ".join(t.__name__ for t in layers)
        raise ValueError(f"model has no layer of the types {names} with a weight")
    grads = torch.autograd.grad(
        loss, [w for _, w in named], retain_graph=retain_graph, allow_unused=True
    )
    unused = [name for (name, _), g in zip(named, grads, strict=True) if g is None]
    if unused:
        raise ValueError(f"loss does not depend on {', '.join(unused)}")
    # ‖g‖₂ = √(Σ g²) over all entries of the weight
    return {
        name: float(torch.linalg.vector_norm(g)) for (name, _), g in zip(named, grads, strict=True)
    }


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
    `gradient_norms` over every conv and the final linear layer. ``ratio`` is
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
        build = residual_net if kind == "residual" else plain_net
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
                    norms = gradient_norms(net, loss)
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
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
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
    default γ = 1 or with zero-γ, per learning rate, over ``seeds``. ``logit_std``: per seed,
    the standard deviation of the initial logits of each variant on one batch of
    ``batch_size`` training digits (train mode).

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
    logit_std: dict[str, list[float]] = {"default": [], "zero": []}
    for variant in logit_std:
        for seed in seeds:
            with seeded(seed, THREADS) as g:
                net = mlp_net(
                    depth, residual=True, width=width, zero_init_residual=variant == "zero"
                )
                idx = torch.randperm(len(x), generator=g)[:batch_size]
                with torch.no_grad():
                    logit_std[variant].append(net(x[idx]).std().item())  # train mode, at init
    n = steps // record_every
    variants = {
        v: [
            summarize([table[v][f"c{t}"]["per_seed"][i] for t in range(n)]) for i in range(len(lrs))
        ]
        for v in ("default", "zero")
    }
    return {
        "gaps": _identity_gaps(),
        "logit_std": logit_std,
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
