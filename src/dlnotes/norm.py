r"""Batch Normalization from scratch, checked against PyTorch.

Batch Normalization (Ioffe & Szegedy, 2015) standardizes every channel with the mean and
variance of the current mini-batch, then applies a learned per-channel scale and shift:

$$
\hat{x} = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y = \gamma \hat{x} + \beta
$$

What is in this module, top to bottom:

* `batch_norm` -- the functional form, same signature as `torch.nn.functional.batch_norm`
  (training uses batch statistics and updates the running buffers in place; eval uses the
  buffers).
* `_BatchNorm`, `BatchNorm1d`, `BatchNorm2d`, `BatchNorm3d` --
  modules with torch's constructor, parameter/buffer names and `state_dict` keys, so
  `ours.load_state_dict(torch_bn.state_dict())` works both ways.
* `layer_norm`, `group_norm`, `instance_norm` -- the sibling normalizations. Their
  normalization differs in *which* axes the statistics are taken over; their affine step
  differs too: `group_norm` and `instance_norm` learn one $\gamma, \beta$ per channel,
  `layer_norm` one per element of `normalized_shape`.
* `batch_norm_backward` -- the closed-form training-mode gradient (the classic interview
  derivation), checked against autograd.
* `fold_batch_norm` -- folds an eval-mode BN into the preceding conv/linear layer.

PyTorch conventions that differ from the paper (we implement PyTorch's):

* `momentum` is the weight on the **new** batch statistic:
  $\hat{\mu} \leftarrow (1 - m)\hat{\mu} + m \mu_B$, default 0.1. Keras'
  `momentum=0.99` is the weight on the *old* value, i.e. torch `momentum=0.01`.
* `running_var` stores the **unbiased** batch variance (divides by $m - 1$), while
  the normalization itself uses the **biased** one (divides by $m$).
* `momentum=None` (modules only) gives a cumulative moving average with factor
  $1 / \text{num\_batches\_tracked}$.
* A module with `track_running_stats=False` normalizes with batch statistics in eval mode too.

Examples:
    >>> import torch
    >>> from dlnotes.norm import BatchNorm2d
    >>> bn = BatchNorm2d(3)
    >>> bn(torch.randn(4, 3, 5, 5)).shape
    torch.Size([4, 3, 5, 5])
    >>> sorted(bn.state_dict())
    ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
"""

__doc_zh__ = """
从零实现的批量归一化（BN）以及层归一化、组归一化、实例归一化。函数式接口与
`torch.nn.functional` 一致；`BatchNorm1d/2d/3d` 的参数、缓冲区和 `state_dict` 键与 PyTorch
相同，两边可以互相加载权重。另附训练模式下 BN 反向传播的闭式梯度，面试手推梯度时可以对照。
"""

import math
from collections.abc import Sequence
from typing import Any, cast

import torch
from torch import Tensor, nn

from dlnotes import _validation as _v

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "batch_norm",
    "batch_norm_backward",
    "fold_batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


# ----------------------------------------------------------------------------- helpers


def _check_input(input: Any, min_dim: int = 2, expected: str = "(N, C, *)") -> None:
    """Raise unless `input` is a floating-point tensor with at least `min_dim` dims."""
    _v.check_tensor(input, "input", expected, min_dim=min_dim)


def _opmath(input: Tensor) -> Tensor:
    """Compute statistics of float16/bfloat16 input in float32, as torch's kernels do."""
    return input.float() if input.dtype in _v.LOW_PRECISION else input


def _per_channel(t: Tensor, ndim: int) -> Tensor:
    """Reshape a `(C,)` vector to `(1, C, 1, ..., 1)` so it broadcasts over `(N, C, *)`."""
    return t.reshape(1, -1, *([1] * (ndim - 2)))


def _stat_dims(input: Tensor) -> list[int]:
    """Every dim except the channel dim 1: `[0, 2, 3, ...]`."""
    return [0, *range(2, input.dim())]


def _centered_stats(x: Tensor, dims: Sequence[int]) -> tuple[Tensor, Tensor, Tensor]:
    r"""$x - \mu$, $\mu$ and the biased $\sigma^2$ over `dims`, which are kept with size 1.

    $\mu = \frac{1}{m} \sum_i x_i$, $\sigma^2 = \frac{1}{m} \sum_i (x_i - \mu)^2$, in two passes.
    Why not `x.mean` and `torch.var_mean` (see benchmarks/ and the Performance page): the
    gradient of a sum is a broadcast view, that of a mean a new full-size tensor; and the CPU
    kernel of `var_mean` (Welford, one pass) is over ten times slower than `sum` here.
    """
    m = math.prod(x.shape[d] for d in dims)  # values per statistic
    mean = x.sum(dim=tuple(dims), keepdim=True) / m
    centered = x - mean
    var = (centered * centered).sum(dim=tuple(dims), keepdim=True) / m
    return centered, mean, var


def _affine(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    r"""$\gamma \odot \hat{x} + \beta$ (either may be None); one multiply-add if both are given."""
    if weight is None:
        return x_hat if bias is None else x_hat + bias
    return x_hat * weight if bias is None else torch.addcmul(bias, x_hat, weight)


# -------------------------------------------------------------------------- batch_norm


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Batch Normalization, same semantics as `torch.nn.functional.batch_norm`.

    Statistics are per channel (dim 1) over every other dim, so each channel sees
    $m = N \cdot \prod \text{spatial}$ values.

    Args:
        input: `(N, C, *)` tensor, 2D to 5D in practice (any rank >= 2 works).
        running_mean: `(C,)` buffer or None. Updated in place when `training`.
        running_var: `(C,)` buffer, None exactly when `running_mean` is; stores the
            *unbiased* variance.
        weight: `(C,)` scale $\gamma$ or None (no scale).
        bias: `(C,)` shift $\beta$ or None (no shift).
        training: True: normalize with batch statistics and update the buffers given.
            False: normalize with `running_mean`/`running_var` (both required).
        momentum: Weight on the *new* batch statistic in the running average (PyTorch's
            convention; Keras weights the old value instead; the paper defines no momentum,
            only suggesting moving averages in its §3.1).
        eps: Added to the variance for numerical stability.

    Returns:
        Tensor of the same shape and dtype as `input`.

    Raises:
        TypeError: non-tensor or non-floating input, or mismatched parameter dtypes.
        ValueError: fewer than 2 dims, a `(C,)` tensor of the wrong shape, a single value
            per channel while training, missing running statistics in eval mode, or bad eps.

    Examples:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> x = torch.randn(8, 3, 4)
        >>> rm, rv = torch.zeros(3), torch.ones(3)
        >>> y = batch_norm(x, rm, rv, training=True)
        >>> torch.allclose(y, F.batch_norm(x, None, None, training=True), atol=1e-6)
        True
        >>> torch.allclose(rm, 0.1 * x.mean(dim=(0, 2)))
        True
    """
    _check_input(input)
    _v.check_bool(training, "training")
    _v.check_number(momentum, "momentum")
    _v.check_number(eps, "eps")
    num_channels = input.shape[1]
    _v.check_param_tensors(
        input,
        (num_channels,),
        "(C,) with C = input.shape[1]",
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    if (running_mean is None) != (running_var is None):
        raise ValueError(
            "running_mean and running_var must either both be None or neither be None, as in torch"
        )
    m = input.numel() // num_channels if num_channels else 0  # values per channel
    if training:
        if m == 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{tuple(input.shape)}: input (N, C, *) needs N * prod(*) > 1"
            )
        if eps <= 0:
            raise ValueError(f"eps must be positive during training, got {eps}")
    else:
        if running_mean is None:
            raise ValueError(
                "running_mean and running_var of shape (C,) are required when training=False "
                "(eval mode normalizes with the running statistics)"
            )
        if eps < 0:
            raise ValueError(f"eps must be non-negative, got {eps}")

    x = _opmath(input)  # (N, C, *)
    if training:
        # μ_B = (1/m) Σᵢ xᵢ,   σ²_B = (1/m) Σᵢ (xᵢ − μ_B)²
        _, mean, var = _centered_stats(x, _stat_dims(x))  # (1, C, 1, ..., 1) each, biased var
        mean, var = mean.reshape(-1), var.reshape(-1)  # (C,)
        # (both or neither are None, checked above); torch skips the update for an empty batch
        if running_mean is not None and running_var is not None and m > 0:
            _update_running_stats(running_mean, running_var, mean, var, m, momentum)
    else:
        # (C,) each: both are given when training=False (checked above)
        mean, var = cast(Tensor, running_mean), cast(Tensor, running_var)

    # x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β, i.e.
    # y = s x + (β − s μ) with s = γ / √(σ² + ε): a per-channel scale
    # and shift, so the (N, C, *) tensor sees one multiply-add (as in torch's CPU kernel).
    invstd = torch.rsqrt(var + eps)  # (C,)
    scale = invstd if weight is None else weight * invstd  # (C,)
    shift = -mean * scale if bias is None else bias - mean * scale  # (C,)
    y = torch.addcmul(_per_channel(shift, x.dim()), x, _per_channel(scale, x.dim()))
    return y.to(input.dtype)  # (N, C, *)


def _update_running_stats(
    running_mean: Tensor, running_var: Tensor, mean: Tensor, var: Tensor, m: int, momentum: float
) -> None:
    """In-place exponential moving average of the batch statistics (not tracked by autograd)."""
    with torch.no_grad():
        # μ̂ ← (1 − momentum) μ̂ + momentum · μ_B
        running_mean.mul_(1 - momentum).add_(momentum * mean.to(running_mean.dtype))
        # σ̂² ← (1 − momentum) σ̂²
        #       + momentum · m/(m − 1) · σ²_B   (unbiased!)
        unbiased = var * (m / (m - 1))
        running_var.mul_(1 - momentum).add_(momentum * unbiased.to(running_var.dtype))


# ----------------------------------------------------------------------------- modules


class _BatchNorm(nn.Module):
    r"""Base of `BatchNorm1d`/`2d`/`3d`, mirroring `torch.nn.modules.batchnorm`.

    Args:
        num_features: C, the size of dim 1 of the input.
        eps: Added to the variance for numerical stability.
        momentum: Weight on the new batch statistic (PyTorch convention), or None for a
            cumulative moving average with factor `1 / num_batches_tracked`.
        affine: Learn `weight` (init 1) and `bias` (init 0); else both are None.
        track_running_stats: Keep `running_mean` (init 0), `running_var` (init 1) and
            `num_batches_tracked` buffers; else they are None and batch statistics are used
            in eval mode too.
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: Keyword-only, as in torch: with `affine=True`, False drops the shift.

    Examples:
        >>> import torch
        >>> bn = BatchNorm1d(4, momentum=None)
        >>> _ = bn(torch.randn(16, 4))
        >>> bn.num_batches_tracked
        tensor(1)
        >>> [name for name, _ in bn.named_parameters()], [name for name, _ in bn.named_buffers()]
        (['weight', 'bias'], ['running_mean', 'running_var', 'num_batches_tracked'])
    """

    # as torch's _NormBase declares them: None without affine / track_running_stats
    weight: Tensor | None
    bias: Tensor | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    # state_dict version, as torch: version 2 added num_batches_tracked.
    _version = 2
    _expected_shape = "(N, C, *)"
    _allowed_dims: tuple[int, ...] | None = None  # subclasses: the dims their input may have

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        factory = _v.factory_kwargs(device, dtype)
        # 0 features is allowed, as torch allows it (an empty layer)
        self.num_features = _v.check_int(num_features, "num_features", minimum=0)
        self.eps = _v.check_number(eps, "eps")
        if momentum is not None:
            _v.check_number(momentum, "momentum")
        self.momentum = momentum
        self.affine = _v.check_bool(affine, "affine")
        self.track_running_stats = _v.check_bool(track_running_stats, "track_running_stats")
        _v.check_bool(bias, "bias")
        if affine:
            self.weight = nn.Parameter(torch.empty(num_features, **factory))
            if bias:
                self.bias = nn.Parameter(torch.empty(num_features, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer(
                "num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1, batch counter to 0."""
        if self.track_running_stats:
            # registered in __init__ whenever track_running_stats
            cast(Tensor, self.running_mean).zero_()
            cast(Tensor, self.running_var).fill_(1)
            cast(Tensor, self.num_batches_tracked).zero_()

    def reset_parameters(self) -> None:
        """Reset the buffers, then `weight` to 1 and `bias` to 0."""
        self.reset_running_stats()
        if self.affine and self.weight is not None:
            nn.init.ones_(self.weight)
            if self.bias is not None:
                nn.init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def _check_input_dim(self, input: Tensor) -> None:
        _v.check_tensor(input, "input", self._expected_shape, dims=self._allowed_dims, min_dim=2)

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Like torch: a version-1 state dict has no num_batches_tracked; default it to 0.
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = torch.tensor(0, dtype=torch.long)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def forward(self, input: Tensor) -> Tensor:
        """Normalize `input` of shape `(N, C, *)`; same logic as torch's `_BatchNorm`."""
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"num_features={self.num_features} does not match the channel dim C = "
                f"input.shape[1] = {input.shape[1]} of input {self._expected_shape}"
            )

        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                # cumulative average: μ̂ₖ = μ̂ₖ₋₁ + (μ_B − μ̂ₖ₋₁) / k
                momentum = 1.0 / float(self.num_batches_tracked)

        # Batch statistics in training, and in eval when there are no buffers to use.
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # Pass the buffers only when they are to be updated (training and tracking) or used (eval).
        pass_buffers = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if pass_buffers else None,
            self.running_var if pass_buffers else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch Normalization over `(N, C)` or `(N, C, L)` input, like `torch.nn.BatchNorm1d`.

    Examples:
        >>> import torch
        >>> BatchNorm1d(3)(torch.randn(5, 3, 7)).shape
        torch.Size([5, 3, 7])
    """

    _expected_shape = "(N, C) or (N, C, L)"

    _allowed_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch Normalization over `(N, C, H, W)` input, like `torch.nn.BatchNorm2d`.

    Examples:
        >>> import torch
        >>> BatchNorm2d(3)(torch.randn(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """

    _expected_shape = "(N, C, H, W)"

    _allowed_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch Normalization over `(N, C, D, H, W)` input, like `torch.nn.BatchNorm3d`.

    Examples:
        >>> import torch
        >>> BatchNorm3d(3)(torch.randn(2, 3, 2, 4, 4)).shape
        torch.Size([2, 3, 2, 4, 4])
    """

    _expected_shape = "(N, C, D, H, W)"

    _allowed_dims = (5,)


# ------------------------------------------------------------------ sibling normalizations


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Layer Normalization, same semantics as `torch.nn.functional.layer_norm`.

    Statistics over the trailing `normalized_shape` dims of each sample (biased variance);
    `weight`/`bias` are elementwise with shape `normalized_shape`.

    Args:
        input: `(*, *normalized_shape)` tensor.
        normalized_shape: Trailing shape to normalize over (an int means one dim).
        weight: Scale of shape `normalized_shape` or None.
        bias: Shift of shape `normalized_shape` or None.
        eps: Added to the variance.

    Returns:
        Tensor of the same shape and dtype as `input`.

    Examples:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> x = torch.randn(2, 5, 8)
        >>> torch.allclose(layer_norm(x, 8), F.layer_norm(x, (8,)), atol=1e-6)
        True
    """
    _v.check_number(eps, "eps")
    if isinstance(normalized_shape, (list, tuple)):  # torch.Size is a tuple
        shape = tuple(
            _v.check_int(d, f"normalized_shape[{i}]", minimum=0)
            for i, d in enumerate(normalized_shape)
        )
    else:
        shape = (_v.check_int(normalized_shape, "normalized_shape", minimum=0),)
    if len(shape) == 0:
        raise ValueError("normalized_shape must contain at least one dimension, got ()")
    k = len(shape)
    _check_input(input, min_dim=k, expected=f"(*, {', '.join(map(str, shape))})")
    if tuple(input.shape[-k:]) != shape:
        raise ValueError(
            f"input must have shape (*, {', '.join(map(str, shape))}) to match "
            f"normalized_shape={shape}, got shape {tuple(input.shape)}"
        )
    _v.check_param_tensors(input, shape, "normalized_shape", weight=weight, bias=bias)

    x = _opmath(input)  # (*, *normalized_shape)
    # μ = mean over the last k dims,   σ² = their biased variance
    centered, _, var = _centered_stats(x, list(range(-k, 0)))  # x - \mu; var (*, 1, ..., 1)
    # y = γ ⊙ (x − μ) / √(σ² + ε) + β
    y = _affine(centered * torch.rsqrt(var + eps), weight, bias)
    return y.to(input.dtype)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    r"""Group Normalization, same semantics as `torch.nn.functional.group_norm`.

    The C channels are split into `num_groups` groups of C / G consecutive channels;
    statistics are per sample and group (biased variance). `num_groups=1` is LayerNorm over
    `(C, *)`, `num_groups=C` is InstanceNorm. The affine transform is per *channel*.

    Args:
        input: `(N, C, *)` tensor.
        num_groups: G, must divide C.
        weight: `(C,)` scale or None.
        bias: `(C,)` shift or None.
        eps: Added to the variance.

    Returns:
        Tensor of the same shape and dtype as `input`.

    Examples:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> x = torch.randn(2, 6, 4, 4)
        >>> torch.allclose(group_norm(x, 3), F.group_norm(x, 3), atol=1e-6)
        True
    """
    _check_input(input)
    _v.check_number(eps, "eps")
    n, c = input.shape[:2]
    _v.check_int(num_groups, "num_groups", minimum=1)
    if n * (c // num_groups) * math.prod(input.shape[2:]) == 1:
        # torch's check (F.group_norm): one value to normalize leaves no variance
        raise ValueError(
            f"input must have more than 1 value per group, got shape {tuple(input.shape)} "
            f"with num_groups={num_groups}"
        )
    if c % num_groups:
        raise ValueError(
            f"num_groups={num_groups} must divide the number of channels C = input.shape[1] = {c}"
        )
    _v.check_param_tensors(input, (c,), "(C,) with C = input.shape[1]", weight=weight, bias=bias)

    x = _opmath(input)
    # (N, C, *) -> (N, G, C/G * prod(*)): each row holds one group of one sample
    grouped = x.reshape(n, num_groups, math.prod(x.shape[1:]) // num_groups)
    centered, _, var = _centered_stats(grouped, [-1])  # x - \mu_{n,g}; var (N, G, 1)
    # x̂ = (x − μ_{n,g}) / √(σ²_{n,g} + ε)
    x_hat = (centered * torch.rsqrt(var + eps)).reshape(x.shape)  # (N, C, *)
    # y = γ_c x̂ + β_c
    gamma = None if weight is None else _per_channel(weight, x.dim())
    beta = None if bias is None else _per_channel(bias, x.dim())
    return _affine(x_hat, gamma, beta).to(input.dtype)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    r"""Instance Normalization, same semantics as `torch.nn.functional.instance_norm`.

    Statistics per sample *and* channel over the spatial dims. Implemented as torch does it:
    the `(N, C, *)` input is viewed as a batch of one with N * C channels and passed to
    `batch_norm`; the running buffers (if any) receive the average over the batch.

    Args:
        input: `(N, C, *)` tensor with more than one spatial element.
        running_mean: `(C,)` buffer or None.
        running_var: `(C,)` buffer or None.
        weight: `(C,)` scale or None.
        bias: `(C,)` shift or None.
        use_input_stats: True: per-instance statistics; False: use the running buffers.
        momentum: Weight on the new statistic in the running average.
        eps: Added to the variance.

    Returns:
        Tensor of the same shape and dtype as `input`.

    Examples:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> x = torch.randn(2, 3, 5, 5)
        >>> torch.allclose(instance_norm(x), F.instance_norm(x), atol=1e-6)
        True
    """
    _check_input(input)
    _v.check_bool(use_input_stats, "use_input_stats")
    _v.check_number(momentum, "momentum")
    _v.check_number(eps, "eps")
    n, c = input.shape[:2]
    _v.check_param_tensors(
        input,
        (c,),
        "(C,) with C = input.shape[1]",
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError(
            "running_mean and running_var of shape (C,) are required when "
            "use_input_stats=False (the running statistics replace the per-instance ones)"
        )
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, input (N, C, *) got "
            f"shape {tuple(input.shape)}"
        )

    def repeat(t: Tensor | None) -> Tensor | None:  # (C,) -> (N * C,)
        return None if t is None else t.repeat(n)

    mean_nc, var_nc = repeat(running_mean), repeat(running_var)
    # (N, C, *) -> (1, N * C, *): every (sample, channel) pair is its own channel
    y = batch_norm(
        input.reshape(1, n * c, *input.shape[2:]),
        mean_nc,
        var_nc,
        repeat(weight),
        repeat(bias),
        use_input_stats,
        momentum,
        eps,
    )
    with torch.no_grad():  # the buffers get the average of the N per-sample updates
        if running_mean is not None and mean_nc is not None:
            running_mean.copy_(mean_nc.reshape(n, c).mean(dim=0))
        if running_var is not None and var_nc is not None:
            running_var.copy_(var_nc.reshape(n, c).mean(dim=0))
    return y.reshape(input.shape)


# ------------------------------------------------------------------- closed-form backward


def batch_norm_backward(
    grad_output: Tensor, input: Tensor, weight: Tensor | None, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Closed-form gradients of training-mode batch norm (batch statistics).

    With $g = \partial L / \partial y$, m values per channel and $\hat{x}$ the
    normalized input, per channel:

    $$
    \frac{\partial L}{\partial \beta} = \sum_i g_i, \quad
    \frac{\partial L}{\partial \gamma} = \sum_i g_i \hat{x}_i, \quad
    \frac{\partial L}{\partial x_i} = \frac{\gamma}{m \sqrt{\sigma_B^2 + \epsilon}}
    \Big(m g_i - \sum_j g_j - \hat{x}_i \sum_j g_j \hat{x}_j\Big)
    $$

    The last two terms are the paths through $\mu_B$ and $\sigma_B^2$: the
    gradient w.r.t. the input has zero mean (exactly) and is orthogonal to $\hat{x}$ only up
    to $\epsilon$: since $\sum_i \hat{x}_i^2 = m \sigma_B^2 / (\sigma_B^2 + \epsilon)$,
    $\sum_i \hat{x}_i \, \partial L / \partial x_i$ keeps the fraction
    $\epsilon / (\sigma_B^2 + \epsilon)$ of
    $\gamma \sum_i g_i \hat{x}_i / \sqrt{\sigma_B^2 + \epsilon}$, zero only when $\epsilon = 0$.

    Args:
        grad_output: `(N, C, *)` upstream gradient, same shape as `input`.
        input: `(N, C, *)` input of the forward pass.
        weight: `(C,)` scale $\gamma$, or None for $\gamma = 1$.
        eps: The forward pass' eps.

    Returns:
        `(grad_input, grad_weight, grad_bias)` of shapes `(N, C, *)`, `(C,)`, `(C,)`.
        `grad_weight` is returned even when `weight` is None.

    Examples:
        >>> import torch
        >>> x = torch.randn(6, 3, 4, dtype=torch.float64, requires_grad=True)
        >>> g = torch.randn(6, 3, 4, dtype=torch.float64)
        >>> batch_norm(x, None, None, training=True).backward(g)
        >>> dx, dw, db = batch_norm_backward(g, x.detach(), None)
        >>> torch.allclose(dx, x.grad), dw.shape, db.shape
        (True, torch.Size([3]), torch.Size([3]))
    """
    _check_input(input)
    _v.check_number(eps, "eps")
    if not isinstance(grad_output, Tensor) or grad_output.shape != input.shape:
        got = tuple(grad_output.shape) if isinstance(grad_output, Tensor) else type(grad_output)
        raise ValueError(
            f"grad_output must have the shape of input {tuple(input.shape)}, got {got}"
        )
    num_channels = input.shape[1]
    _v.check_param_tensors(input, (num_channels,), "(C,) with C = input.shape[1]", weight=weight)
    m = input.numel() // num_channels
    if m <= 1:
        raise ValueError(
            f"input (N, C, *) needs more than 1 value per channel, got shape {tuple(input.shape)}"
        )
    dims = _stat_dims(input)
    ndim = input.dim()

    centered, _, var = _centered_stats(input, dims)  # x - \mu; var (1, C, 1, ..., 1)
    invstd = torch.rsqrt(var + eps)  # (1, C, 1, ..., 1)
    x_hat = centered * invstd  # (N, C, *)
    # ∂L/∂β = Σᵢ gᵢ
    grad_bias = grad_output.sum(dim=dims)  # (C,)
    # ∂L/∂γ = Σᵢ gᵢ x̂ᵢ
    grad_weight = (grad_output * x_hat).sum(dim=dims)  # (C,)
    gamma = 1.0 if weight is None else _per_channel(weight, ndim)
    # ∂L/∂xᵢ = γ / (m √(σ² + ε))
    #          · (m gᵢ − Σⱼ gⱼ − x̂ᵢ Σⱼ gⱼ x̂ⱼ)
    # (in place on one new (N, C, *) tensor: each fresh full-size temporary costs page faults)
    grad_input = m * grad_output  # (N, C, *)
    grad_input -= _per_channel(grad_bias, ndim)
    grad_input -= x_hat * _per_channel(grad_weight, ndim)
    grad_input *= gamma * invstd / m
    return grad_input, grad_weight, grad_bias


# --------------------------------------------------------------------------------- folding


def fold_batch_norm(
    conv_weight: Tensor, conv_bias: Tensor | None, bn: nn.Module
) -> tuple[Tensor, Tensor]:
    r"""Fold an eval-mode BatchNorm into the conv/linear layer before it.

    For inference, $\text{BN}(Wx + b)$ with frozen statistics is itself affine, so it can
    be merged into one layer with

    $$
    s = \frac{\gamma}{\sqrt{\hat{\sigma}^2 + \epsilon}}, \quad W' = W \cdot s, \quad
    b' = (b - \hat{\mu}) \cdot s + \beta
    $$

    where $s$ scales output channel (dim 0) of $W$. The result reproduces the
    pair's *eval-mode* output (running statistics), whatever mode `bn` is in.

    Args:
        conv_weight: `(C_out, ...)` weight: Linear `(out, in)` or Conv
            `(out, in / groups, *kernel)` (not ConvTranspose, whose dim 0 is the input).
        conv_bias: `(C_out,)` bias, or None for zeros.
        bn: Our or torch's BatchNorm module with running statistics; its `weight`/`bias`
            are used if affine, else 1/0.

    Returns:
        `(weight, bias)` of the fused layer, detached from autograd.

    Examples:
        >>> import torch
        >>> conv, bn = torch.nn.Conv2d(3, 4, 3), BatchNorm2d(4)
        >>> _ = bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
        >>> w, b = fold_batch_norm(conv.weight, conv.bias, bn.eval())
        >>> x = torch.randn(2, 3, 8, 8)
        >>> torch.allclose(torch.conv2d(x, w, b), bn(conv(x)), atol=1e-5)
        True
    """
    running_mean = getattr(bn, "running_mean", None)
    running_var = getattr(bn, "running_var", None)
    if running_mean is None or running_var is None:
        raise ValueError(
            "bn has no running statistics (track_running_stats=False): it normalizes with "
            "batch statistics, which cannot be folded into fixed weights"
        )
    if not isinstance(conv_weight, Tensor) or conv_weight.dim() < 2:
        raise ValueError("conv_weight must be a tensor of shape (C_out, ...) with >= 2 dims")
    c_out = conv_weight.shape[0]
    if c_out != bn.num_features:
        raise ValueError(
            f"conv_weight.shape[0] = {c_out} (output channels) must equal "
            f"bn.num_features = {bn.num_features}"
        )
    if conv_bias is not None and tuple(conv_bias.shape) != (c_out,):
        raise ValueError(
            f"conv_bias must have shape (C_out,) = ({c_out},), got {tuple(conv_bias.shape)}"
        )

    with torch.no_grad():
        # γ and β (None without affine); nn.Module.__getattr__ types them Tensor | Module
        weight, bias = cast("Tensor | None", bn.weight), cast("Tensor | None", bn.bias)
        gamma = weight if weight is not None else torch.ones_like(running_mean)
        beta = bias if bias is not None else torch.zeros_like(running_mean)
        b = conv_bias if conv_bias is not None else torch.zeros_like(running_mean)
        # s = γ / √(σ̂² + ε)
        scale = gamma * torch.rsqrt(running_var + bn.eps)  # (C_out,)
        # W' = W · s   (broadcast over output-channel dim 0)
        fused_weight = conv_weight * scale.reshape(-1, *([1] * (conv_weight.dim() - 1)))
        # b' = (b − μ̂) s + β
        fused_bias = (b - running_mean) * scale + beta  # (C_out,)
    return fused_weight, fused_bias
