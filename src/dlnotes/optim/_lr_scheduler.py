"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: step, exponential, linear, cosine.

Each class subclasses torch's ``LRScheduler`` and writes only the schedule itself
(``get_lr``, the one-step update torch applies, and ``_get_closed_form_lr``, the formula in t).
The base class brings the protocol every torch tool relies on: ``initial_lr`` in each param
group, ``last_epoch``, the first ``step()`` at construction, the warning when
``scheduler.step()`` comes before ``optimizer.step()``, ``state_dict()``. That is what lets
these schedules drive any ``torch.optim.Optimizer`` (ours or torch's) and sit inside torch's
``SequentialLR`` and ``ChainedScheduler``.

torch updates the lr *recursively* (η_t from η_{t−1}), not from the closed form, so that
schedules compose by multiplication when chained; we follow it, so the floating-point values
are torch's exactly. The package docstring (``dlnotes.optim``) shows warmup then decay with
torch's ``SequentialLR``.
"""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from dlnotes import _validation as _v

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LinearLR", "StepLR"]


def _check_base(optimizer: Any, last_epoch: Any) -> None:
    """The arguments every scheduler shares; torch would raise KeyError or fail on first use."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    _v.check_int(last_epoch, "last_epoch", minimum=-1)
    if last_epoch >= 0 and any("initial_lr" not in g for g in optimizer.param_groups):
        raise ValueError(
            f"last_epoch={last_epoch} resumes a schedule, but the optimizer's param groups have "
            "no 'initial_lr' (set by a scheduler created with last_epoch=-1); pass -1 to start"
        )


def _lrs(scheduler: LRScheduler) -> list[float | Tensor]:
    """The current lr of every param group."""
    return [group["lr"] for group in scheduler.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps: η_t = η₀ · γ^⌊t / step_size⌋.

    Args:
        optimizer: Any ``torch.optim.Optimizer``.
        step_size: Steps between decays (>= 1; torch fails later with ZeroDivisionError on 0).
        gamma: Decay factor.
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD, StepLR
        >>> opt = SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for _ in range(5):
        ...     opt.step()
        ...     lrs.append(sched.get_last_lr()[0])
        ...     sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _v.check_int(step_size, "step_size", minimum=1)
        self.gamma = _v.check_number(gamma, "gamma")
        _check_base(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | Tensor]:
        """The next lrs: η_t = γ · η_{t−1} when t is a positive multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self)
        return [lr * self.gamma for lr in _lrs(self)]

    def _get_closed_form_lr(self) -> list[float | Tensor]:
        # η_t = η₀ · γ^⌊t / s⌋
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every step: η_t = η₀ · γᵗ (a fixed *proportion* per step).

    Args:
        optimizer: Any ``torch.optim.Optimizer``.
        gamma: Decay factor per step.
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD, ExponentialLR
        >>> opt = SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> for _ in range(3):
        ...     opt.step()
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _v.check_number(gamma, "gamma")
        _check_base(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | Tensor]:
        """The next lrs: η_t = γ · η_{t−1} (unchanged by the step made at construction)."""
        if self._is_initial:
            return _lrs(self)
        return [lr * self.gamma for lr in _lrs(self)]

    def _get_closed_form_lr(self) -> list[float | Tensor]:
        # η_t = η₀ · γᵗ
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the lr linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps.

    η_t = η₀ · (f_start + (f_end − f_start) · min(t, T) / T): a fixed *amount* per step. The
    default (1/3 → 1 over 5 steps) is a warmup; a linear decay to 0 is 1.0 → 0.0.

    Args:
        optimizer: Any ``torch.optim.Optimizer``.
        start_factor: Factor at step 0, in (0, 1].
        end_factor: Factor from step ``total_iters`` on, in [0, 1].
        total_iters: Number of steps of the ramp (>= 1).
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Raises:
        ValueError: A factor out of range (torch's messages), or total_iters < 1.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD, LinearLR
        >>> opt = SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        >>> sched = LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=4)
        >>> lrs = []
        >>> for _ in range(6):
        ...     opt.step()
        ...     lrs.append(sched.get_last_lr()[0])
        ...     sched.step()
        >>> lrs
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _v.check_number(start_factor, "start_factor")
        _v.check_number(end_factor, "end_factor")
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                f"equal to 1, got start_factor={start_factor}"
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(
                f"Ending multiplicative factor expected to be between 0 and 1, got "
                f"end_factor={end_factor}"
            )
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = _v.check_int(total_iters, "total_iters", minimum=1)
        _check_base(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | Tensor]:
        """The next lrs, as the ratio of consecutive factors applied to the current lr."""
        f0, f1, total = self.start_factor, self.end_factor, self.total_iters
        if self.last_epoch == 0:
            # η₀ ← η₀ · f_start
            return [lr * f0 for lr in _lrs(self)]
        if self._is_initial or self.last_epoch > total:
            return _lrs(self)
        # η_t = η_{t−1} · f(t) / f(t − 1),  f(t) = f_start + (f_end − f_start) t / T
        #     = η_{t−1} · (1 + (f_end − f_start) / (T f_start + (t − 1)(f_end − f_start)))
        ratio = 1.0 + (f1 - f0) / (total * f0 + (self.last_epoch - 1) * (f1 - f0))
        return [lr * ratio for lr in _lrs(self)]

    def _get_closed_form_lr(self) -> list[float | Tensor]:
        # η_t = η₀ · (f_start + (f_end − f_start) · min(t, T) / T)
        f0, f1, total = self.start_factor, self.end_factor, self.total_iters
        return [
            base * (f0 + (f1 - f0) * min(total, self.last_epoch) / total) for base in self.base_lrs
        ]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov & Hutter 2017, without restarts), as torch's.

    η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T_max)) / 2. Past ``T_max`` the cosine goes on:
    the lr climbs back to η₀ at 2·T_max and repeats with period 2·T_max (torch's behaviour;
    stop stepping at T_max, or use SGDR's restarts, for a schedule that stays at η_min).

    Args:
        optimizer: Any ``torch.optim.Optimizer``.
        T_max: Steps from η₀ down to η_min (>= 1).
        eta_min: The lowest lr.
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD, CosineAnnealingLR
        >>> opt = SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        >>> sched = CosineAnnealingLR(opt, T_max=2)
        >>> lrs = []
        >>> for _ in range(6):
        ...     opt.step()
        ...     lrs.append(round(sched.get_last_lr()[0], 6))
        ...     sched.step()
        >>> lrs
        [1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _v.check_int(T_max, "T_max", minimum=1)
        self.eta_min = _v.check_number(eta_min, "eta_min")
        _check_base(optimizer, last_epoch)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float | Tensor]:
        """The next lrs, from the current ones (torch's recursive form)."""
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _lrs(self)
        if self._step_count == 1 and t > 0:
            # resuming at t: the closed form
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:
            # at the bottom, f(t − 1) = 0 and the ratio below would be 0/0: add the increment
            # η_t = η_{t−1} + (η₀ − η_min)(1 − cos(π / T)) / 2
            return [
                lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, _lrs(self), strict=True)
            ]
        # η_t − η_min = (η_{t−1} − η_min) · (1 + cos(π t / T)) / (1 + cos(π (t − 1) / T))
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in _lrs(self)]

    def _get_closed_form_lr(self) -> list[float | Tensor]:
        # η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T)) / 2
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / T)) / 2 for base in self.base_lrs]
