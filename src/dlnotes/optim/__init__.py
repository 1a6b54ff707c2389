"""SGD and its improvements from scratch, checked against ``torch.optim``.

Everything is importable from ``dlnotes.optim`` (the private submodules hold one concept each):

* `SGD`, `Adagrad`, `RMSprop`, `Adam`, `AdamW` -- ``torch.optim.Optimizer`` subclasses with
  torch's signatures, defaults, param groups and state keys (``momentum_buffer``, ``sum``,
  ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ``step``),
  each created when torch creates it, so a ``state_dict`` moves between them and torch's.
* `StepLR`, `ExponentialLR`, `LinearLR`, `CosineAnnealingLR` -- schedules for any torch
  optimizer. They subclass torch's ``LRScheduler`` and write only the schedule (``get_lr``):
  the base class brings the protocol torch's tools rely on (``initial_lr``, ``last_epoch``,
  the step at construction, ``state_dict``), so they chain with torch's ``SequentialLR``.
* `EarlyStopping` -- patience, ``min_delta`` and restore-best.
* `epoch_indices`, `minibatches` -- the data orders SGD is sensitive to: reshuffled each
  epoch, class-sorted, or sampled with replacement.

PyTorch conventions that differ from the papers (we implement PyTorch's):

* Momentum: b ← μ b + (1 − τ) g, θ ← θ − η b, with the lr outside the buffer (Sutskever et
  al. put it inside); b₁ = g, undampened. Nesterov uses g + μ b.
* Adam's ε is added to √v̂, after bias correction; AMSGrad bias-corrects the running max.
* AdamW decays θ ← θ (1 − η λ) with the full lr η.
* Schedules update the lr recursively (η_t from η_{t−1}, so that chained schedules multiply);
  we do too, so the floating-point values are torch's exactly.

torch's default on CPU is its single-tensor loop (``foreach`` is the default on CUDA). ``SGD``
loops over the parameters the same way; the adaptive methods are written with
``torch._foreach_*`` ops, whose CPU kernels apply the same per-tensor op in the same order.
Either way the trajectories are torch's bit for bit; each optimizer uses whichever was faster
at ResNet-18 size.

Examples:
    >>> import torch
    >>> from dlnotes.optim import Adam
    >>> w0 = torch.randn(3, generator=torch.Generator().manual_seed(0))
    >>> ours, theirs = torch.nn.Parameter(w0.clone()), torch.nn.Parameter(w0.clone())
    >>> opt_ours, opt_torch = Adam([ours], lr=0.1), torch.optim.Adam([theirs], lr=0.1)
    >>> for _ in range(20):
    ...     for w, opt in ((ours, opt_ours), (theirs, opt_torch)):
    ...         opt.zero_grad()
    ...         (w**4).sum().backward()
    ...         opt.step()
    >>> torch.equal(ours, theirs)
    True

    Warmup, then cosine decay, by chaining with torch's ``SequentialLR``:

    >>> import torch
    >>> from torch.optim.lr_scheduler import SequentialLR
    >>> from dlnotes.optim import SGD, CosineAnnealingLR, LinearLR
    >>> opt = SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    >>> warmup = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> decay = CosineAnnealingLR(opt, T_max=4)
    >>> sched = SequentialLR(opt, [warmup, decay], milestones=[3])
    >>> lrs = []
    >>> for _ in range(8):
    ...     opt.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     sched.step()
    >>> lrs
    [0.025, 0.05, 0.075, 0.1, 0.0854, 0.05, 0.0146, 0.0]
"""

__doc_zh__ = """
从零实现的 SGD 及其改进：`SGD`（动量、Nesterov）、`Adagrad`、`RMSprop`、
`Adam`、`AdamW`。构造参数、默认值、参数组和状态键都与 `torch.optim` 一致，
`state_dict` 可以和 PyTorch 的优化器互相加载，逐步轨迹与 PyTorch 逐位相同。
另有学习率调度 `StepLR`、`ExponentialLR`、`LinearLR`、`CosineAnnealingLR`
（可放进 PyTorch 的 `SequentialLR`，先预热再衰减），带耐心值、能回滚到最优
权重的早停 `EarlyStopping`，以及三种数据顺序（每轮重新打乱、按类别排序、
有放回抽样）的小批量迭代器。
"""

from dlnotes.optim._data import ORDERS, epoch_indices, minibatches
from dlnotes.optim._early_stopping import EarlyStopping
from dlnotes.optim._lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, StepLR
from dlnotes.optim._optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = [
    "ORDERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "EarlyStopping",
    "ExponentialLR",
    "LinearLR",
    "RMSprop",
    "StepLR",
    "epoch_indices",
    "minibatches",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
