"""SGD, Adagrad, RMSprop, Adam and AdamW as ``torch.optim.Optimizer`` subclasses.

Each class keeps torch's constructor signature and defaults, its param-group keys and its
per-parameter state keys, created exactly when torch creates them, so a ``state_dict`` moves
between these optimizers and torch's in both directions.

Arithmetic: torch's default on CPU is its single-tensor implementation (a Python loop over the
parameters; ``foreach`` is the default only on CUDA and similar devices). Both orders of work do
the same operations in torch's order, so trajectories agree with torch bit for bit; we pick the
faster one per optimizer, measured at ResNet-18 size (benchmarks/cases/sgd.py). ``SGD`` loops
over the parameters like torch; the adaptive methods, with a dozen operations per value, are
written with ``torch._foreach_*`` ops, whose CPU kernels run the same per-tensor op on each
tensor (Adam: about 0.6x the CPU time of torch's loop). Their ``foreach=False`` (torch's
keyword) runs the same ops one tensor at a time instead; tests/test_optim.py checks that both
paths give torch's bits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import torch
from torch import Tensor
from torch.optim import Optimizer

from dlnotes import _validation as _v

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "RMSprop"]

Params = Iterable[Tensor] | Iterable[dict[str, Any]]


def _scalar_dtype() -> torch.dtype:
    """dtype of the ``step`` counters: float64 under a float64 default dtype, else float32."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _zero_step() -> Tensor:
    """A fresh per-parameter step counter, as torch stores it (a 0-d CPU float tensor)."""
    return torch.tensor(0.0, dtype=_scalar_dtype())


class _Optimizer(Optimizer):
    """The part every optimizer here shares: checks, closure, and skipping grad-less params.

    Subclasses define ``_check(hyper)`` (raise for an invalid hyperparameter dict) and
    ``_update(group, params)`` (one step for the group's parameters that have a gradient).
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        # torch would fail with "'float' object is not iterable", naming no argument
        if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(
                "params must be an iterable of Tensors or of param-group dicts, "
                f"got {type(params).__name__}"
            )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group (torch fills in the defaults), then check its hyperparameters."""
        super().add_param_group(param_group)
        self._check(self.param_groups[-1])

    @staticmethod
    def _check(hyper: dict[str, Any]) -> None:
        raise NotImplementedError

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        raise NotImplementedError

    # [override]: torch's stub overloads step (closure None -> None, a closure -> float); this
    # one signature covers both, as torch.optim's own optimizers write it
    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Perform one optimization step.

        Args:
            closure: Re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            # Parameters whose grad is None are skipped: no state is created or touched.
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if p.grad.is_sparse:
                    raise TypeError(f"{type(self).__name__} supports dense gradients only")
            if params:
                self._update(group, params)
        return loss


class _Foreach:
    """The multi-tensor ops: ``torch._foreach_*`` (see CONTRIBUTING, "Other packages' API")."""

    add_ = staticmethod(torch._foreach_add_)
    add = staticmethod(torch._foreach_add)
    addcmul_ = staticmethod(torch._foreach_addcmul_)
    addcmul = staticmethod(torch._foreach_addcmul)
    addcdiv_ = staticmethod(torch._foreach_addcdiv_)
    sqrt_ = staticmethod(torch._foreach_sqrt_)
    sqrt = staticmethod(torch._foreach_sqrt)
    mul_ = staticmethod(torch._foreach_mul_)
    div_ = staticmethod(torch._foreach_div_)
    lerp_ = staticmethod(torch._foreach_lerp_)
    maximum_ = staticmethod(torch._foreach_maximum_)


def _each(value: float | Sequence[float], n: int) -> list[float]:
    """A scalar repeated n times, or the per-tensor list as given."""
    return list(value) if isinstance(value, Sequence) else [value] * n


class _PerTensor:
    """The same ops as `_Foreach`, one tensor at a time with public torch ops (``foreach=False``).

    torch's CPU ``_foreach_*`` kernels run these very per-tensor ops, so both give the same bits.
    """

    @staticmethod
    def add_(tensors: Sequence[Tensor], other: float | Sequence[Tensor], alpha: float = 1) -> None:
        if isinstance(other, Sequence):
            for t, o in zip(tensors, other, strict=True):
                t.add_(o, alpha=alpha)
        else:
            for t in tensors:
                t.add_(other)

    @staticmethod
    def add(tensors: Sequence[Tensor], others: Sequence[Tensor], alpha: float = 1) -> list[Tensor]:
        return [t.add(o, alpha=alpha) for t, o in zip(tensors, others, strict=True)]

    @staticmethod
    def addcmul_(
        tensors: Sequence[Tensor],
        a: Sequence[Tensor],
        b: Sequence[Tensor],
        value: float | Sequence[float] = 1,
    ) -> None:
        for t, x, y, v in zip(tensors, a, b, _each(value, len(tensors)), strict=True):
            t.addcmul_(x, y, value=v)

    @staticmethod
    def addcmul(
        tensors: Sequence[Tensor], a: Sequence[Tensor], b: Sequence[Tensor], value: float = 1
    ) -> list[Tensor]:
        return [t.addcmul(x, y, value=value) for t, x, y in zip(tensors, a, b, strict=True)]

    @staticmethod
    def addcdiv_(
        tensors: Sequence[Tensor],
        a: Sequence[Tensor],
        b: Sequence[Tensor],
        value: float | Sequence[float] = 1,
    ) -> None:
        for t, x, y, v in zip(tensors, a, b, _each(value, len(tensors)), strict=True):
            t.addcdiv_(x, y, value=v)

    @staticmethod
    def sqrt_(tensors: Sequence[Tensor]) -> None:
        for t in tensors:
            t.sqrt_()

    @staticmethod
    def sqrt(tensors: Sequence[Tensor]) -> list[Tensor]:
        return [t.sqrt() for t in tensors]

    @staticmethod
    def mul_(tensors: Sequence[Tensor], scalar: float) -> None:
        for t in tensors:
            t.mul_(scalar)

    @staticmethod
    def div_(tensors: Sequence[Tensor], scalars: float | Sequence[float]) -> None:
        for t, s in zip(tensors, _each(scalars, len(tensors)), strict=True):
            t.div_(s)

    @staticmethod
    def lerp_(tensors: Sequence[Tensor], ends: Sequence[Tensor], weight: float) -> None:
        for t, e in zip(tensors, ends, strict=True):
            t.lerp_(e, weight)

    @staticmethod
    def maximum_(tensors: Sequence[Tensor], others: Sequence[Tensor]) -> None:
        for t, o in zip(tensors, others, strict=True):
            torch.maximum(t, o, out=t)


def _ops(group: dict[str, Any]) -> type[_PerTensor]:
    """``foreach=False``: the per-tensor loop; None or True: the multi-tensor ops."""
    if group.get("foreach") is False:
        return _PerTensor
    # The same calls: torch's stubs type each _foreach_* overload narrowly (no scalar form for
    # some, no ``alpha=``/``value=`` keywords), though torch accepts every call made here.
    return cast("type[_PerTensor]", _Foreach)


def _grads(params: list[Tensor]) -> list[Tensor]:
    """The gradients of ``params``, which `_Optimizer.step` passes only when they have one."""
    return [g for p in params if (g := p.grad) is not None]


def _check_flags(hyper: dict[str, Any], *names: str) -> None:
    """Each named flag must be a bool (torch would take any truthy value, or fail on a tensor)."""
    for name in names:
        _v.check_bool(hyper[name], name)


def _check_foreach(hyper: dict[str, Any]) -> None:
    foreach = hyper.get("foreach")
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"foreach must be a bool or None, got {type(foreach).__name__}")


def _check_common(hyper: dict[str, Any], *names: str) -> None:
    """Each named hyperparameter must be a number >= 0 (torch's checks)."""
    for name in names:
        _v.check_number(hyper[name], name, minimum=0.0)


class SGD(_Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    PyTorch's momentum puts the learning rate *outside* the buffer (Sutskever et al. 2013 put it
    inside); the two agree while η is constant and differ when a schedule changes η. The first
    step copies the gradient into the buffer, with no dampening.

    Args:
        params: Parameters or param-group dicts (each group may override any hyperparameter).
        lr: Learning rate η.
        momentum: Momentum factor μ (0: plain SGD, no ``momentum_buffer`` state).
        dampening: Dampening τ of the gradient entering the buffer.
        weight_decay: L2 penalty λ, added to the gradient before momentum.
        nesterov: Nesterov momentum (needs μ > 0 and τ = 0).
        maximize: Ascend the objective instead of descending it.

    Raises:
        ValueError: A negative lr, momentum or weight_decay, or nesterov without momentum or
            with dampening.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import SGD
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w**2).sum().backward()
        >>> opt.step()
        >>> w.detach()
        tensor([ 0.8000, -1.6000])
        >>> sorted(opt.state[w])
        ['momentum_buffer']
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        self._check(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check(hyper: dict[str, Any]) -> None:
        _check_common(hyper, "lr", "momentum", "weight_decay")
        _check_flags(hyper, "nesterov", "maximize")
        _v.check_number(hyper["dampening"], "dampening")
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={hyper['momentum']}, dampening={hyper['dampening']}"
            )

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # One parameter at a time, like torch's CPU default: SGD does so little arithmetic per
        # value that memory decides its speed, and finishing one tensor while it is still in
        # cache beat the _foreach_ version (which runs each op over all tensors, and holds a
        # model-sized temporary for g + λθ) by up to 2x on a loaded machine.
        lr, mu, tau, wd = group["lr"], group["momentum"], group["dampening"], group["weight_decay"]
        for p, g in zip(params, _grads(params), strict=True):
            if group["maximize"]:
                # g ← −∇f
                g = -g
            if wd != 0:
                # g ← g + λ θ   (coupled L2, before momentum)
                g = g.add(p, alpha=wd)
            if mu != 0:
                state = self.state[p]
                b = state.get("momentum_buffer")
                if b is None:
                    # b₁ = g   (first step: a copy, no dampening)
                    b = state["momentum_buffer"] = g.detach().clone()
                else:
                    # b ← μ b + (1 − τ) g
                    b.mul_(mu).add_(g, alpha=1 - tau)
                # g ← g + μ b (Nesterov), else g ← b
                g = g.add(b, alpha=mu) if group["nesterov"] else b
            # θ ← θ − η g
            p.add_(g, alpha=-lr)


class Adagrad(_Optimizer):
    """Adagrad (Duchi et al. 2011), as ``torch.optim.Adagrad``.

    Each coordinate's step is divided by the root of its accumulated squared gradients, so the
    effective learning rate only decreases. The accumulator ``sum`` (and ``step``) exists from
    construction, filled with ``initial_accumulator_value``.

    Args:
        params: Parameters or param-group dicts.
        lr: Learning rate η.
        lr_decay: Decay of η with the step count: η / (1 + (t − 1) · lr_decay).
        weight_decay: L2 penalty λ added to the gradient.
        initial_accumulator_value: Starting value G₀ of the accumulator. Like torch, only the
            constructor's value is used (a param group's own value is ignored).
        eps: ε added to √G (outside the square root).
        foreach: Keyword-only. False: update one tensor at a time (torch's CPU default);
            None (the default here) or True: the multi-tensor ``torch._foreach_*`` ops, faster
            on CPU (the same bits).

    Raises:
        ValueError: A negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import Adagrad
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Adagrad([w], lr=0.5)
        >>> sorted(opt.state[w])  # created at construction, as torch does
        ['step', 'sum']
        >>> (w**2).sum().backward()
        >>> opt.step()
        >>> w.detach()  # the first step is η · sign(g)
        tensor([ 0.5000, -1.5000])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        foreach: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
        }
        self._check(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["step"] = _zero_step()
                # G₀ = initial_accumulator_value
                self.state[p]["sum"] = torch.full_like(p, initial_accumulator_value)

    @staticmethod
    def _check(hyper: dict[str, Any]) -> None:
        _check_common(hyper, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        _check_foreach(hyper)

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        ops = _ops(group)
        grads = _grads(params)
        for p in params:
            state = self.state[p]
            if len(state) == 0:  # a group added after construction; torch reads the
                state["step"] = _zero_step()  # optimizer-wide default here, not the group's
                state["sum"] = torch.full_like(p, self.defaults["initial_accumulator_value"])
        sums = [self.state[p]["sum"] for p in params]
        steps = [self.state[p]["step"] for p in params]
        # t ← t + 1   (per parameter)
        ops.add_(steps, 1.0)
        if group["weight_decay"] != 0:
            # g ← g + λ θ
            grads = ops.add(grads, params, alpha=group["weight_decay"])
        # η_t = η / (1 + (t − 1) · lr_decay)
        clr = [group["lr"] / (1 + (t.item() - 1) * group["lr_decay"]) for t in steps]
        # G ← G + g²
        ops.addcmul_(sums, grads, grads, 1)
        # θ ← θ − η_t · g / (√G + ε)
        std = ops.sqrt(sums)
        ops.add_(std, group["eps"])
        ops.addcdiv_(params, grads, std, [-c for c in clr])


class RMSprop(_Optimizer):
    """RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    A running mean of squared gradients replaces Adagrad's ever-growing sum. ε is added after
    the square root (TensorFlow adds it inside). With ``centered`` the running mean of the
    gradient is subtracted, estimating the variance; with ``momentum`` the scaled step goes
    through a buffer.

    Args:
        params: Parameters or param-group dicts.
        lr: Learning rate η.
        alpha: Smoothing constant α of the running averages.
        eps: ε added to the root.
        weight_decay: L2 penalty λ added to the gradient.
        momentum: Momentum factor μ (``momentum_buffer`` exists only when μ > 0).
        centered: Divide by the root of the estimated variance (adds ``grad_avg``).
        foreach: Keyword-only. False: update one tensor at a time (torch's CPU default);
            None (the default here) or True: the multi-tensor ``torch._foreach_*`` ops, faster
            on CPU (the same bits).

    Raises:
        ValueError: A negative lr, alpha, eps, weight_decay or momentum.

    Examples:
        >>> import torch
        >>> from dlnotes.optim import RMSprop
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = RMSprop([w], lr=0.01, centered=True)
        >>> (w**2).sum().backward()
        >>> opt.step()
        >>> sorted(opt.state[w])
        ['grad_avg', 'square_avg', 'step']
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        foreach: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "foreach": foreach,
        }
        self._check(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check(hyper: dict[str, Any]) -> None:
        _check_common(hyper, "lr", "eps", "momentum", "weight_decay", "alpha")
        _check_flags(hyper, "centered")
        _check_foreach(hyper)

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        alpha, mu = group["alpha"], group["momentum"]
        ops = _ops(group)
        grads = _grads(params)
        states = [self.state[p] for p in params]
        for p, state in zip(params, states, strict=True):
            if len(state) == 0:
                state["step"] = _zero_step()
                state["square_avg"] = torch.zeros_like(p)
                if mu > 0:
                    state["momentum_buffer"] = torch.zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = torch.zeros_like(p)
        square_avgs = [s["square_avg"] for s in states]
        # t ← t + 1
        ops.add_([s["step"] for s in states], 1.0)
        if group["weight_decay"] != 0:
            # g ← g + λ θ
            grads = ops.add(grads, params, alpha=group["weight_decay"])
        # v ← α v + (1 − α) g²
        ops.mul_(square_avgs, alpha)
        ops.addcmul_(square_avgs, grads, grads, 1 - alpha)
        if group["centered"]:
            grad_avgs = [s["grad_avg"] for s in states]
            # ḡ ← α ḡ + (1 − α) g   (as a lerp of ḡ toward g)
            ops.lerp_(grad_avgs, grads, 1 - alpha)
            # d = √(v − ḡ²)
            avg = ops.addcmul(square_avgs, grad_avgs, grad_avgs, -1)
            ops.sqrt_(avg)
        else:
            # d = √v
            avg = ops.sqrt(square_avgs)
        # d ← d + ε
        ops.add_(avg, group["eps"])
        if mu > 0:
            bufs = [s["momentum_buffer"] for s in states]
            # b ← μ b + g / d
            ops.mul_(bufs, mu)
            ops.addcdiv_(bufs, grads, avg)
            # θ ← θ − η b
            ops.add_(params, bufs, alpha=-group["lr"])
        else:
            # θ ← θ − η g / d
            ops.addcdiv_(params, grads, avg, value=-group["lr"])


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015) with optional AMSGrad, as ``torch.optim.Adam``.

    ``v`` is the *uncentered* second moment E[g²], not the variance. Both moments start at 0
    and are bias-corrected; ε is added to √v̂, outside the root. ``weight_decay`` is a coupled
    L2 term added to the gradient (so it is also divided by √v̂); `AdamW` decouples it.
    AMSGrad keeps the running maximum of the raw ``v`` and bias-corrects that (Reddi et al.'s
    algorithm has no bias correction).

    Args:
        params: Parameters or param-group dicts.
        lr: Learning rate η.
        betas: (β₁, β₂), the decay rates of the first and second moments, each in [0, 1).
        eps: ε added to √v̂.
        weight_decay: L2 penalty λ added to the gradient.
        amsgrad: Use the running maximum of ``v`` (adds ``max_exp_avg_sq``).
        foreach: Keyword-only. False: update one tensor at a time (torch's CPU default);
            None (the default here) or True: the multi-tensor ``torch._foreach_*`` ops, faster
            on CPU (the same bits).

    Raises:
        ValueError: A negative lr, eps or weight_decay, or a beta outside [0, 1).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import Adam
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Adam([w], lr=0.1)
        >>> (w**2).sum().backward()
        >>> opt.step()
        >>> w.detach()  # the first bias-corrected step is ≈ η · sign(g)
        tensor([ 0.9000, -1.9000])
        >>> sorted(opt.state[w])
        ['exp_avg', 'exp_avg_sq', 'step']
    """

    _decoupled_weight_decay = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "foreach": foreach,
        }
        self._check(defaults)
        defaults["betas"] = tuple(betas)
        super().__init__(params, defaults)

    @staticmethod
    def _check(hyper: dict[str, Any]) -> None:
        _check_common(hyper, "lr", "eps")
        betas = hyper["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            _v.check_number(beta, f"betas[{i}]", minimum=0.0, below=1.0)
        _check_common(hyper, "weight_decay")
        _check_flags(hyper, "amsgrad")
        _check_foreach(hyper)

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        ops = _ops(group)
        grads = _grads(params)
        states = [self.state[p] for p in params]
        for p, state in zip(params, states, strict=True):
            if len(state) == 0:
                state["step"] = _zero_step()
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = torch.zeros_like(p)
        exp_avgs = [s["exp_avg"] for s in states]
        exp_avg_sqs = [s["exp_avg_sq"] for s in states]
        steps = [s["step"] for s in states]
        # t ← t + 1   (per parameter: a parameter without a gradient keeps its count)
        ops.add_(steps, 1.0)
        if wd != 0:
            if self._decoupled_weight_decay:
                # θ ← θ (1 − η λ)   (AdamW: decay with the full lr, outside the moments)
                ops.mul_(params, 1 - lr * wd)
            else:
                # g ← g + λ θ   (Adam: L2 inside the gradient, later divided by √v̂)
                grads = ops.add(grads, params, alpha=wd)
        # m ← β₁ m + (1 − β₁) g   (as a lerp of m toward g)
        ops.lerp_(exp_avgs, grads, 1 - beta1)
        # v ← β₂ v + (1 − β₂) g²
        ops.mul_(exp_avg_sqs, beta2)
        ops.addcmul_(exp_avg_sqs, grads, grads, 1 - beta2)
        ts = [t.item() for t in steps]
        if group["amsgrad"]:
            max_sqs = [s["max_exp_avg_sq"] for s in states]
            # v_max ← max(v_max, v)   (then bias-corrected like v)
            ops.maximum_(max_sqs, exp_avg_sqs)
            exp_avg_sqs = max_sqs
        # d = √v / √(1 − β₂ᵗ) + ε = √v̂ + ε
        denom = ops.sqrt(exp_avg_sqs)
        ops.div_(denom, [(1 - beta2**t) ** 0.5 for t in ts])
        ops.add_(denom, group["eps"])
        # θ ← θ − η / (1 − β₁ᵗ) · m / d   (m / (1 − β₁ᵗ) = m̂)
        ops.addcdiv_(params, exp_avgs, denom, [-(lr / (1 - beta1**t)) for t in ts])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``.

    Before the Adam step, θ ← θ (1 − η λ): the decay is not divided by √v̂, so every weight
    shrinks by the same proportion. torch multiplies λ by the full lr η; the paper multiplies
    it by the schedule multiplier only, so the paper's λ values do not carry over.

    Args:
        params: Parameters or param-group dicts.
        lr: Learning rate η.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε added to √v̂.
        weight_decay: Decoupled decay λ (default 1e-2, unlike Adam's 0).
        amsgrad: Use the running maximum of ``v``.
        foreach: Keyword-only. False: update one tensor at a time (torch's CPU default);
            None (the default here) or True: the multi-tensor ``torch._foreach_*`` ops, faster
            on CPU (the same bits).

    Raises:
        ValueError: A negative lr, eps or weight_decay, or a beta outside [0, 1).

    Examples:
        >>> import torch
        >>> from dlnotes.optim import AdamW
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = torch.zeros(2)  # no gradient signal: only the decay acts
        >>> opt.step()
        >>> w.detach()  # θ (1 − 0.1 · 0.5)
        tensor([ 0.9500, -1.9000])
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach)
