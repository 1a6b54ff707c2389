"""The training kit every topic's experiments share: models, the seeded loop, accuracy, sweeps.

A topic's experiment module (``batch_norm.py``, ``conv.py``, ...) only declares *what* to run;
this module holds *how*:

* `make_mlp()` and `make_cnn()` build small classifiers for the 8×8 digits, He-initialised
  (`he_init_()`) so that variants with and without a normalisation layer start alike;
* `train()` trains any ``nn.Module`` on a classification set and reports the training loss and
  accuracy measured on its own mini-batches, in train mode, or that the run diverged;
* `accuracy()` measures accuracy in eval mode, or with batch statistics (train mode) on a copy of
  the model, so running statistics are never touched by a measurement;
* `sweep()` runs a function over variant × setting × seed and `summarize()` condenses the
  per-seed values: mean, standard deviation, min and max per setting, and how many seeds
  diverged. A setting where any seed diverged has no mean: the mean of the survivors would
  silently flatter it.

Everything here is deterministic under `dlnotes.experiments.seeded`, returns JSON-serialisable
values, and runs on the CPU in a fraction of a second per small model.

Examples:
    >>> from dlnotes.experiments import seeded
    >>> from dlnotes.experiments.data import load_digits_split
    >>> from dlnotes.experiments.training import accuracy, make_mlp, train
    >>> x_train, y_train, x_test, y_test = load_digits_split()
    >>> with seeded(0) as g:
    ...     net = make_mlp(3, norm="batch")
    ...     log = train(net, x_train, y_train, lr=0.1, batch_size=64, epochs=2, generator=g)
    >>> log["diverged"], log["steps"], accuracy(net, x_test, y_test) > 0.8
    (False, 42, True)
"""

from __future__ import annotations

__doc_zh__ = """
各主题实验共用的训练工具：构建小型分类网络（MLP、CNN，统一用 He 初始化）、带固定种子的训练循环
（记录训练批量上的损失和准确率，或者报告发散）、eval 模式或批量统计量下的准确率，
以及按“变体 × 设置 × 种子”批量运行的 ``sweep``。有种子发散的设置不计算均值，只记录发散的个数。
"""

import copy
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import torch
from torch import Tensor, nn

from dlnotes import _validation as _v
from dlnotes.experiments import THREADS, seeded
from dlnotes.experiments.data import batches

_M = TypeVar("_M", bound=nn.Module)

__all__ = [
    "IMAGE_SIZE",
    "OptimizerFactory",
    "Summary",
    "accuracy",
    "he_init_",
    "make_cnn",
    "make_mlp",
    "summarize",
    "sweep",
    "train",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


N_FEATURES, N_CLASSES = 64, 10  # the 8×8 digits, flattened; ten classes
IMAGE_SIZE = 8

Summary = dict[str, list[Any]]
OptimizerFactory = Callable[[list[nn.Parameter]], torch.optim.Optimizer]


def he_init_(model: _M) -> _M:
    """He (Kaiming-normal, fan-in, ReLU) weights and zero biases for every linear and conv layer.

    PyTorch's default init (uniform, gain 1/√3) makes a deep plain ReLU net shrink its signal
    layer by layer, so it may not train at all; He init keeps the variance constant. Using it for
    every variant keeps initialisation from being a confound. Norm layers keep γ = 1, β = 0.

    Args:
        model: Any module; its ``nn.Linear`` and ``nn.Conv*d`` submodules are re-initialised.

    Returns:
        ``model`` itself, changed in place (uses torch's global RNG).

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.training import he_init_
        >>> torch.manual_seed(0) and None
        >>> layer = he_init_(torch.nn.Linear(1000, 500))
        >>> round(layer.weight.var().item() * 1000, 1), layer.bias.abs().max().item()
        (2.0, 0.0)
    """
    for layer in model.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            # W ~ N(0, 2 / fan_in), b = 0
            nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return model


def _norm_1d(norm: str, width: int) -> nn.Module | None:
    norms: dict[str, Callable[[int], nn.Module] | None] = {
        "none": None,
        "batch": nn.BatchNorm1d,
        "layer": nn.LayerNorm,
    }
    if norm not in norms:
        raise ValueError(f"norm must be one of {sorted(norms)}, got {norm!r}")
    factory = norms[norm]
    return None if factory is None else factory(width)


def make_mlp(
    depth: int,
    width: int = 64,
    norm: str = "none",
    in_features: int = N_FEATURES,
    out_features: int = N_CLASSES,
) -> nn.Sequential:
    """MLP ``in_features → width → … → out_features`` with ``depth`` linear layers, He-initialised.

    Each hidden block is ``Linear → norm → ReLU`` (the norm on the pre-activation, as in Ioffe &
    Szegedy 2015). A linear layer followed by a norm has no bias: the norm's β absorbs it.

    Args:
        depth: Number of linear layers (``depth - 1`` hidden blocks), at least 1.
        width: Hidden width.
        norm: ``"none"``, ``"batch"`` (``nn.BatchNorm1d``) or ``"layer"`` (``nn.LayerNorm``).
        in_features: Input size (64 for the flattened digits).
        out_features: Number of classes.

    Returns:
        The network; its weights come from torch's global RNG.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.training import make_mlp
        >>> net = make_mlp(3, width=8, norm="batch")
        >>> [type(layer).__name__ for layer in net]
        ['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'BatchNorm1d', 'ReLU', 'Linear']
        >>> net[0].bias is None, tuple(net(torch.randn(5, 64)).shape)
        (True, (5, 10))
    """
    _v.check_int(depth, "depth", minimum=1)
    _v.check_int(width, "width", minimum=1)
    _norm_1d(norm, 1)  # validate the name even when depth == 1
    layers: list[nn.Module] = []
    fan_in = in_features
    for _ in range(depth - 1):
        norm_layer = _norm_1d(norm, width)
        layers.append(nn.Linear(fan_in, width, bias=norm_layer is None))
        layers.extend([norm_layer, nn.ReLU()] if norm_layer is not None else [nn.ReLU()])
        fan_in = width
    layers.append(nn.Linear(fan_in, out_features))
    return he_init_(nn.Sequential(*layers))


def make_cnn(
    channels: Sequence[int] = (16, 32),
    norm: str = "none",
    pool: str = "max",
    kernel_size: int = 3,
    image_size: int = IMAGE_SIZE,
    in_channels: int = 1,
    out_features: int = N_CLASSES,
) -> nn.Sequential:
    """Small CNN for flattened square images, He-initialised.

    ``Unflatten → [Conv(k, padding k//2) → norm → ReLU → pool 2×2] per entry of channels →
    Flatten → Linear``. It takes the same flat ``(N, C·H·W)`` rows as `make_mlp`, so every
    training helper here works for both. A conv followed by a norm has no bias.

    Args:
        channels: Output channels of each conv block.
        norm: ``"none"``, ``"batch"`` (``BatchNorm2d``), ``"layer"`` (``GroupNorm`` with one
            group: LayerNorm over (C, H, W) before its per-channel affine step), ``"group"``
            (``GroupNorm``, 4 groups) or ``"instance"`` (``GroupNorm``, one group per channel).
        pool: ``"max"``, ``"avg"`` or ``"none"`` (no pooling: the map keeps its size).
        kernel_size: Odd conv kernel size.
        image_size: Height and width of the input images.
        in_channels: Input channels.
        out_features: Number of classes.

    Returns:
        The network; its weights come from torch's global RNG.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.training import make_cnn
        >>> net = make_cnn((4, 8), norm="batch")
        >>> [type(layer).__name__ for layer in net][:5]
        ['Unflatten', 'Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']
        >>> tuple(net(torch.randn(5, 64)).shape), net[-1].in_features  # 8 ch · 2 · 2
        ((5, 10), 32)
    """
    _v.check_int(kernel_size, "kernel_size", minimum=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (same padding), got {kernel_size}")
    norms: dict[str, Callable[[int], nn.Module] | None] = {
        "none": None,
        "batch": nn.BatchNorm2d,
        "layer": lambda c: nn.GroupNorm(1, c),
        "group": lambda c: nn.GroupNorm(min(4, c), c),
        "instance": lambda c: nn.GroupNorm(c, c),
    }
    pools: dict[str, Callable[[], nn.Module] | None] = {
        "max": lambda: nn.MaxPool2d(2),
        "avg": lambda: nn.AvgPool2d(2),
        "none": None,
    }
    if norm not in norms:
        raise ValueError(f"norm must be one of {sorted(norms)}, got {norm!r}")
    if pool not in pools:
        raise ValueError(f"pool must be one of {sorted(pools)}, got {pool!r}")
    make_norm, make_pool = norms[norm], pools[pool]
    layers: list[nn.Module] = [nn.Unflatten(1, (in_channels, image_size, image_size))]
    c_in, size = in_channels, image_size
    for c_out in channels:
        _v.check_int(c_out, "channels", minimum=1)
        layers.append(
            nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=not make_norm)
        )
        if make_norm is not None:
            layers.append(make_norm(c_out))
        layers.append(nn.ReLU())
        if make_pool is not None:
            layers.append(make_pool())
            size //= 2  # H_out = ⌊H / 2⌋ for a 2×2 pool with stride 2
        c_in = c_out
    if size < 1:
        raise ValueError(
            f"{len(channels)} pooling blocks shrink a {image_size}×{image_size} image to nothing"
        )
    layers.extend([nn.Flatten(), nn.Linear(c_in * size * size, out_features)])
    return he_init_(nn.Sequential(*layers))


@torch.no_grad()
def accuracy(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    batch_stats: bool = False,
    batch_size: int | None = None,
) -> float:
    """Fraction of ``x`` that ``model`` classifies as ``y``.

    By default in eval mode (BatchNorm uses its running statistics); the model's mode is restored.
    With ``batch_stats=True`` a *copy* of the model runs in train mode, so each BatchNorm layer
    normalises with the statistics of the batch it sees and the original running statistics stay
    untouched: the test set is cut into consecutive batches of ``batch_size`` (default: one batch
    of everything; a short last batch is dropped).

    Args:
        model: Classifier returning ``(N, classes)`` logits.
        x: Inputs ``(N, ...)``.
        y: Labels ``(N,)``.
        batch_stats: Measure with batch statistics (train mode) instead of eval mode.
        batch_size: Batch size for ``batch_stats``.

    Returns:
        Accuracy in [0, 1].

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.training import accuracy
        >>> round(accuracy(torch.nn.Identity(), torch.eye(3), torch.tensor([0, 1, 0])), 3)
        0.667
        >>> bn = torch.nn.BatchNorm1d(2)
        >>> x, y = torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.tensor([1, 0])
        >>> accuracy(bn, x, y, batch_stats=True), bn.num_batches_tracked.item()
        (1.0, 0)
    """
    if not batch_stats:
        was_training = model.training
        model.eval()
        correct = (model(x).argmax(dim=1) == y).float().mean().item()
        model.train(was_training)
        return float(correct)
    size = len(x) if batch_size is None else _v.check_int(batch_size, "batch_size", minimum=1)
    if size > len(x):
        raise ValueError(f"batch_size must be <= len(x) = {len(x)}, got {size}")
    twin = copy.deepcopy(model).train()
    hits = [
        (twin(x[start : start + size]).argmax(dim=1) == y[start : start + size]).sum()
        for start in range(0, len(x) - size + 1, size)
    ]
    return (torch.stack(hits).sum() / (len(hits) * size)).item()


def train(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    batch_size: int,
    generator: torch.Generator,
    lr: float | None = None,
    epochs: int | None = None,
    steps: int | None = None,
    optimizer: OptimizerFactory | None = None,
    window: int = 100,
    max_grad_norm: float | None = None,
    record_every: int | None = None,
) -> dict[str, Any]:
    """Train ``model`` on cross-entropy, for ``epochs`` passes or ``steps`` steps.

    Mini-batches come from `dlnotes.experiments.data.batches` (reshuffled every epoch with
    ``generator``; a short last batch is dropped). The default optimizer is plain SGD,
    θ ← θ − η ∇L (the update of ``torch.optim.SGD(params, lr)``, written out because the
    optimizer's bookkeeping costs more than these small models' steps); pass ``optimizer`` for
    any other.
    Training stops as soon as the loss is not finite: the run diverged.

    Args:
        model: Classifier returning ``(N, classes)`` logits; trained in place, left in train mode.
        x: Training inputs ``(N, ...)``.
        y: Training labels ``(N,)``.
        batch_size: Mini-batch size.
        generator: Seeded generator for the shuffling.
        lr: Learning rate of the default SGD (not used with ``optimizer``).
        epochs: Passes over the data (give this or ``steps``).
        steps: Optimizer steps, cycling through reshuffled epochs.
        optimizer: ``params -> torch.optim.Optimizer``, e.g.
            ``lambda p: torch.optim.Adam(p, lr=1e-3)``.
        window: How many of the last steps the returned loss and accuracy average over (at most
            one epoch's worth).
        max_grad_norm: If given, clip the gradients to this global norm before every step
            (``torch.nn.utils.clip_grad_norm_``), as recurrent nets are usually trained.
        record_every: If given, also return ``"curve"``: the mean training loss of every
            consecutive ``record_every`` steps (a learning curve; on divergence, the complete
            blocks before it).

    Returns:
        ``{"loss", "acc", "steps", "examples", "diverged"}``: mean training loss and accuracy
        over the last ``window`` steps, measured on the training batches themselves in train
        mode (``None`` if the run diverged), the steps taken and examples seen; and
        ``"curve"`` with ``record_every``.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments import seeded
        >>> from dlnotes.experiments.training import make_mlp, train
        >>> with seeded(0) as g:
        ...     x, y = torch.randn(32, 64), torch.arange(32) % 10
        ...     log = train(make_mlp(2), x, y, lr=0.1, batch_size=8, steps=20, generator=g)
        >>> log["loss"] < 1.0, log["steps"], log["examples"], log["diverged"]
        (True, 20, 160, False)
        >>> with seeded(0) as g:
        ...     log = train(make_mlp(4), x * 1e3, y, lr=10.0, batch_size=8, steps=20, generator=g)
        >>> log["diverged"], log["loss"], log["steps"] < 20
        (True, None, True)
        >>> with seeded(0) as g:
        ...     log = train(make_mlp(2), x, y, lr=0.1, batch_size=8, steps=20, generator=g,
        ...                 record_every=5)
        >>> len(log["curve"]), log["curve"][0] > log["curve"][-1]
        (4, True)
    """
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    if (lr is None) == (optimizer is None):
        raise ValueError("give exactly one of lr (plain SGD) and optimizer")
    _v.check_int(batch_size, "batch_size", minimum=1)
    per_epoch = len(x) // batch_size
    if per_epoch == 0:
        raise ValueError(f"batch_size must be <= len(x) = {len(x)}, got {batch_size}")
    total = epochs * per_epoch if epochs is not None else steps
    assert total is not None
    _v.check_int(total, "steps", minimum=1)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = optimizer(params) if optimizer is not None else None
    keep = max(1, min(window, per_epoch, total))
    losses: deque[float] = deque(maxlen=keep)
    hits: deque[Tensor] = deque(maxlen=keep)
    if record_every is not None:
        _v.check_int(record_every, "record_every", minimum=1)
    curve: list[float] = []
    block: list[float] = []
    model.train()
    step = 0
    while step < total:
        for xb, yb in batches(x, y, batch_size, generator):
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            step += 1
            value = loss.item()
            if not math.isfinite(value):
                return _log(None, None, step, batch_size, curve if record_every else None)
            if opt is None:
                # θ ← θ − η ∇_θ L  (plain SGD: torch.optim.SGD's update, without its overhead)
                grads = torch.autograd.grad(loss, params)
                if max_grad_norm is not None:
                    # g ← g · min(1, τ / (‖g‖ + 10⁻⁶)), one norm over all parameters
                    norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))
                    coef = (max_grad_norm / (norm + 1e-6)).clamp(max=1.0)
                    grads = tuple(g * coef for g in grads)
                with torch.no_grad():
                    assert lr is not None  # exactly one of lr and optimizer (checked above)
                    for param, grad in zip(params, grads, strict=True):
                        param.add_(grad, alpha=-lr)
            else:
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if max_grad_norm is not None:
                    # g ← g · min(1, τ / (‖g‖ + 10⁻⁶)), one norm over all parameters
                    nn.utils.clip_grad_norm_(params, max_grad_norm)
                opt.step()
            losses.append(value)
            if record_every is not None:
                block.append(value)
                if len(block) == record_every:
                    curve.append(sum(block) / record_every)
                    block.clear()
            hits.append((logits.detach().argmax(dim=1) == yb).float().mean())
            if step == total:
                break
    mean_acc = torch.stack(list(hits)).mean().item()
    return _log(
        sum(losses) / len(losses), mean_acc, step, batch_size, curve if record_every else None
    )


def _log(
    loss: float | None,
    acc: float | None,
    steps: int,
    batch_size: int,
    curve: list[float] | None = None,
) -> dict[str, Any]:
    log: dict[str, Any] = {
        "loss": loss,
        "acc": acc,
        "steps": steps,
        "examples": steps * batch_size,
        "diverged": loss is None,
    }
    if curve is not None:
        log["curve"] = curve
    return log


def summarize(per_seed: list[list[float | None]]) -> Summary:
    """Per-setting summary of per-seed values, where ``None`` marks a diverged run.

    A setting in which any seed diverged gets ``None`` for its mean, std, min and max, and the
    count in ``diverged``: the mean of the survivors alone would flatter it.

    Args:
        per_seed: For each setting, the list of per-seed values.

    Returns:
        ``{"per_seed", "mean", "std", "min", "max", "diverged"}``, each a list over settings;
        ``std`` is the sample standard deviation (0 for a single seed).

    Examples:
        >>> from dlnotes.experiments.training import summarize
        >>> s = summarize([[0.5, 1.0], [None, 0.2], [None, None]])
        >>> s["mean"], s["min"], s["diverged"]
        ([0.75, None, None], [0.5, None, None], [0, 1, 2])
        >>> round(s["std"][0], 4)
        0.3536
    """
    out: Summary = {"per_seed": per_seed, "diverged": []}
    out.update({key: [] for key in ("mean", "std", "min", "max")})
    for values in per_seed:
        finite = [v for v in values if v is not None]
        diverged = len(values) - len(finite)
        out["diverged"].append(diverged)
        if diverged or not finite:
            for key in ("mean", "std", "min", "max"):
                out[key].append(None)
            continue
        mean = sum(finite) / len(finite)
        # s = √( Σ (vᵢ − v̄)² / (n − 1) )
        var = sum((v - mean) ** 2 for v in finite) / (len(finite) - 1) if len(finite) > 1 else 0.0
        out["mean"].append(mean)
        out["std"].append(math.sqrt(var))
        out["min"].append(min(finite))
        out["max"].append(max(finite))
    return out


def sweep(
    run: Callable[[str, Any, torch.Generator], Mapping[str, float | None]],
    variants: Iterable[str],
    settings: Iterable[Any],
    seeds: Iterable[int],
    threads: int = THREADS,
) -> dict[str, Any]:
    """Run ``run(variant, setting, generator)`` for every variant × setting × seed.

    Each call runs inside `dlnotes.experiments.seeded` (global seed and thread count fixed,
    ``generator`` seeded for data shuffling), so a model built inside ``run`` starts from the
    same weights for every setting of a seed. ``run`` returns its metrics as a dict of floats,
    with ``None`` for a metric a diverged run could not produce.

    Args:
        run: The experiment for one variant, setting and seed.
        variants: Names of the variants (e.g. ``"none"``, ``"batch"``).
        settings: JSON-serialisable settings (e.g. learning rates).
        seeds: Seeds; one run each per variant and setting.
        threads: torch threads per run.

    Returns:
        ``{"settings", "seeds", "variants": {variant: {metric: summary}}}`` where each summary is
        `summarize()` over settings.

    Examples:
        >>> from dlnotes.experiments.training import sweep
        >>> def run(variant, lr, generator):
        ...     return {"score": None if lr > 1 else lr * (2 if variant == "b" else 1)}
        >>> r = sweep(run, ["a", "b"], [0.5, 2.0], seeds=[0, 1])
        >>> r["variants"]["b"]["score"]["mean"], r["variants"]["b"]["score"]["diverged"]
        ([1.0, None], [0, 2])
    """
    variants, settings, seeds = list(variants), list(settings), list(seeds)
    table: dict[str, dict[str, list[list[float | None]]]] = {}
    for variant in variants:
        metrics: dict[str, list[list[float | None]]] = {}
        for i, setting in enumerate(settings):
            for seed in seeds:
                with seeded(seed, threads) as generator:
                    values = run(variant, setting, generator)
                for name, value in values.items():
                    rows = metrics.setdefault(name, [[] for _ in settings])
                    rows[i].append(None if value is None or not math.isfinite(value) else value)
        table[variant] = metrics
    return {
        "settings": settings,
        "seeds": seeds,
        "variants": {v: {m: summarize(rows) for m, rows in ms.items()} for v, ms in table.items()},
    }
