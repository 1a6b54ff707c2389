"""Early stopping with patience and restore-best (Prechelt 1998), the way it is used in practice.

A validation curve is noisy: stopping at the first value that is worse than the previous one
("stop when performance starts to drop") stops at the first wiggle. Patience waits for several
steps without improvement, and restoring the best weights undoes the steps taken while waiting.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from dlnotes import _validation as _v

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Track a validation metric; say when ``patience`` steps in a row brought no improvement.

    An improvement is a value better than ``best`` by more than ``min_delta`` (lower in
    ``"min"`` mode, higher in ``"max"``). Only an improvement updates ``best`` and
    ``best_epoch`` (the 0-based index of the step), and resets the count of bad steps; a NaN is
    never an improvement.

    Args:
        patience: Consecutive steps without improvement after which ``step`` returns True.
        min_delta: The margin an improvement must exceed (>= 0).
        mode: ``"min"`` for a loss, ``"max"`` for an accuracy.

    Attributes:
        best: The best value so far (±inf before the first step).
        best_epoch: The 0-based step of ``best`` (None before the first improvement).
        num_bad_steps: Consecutive steps since the last improvement.
        best_state: A copy of the model's weights and buffers at ``best_epoch``, if a model
            was passed then.

    Examples:
        >>> from dlnotes.optim import EarlyStopping
        >>> stopper = EarlyStopping(patience=2)
        >>> [stopper.step(v) for v in [1.0, 0.8, 0.9, 0.7, 0.75, 0.71]]
        [False, False, False, False, False, True]
        >>> stopper.best, stopper.best_epoch
        (0.7, 3)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, mode: str = "min") -> None:
        self.patience = _v.check_int(patience, "patience", minimum=1)
        self.min_delta = _v.check_number(min_delta, "min_delta", minimum=0.0)
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.mode = mode
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.num_bad_steps = 0
        self.num_steps = 0
        self.best_state: dict[str, Tensor] | None = None

    def is_improvement(self, value: float) -> bool:
        """Whether ``value`` beats ``best`` by more than ``min_delta``."""
        if self.mode == "min":
            # v < best − δ
            return value < self.best - self.min_delta
        # v > best + δ
        return value > self.best + self.min_delta

    def step(self, value: float | Tensor, model: nn.Module | None = None) -> bool:
        """Record this epoch's metric; return True when training should stop.

        Args:
            value: The validation metric (a number or a one-element tensor).
            model: If given and ``value`` is an improvement, its weights and buffers are
                copied into ``best_state``.

        Returns:
            True once ``patience`` consecutive steps brought no improvement.
        """
        if isinstance(value, Tensor):
            if value.numel() != 1:
                raise ValueError(f"value must be a number, got a tensor of shape {value.shape}")
            value = value.item()
        value = _v.check_number(value, "value")
        epoch = self.num_steps
        self.num_steps += 1
        if self.is_improvement(value):
            self.best, self.best_epoch, self.num_bad_steps = value, epoch, 0
            if model is not None:
                self.best_state = _copy_state(model)
        else:
            self.num_bad_steps += 1
        return self.num_bad_steps >= self.patience

    def restore(self, model: nn.Module) -> None:
        """Load the kept copy of the best weights and buffers into ``model``.

        Raises:
            ValueError: No copy was kept (no model was passed at an improvement).
        """
        if self.best_state is None:
            raise ValueError("no weights kept: pass model= to step() to keep the best weights")
        model.load_state_dict(self.best_state)


def _copy_state(model: nn.Module) -> dict[str, Tensor]:
    """A copy (not views of the live tensors) of the model's parameters and buffers."""
    state: dict[str, Any] = model.state_dict()
    with torch.no_grad():
        return {name: t.detach().clone() for name, t in state.items()}
