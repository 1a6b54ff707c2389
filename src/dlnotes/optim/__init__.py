"""SGD and its improvements from scratch, checked against ``torch.optim``.

Everything is importable from ``dlnotes.optim``:

* `SGD`, `Adagrad`, `RMSprop`, `Adam`, `AdamW` -- ``torch.optim.Optimizer`` subclasses with
  torch's signatures, defaults, param groups and state keys (``momentum_buffer``, ``sum``,
  ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ``step``), so
  a ``state_dict`` moves between them and torch's; the trajectories are torch's bit for bit.
* `StepLR`, `ExponentialLR`, `LinearLR`, `CosineAnnealingLR` -- schedules for any torch
  optimizer, composable with torch's ``SequentialLR`` (warmup, then decay).
* `EarlyStopping` -- patience, ``min_delta`` and restore-best.
* `epoch_indices`, `minibatches` -- the data orders SGD is sensitive to: reshuffled each
  epoch, class-sorted, or sampled with replacement.

PyTorch conventions that differ from the papers (we implement PyTorch's):

* Momentum: b ← μ b + (1 − τ) g, θ ← θ − η b, with the lr outside the buffer (Sutskever et
  al. put it inside); b₁ = g, undampened. Nesterov uses g + μ b.
* Adam's ε is added to √v̂, after bias correction; AMSGrad bias-corrects the running max.
* AdamW decays θ ← θ (1 − η λ) with the full lr η.

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
"""

from dlnotes.optim.data import ORDERS, epoch_indices, minibatches
from dlnotes.optim.early_stopping import EarlyStopping
from dlnotes.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, StepLR
from dlnotes.optim.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

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
