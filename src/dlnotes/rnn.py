r"""Recurrent layers (vanilla RNN, LSTM, GRU) from scratch, checked against PyTorch.

An LSTM carries a cell state $c$ next to the hidden state $h$; gates in $(0, 1)$ decide how
much of the old cell to keep, how much of a new candidate to write, and how much of the cell
to expose. A GRU merges the two states and uses two gates. Both are written here the way
`torch.nn.LSTM` / `torch.nn.GRU` compute them, so every result matches torch.

What is in this module, top to bottom:

* `RNNCell`, `LSTMCell`, `GRUCell` -- one time step, same constructor, parameter names
  (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`) and shapes as torch's cells.
* `RNN`, `LSTM`, `GRU` -- stacked (and optionally bidirectional) layers over a whole sequence,
  with torch's `weight_ih_l{k}[_reverse]` names, so a `state_dict` loads strictly both ways,
  and torch's return values `(output, h_n)` / `(output, (h_n, c_n))`.
* `rnn_param_count` -- the parameter count of a torch-style recurrent stack.
* `clip_grad_norm_` -- gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.

Each layer computes the input part of *all* gates for the whole sequence with one fused
matrix multiply ($W_{ih}$ stacks the gate blocks: $4H$ rows for the LSTM, $3H$ for the GRU)
and the hidden part with one fused multiply per time step. Gates are not computed "one after
another"; only the time steps are sequential.

Where PyTorch (and so this module) differs from the papers:

* **Two biases per gate.** torch adds $b_{i\cdot}$ and $b_{h\cdot}$, so a layer has
  $2 \cdot$ gates $\cdot H$ bias values; the papers have one bias per gate. The sum is what
  matters, but the parameter count differs (`rnn_param_count`).
* **No peepholes.** The LSTM gates read $x$ and $h$ only, never the cell state $c$; peephole
  connections (Gers & Schmidhuber, 2000) are a variant torch does not implement. The forget
  gate itself is not in the 1997 LSTM either: it came with Gers et al. (2000).
* **GRU reset gate after the matmul.** torch computes
  $n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn}))$; Cho et al. (2014) reset the
  state *before* the matmul, $\tilde h = \tanh(W x + U (r \odot h))$. The two are different
  functions: Cho's form does not reproduce `torch.nn.GRU` with the same weights.
* **GRU update convention.** torch (like Cho et al.) writes $h' = (1 - z) \odot n + z \odot h$:
  $z \to 1$ *keeps* the old state. Chung et al. (2014) and many tutorials write
  $h' = (1 - z) \odot h + z \odot \tilde h$, the same model with $z$ and $1 - z$ swapped.
* **Initialization.** Every weight and bias is drawn from $U(-1/\sqrt H, 1/\sqrt H)$ in
  registration order, the forget-gate bias included (no bias of 1 as Gers et al. and
  Jozefowicz et al. 2015 recommend). With the same seed our draws equal torch's.

Not supported (rejected with a clear error): `proj_size != 0` (LSTM projections) and
`PackedSequence` inputs. `bidirectional` and `dropout` (between layers, in training only) are
implemented as torch's.

One deliberate difference in errors: an input or state whose dtype differs from the
parameters' raises `TypeError` here (the project's rule: a wrong type is a TypeError), where
torch raises `ValueError`. Every other wrong shape or value raises `ValueError`, as in torch,
but names the argument, the expected shape and the shape given.

Examples:
    >>> import torch
    >>> from dlnotes.rnn import LSTM
    >>> lstm = LSTM(input_size=3, hidden_size=5, num_layers=2)
    >>> output, (h_n, c_n) = lstm(torch.randn(7, 4, 3))  # (L, N, H_in)
    >>> output.shape, h_n.shape, c_n.shape
    (torch.Size([7, 4, 5]), torch.Size([2, 4, 5]), torch.Size([2, 4, 5]))
    >>> sorted(lstm.state_dict())[:4]
    ['bias_hh_l0', 'bias_hh_l1', 'bias_ih_l0', 'bias_ih_l1']
"""

__doc_zh__ = """
从零实现的循环神经网络：普通 RNN、长短期记忆网络（LSTM）和门控循环单元（GRU），既有单步的
`RNNCell`/`LSTMCell`/`GRUCell`，也有可堆叠、可双向的 `RNN`/`LSTM`/`GRU`。参数名、形状、门的
排列顺序、初始化和返回值都与 PyTorch 一致，`state_dict` 可以双向加载。公式按 PyTorch 的实际
算法书写：每层用一次矩阵乘法同时算出所有门，GRU 的重置门作用在隐状态的矩阵乘法之后（与 Cho
等人 2014 年论文的写法不同）。另附参数量计算 `rnn_param_count` 和按全局范数的梯度裁剪
`clip_grad_norm_`。
"""

import math
import numbers
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlnotes import _validation as _v

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "clip_grad_norm_",
    "rnn_param_count",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


# Gate blocks stacked in weight_ih / weight_hh, per mode, in torch's order.
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_NONLINEARITIES = ("tanh", "relu")

# One step: (W_ih x + b_ih, W_hh h + b_hh, h, c) ↦ (h′, c′); c is None except for the LSTM.
_Step = Callable[[Tensor, Tensor, Tensor, Tensor | None], tuple[Tensor, Tensor | None]]


# ----------------------------------------------------------------------------- one time step


def _tanh_step(gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, None]:
    # h′ = tanh(W_ih x + b_ih + W_hh h + b_hh)                    (N, H)
    return torch.tanh(gi + gh), None


def _relu_step(gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, None]:
    # h′ = ReLU(W_ih x + b_ih + W_hh h + b_hh)                    (N, H)
    return torch.relu(gi + gh), None


def _lstm_step(gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor]:
    # gi = W_ih x + b_ih, gh = W_hh h + b_hh: the four gate blocks side by side   (N, 4H)
    gates = gi + gh
    H = gates.shape[-1] // 4
    if_, g, o = torch.split(gates, [2 * H, H, H], dim=-1)
    # i, f = σ(W_ii x + b_ii + W_hi h + b_hi), σ(W_if x + b_if + W_hf h + b_hf)   (N, 2H)
    i, f = torch.sigmoid(if_).chunk(2, dim=-1)
    # g = tanh(W_ig x + b_ig + W_hg h + b_hg)                     (N, H)
    g = torch.tanh(g)
    # o = σ(W_io x + b_io + W_ho h + b_ho)   (no peephole: c is not read)   (N, H)
    o = torch.sigmoid(o)
    if c is None:  # the LSTM's callers always pass its cell state
        raise ValueError("the LSTM step needs the cell state c")
    # c′ = f ⊙ c + i ⊙ g
    c = f * c + i * g
    # h′ = o ⊙ tanh(c′)
    return o * torch.tanh(c), c


def _gru_step(gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, None]:
    H = h.shape[-1]
    (gi_rz, gi_n), (gh_rz, gh_n) = torch.split(gi, [2 * H, H], -1), torch.split(gh, [2 * H, H], -1)
    # r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(W_iz x + b_iz + W_hz h + b_hz)   (N, 2H)
    r, z = torch.sigmoid(gi_rz + gh_rz).chunk(2, dim=-1)
    # n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   r after the matmul (Cho: W_hn (r ⊙ h))
    n = torch.tanh(gi_n + r * gh_n)
    # h′ = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)   (z → 1 keeps the old state)
    return n + z * (h - n), None


_STEPS: dict[str, _Step] = {
    "RNN_TANH": _tanh_step,
    "RNN_RELU": _relu_step,
    "LSTM": _lstm_step,
    "GRU": _gru_step,
}


def _run_layer(
    step: _Step,
    x: Tensor,
    h: Tensor,
    c: Tensor | None,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
    reverse: bool,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """One direction of one layer over a time-major sequence ``x`` of shape (L, N, H_in)."""
    # W_ih x_t + b_ih for every t at once: ONE fused matmul for all gates   (L, N, G·H)
    # (unbind, not gi[t]: the backward of gi[t] would write a full (L, N, G·H) zero tensor per step)
    gi = F.linear(x, weight_ih, bias_ih).unbind(0)
    outputs = []
    for t in range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0]):
        # W_hh h + b_hh: ONE fused matmul per step for all gates   (N, G·H)
        gh = F.linear(h, weight_hh, bias_hh)
        h, c = step(gi[t], gh, h, c)
        outputs.append(h)
    if reverse:
        outputs.reverse()
    # (L, N, H)
    return torch.stack(outputs), h, c


# ----------------------------------------------------------------------------- argument checks


def _check_nonlinearity(nonlinearity: Any) -> str:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {_NONLINEARITIES}, got {nonlinearity!r}")
    return str(nonlinearity)


def _check_dtype(value: Tensor, name: str, dtype: torch.dtype) -> None:
    if value.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {value.dtype}, but the parameters have dtype {dtype}; "
            f"convert one side, e.g. {name}.to({dtype})"
        )


def _check_sequence_input(input: Any, name: str, expected: str) -> None:
    if isinstance(input, nn.utils.rnn.PackedSequence):
        raise TypeError(f"{name}: PackedSequence is not supported by dlnotes.rnn; pad it first")
    _v.check_tensor(input, name, expected, dims=(2, 3))


# ----------------------------------------------------------------------------- cells


class _RNNCellBase(nn.Module):
    """Shared parameters, initialization and input checks of the three cells."""

    mode = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = _v.factory_kwargs(device, dtype)
        self.input_size = _v.check_int(input_size, "input_size", minimum=1)
        self.hidden_size = _v.check_int(hidden_size, "hidden_size", minimum=1)
        self.bias = _v.check_bool(bias, "bias")
        # Registration order = torch's = the order reset_parameters draws in.
        self.weight_ih = nn.Parameter(torch.empty(num_chunks * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(num_chunks * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(num_chunks * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(−1/√H, 1/√H), in registration order (as torch)."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check_input(self, input: Any) -> bool:
        """Check ``input`` of shape (N, H_in) or (H_in); return whether it is batched."""
        _v.check_tensor(
            input, "input", f"(N, {self.input_size}) or ({self.input_size},)", dims=(1, 2)
        )
        _check_dtype(input, "input", self.weight_ih.dtype)
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"input must have input_size = {self.input_size} features in its last "
                f"dimension, got shape {tuple(input.shape)}"
            )
        return bool(input.dim() == 2)

    def _state(self, value: Tensor | None, name: str, input: Tensor) -> Tensor:
        """The state ``value`` (zeros if None), checked against ``input`` and made 2-D."""
        batched = input.dim() == 2
        shape = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if value is None:
            return torch.zeros(shape, dtype=input.dtype, device=input.device).reshape(
                -1, self.hidden_size
            )
        _v.check_shape(value, name, "(N, H)" if batched else "(H,) for unbatched input", shape)
        _check_dtype(value, name, input.dtype)
        return value.reshape(-1, self.hidden_size)

    def _gates(self, input: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        # W_ih x + b_ih and W_hh h + b_hh, all gates in one matmul each   (N, G·H)
        gi = F.linear(input.reshape(-1, self.input_size), self.weight_ih, self.bias_ih)
        return gi, F.linear(h, self.weight_hh, self.bias_hh)


class RNNCell(_RNNCellBase):
    r"""One step of an Elman RNN: $h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})$.

    Same as `torch.nn.RNNCell`, including parameter names, shapes and initialization.

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden state, $H$.
        bias: Whether to add `bias_ih` and `bias_hh`.
        nonlinearity: `"tanh"` or `"relu"`.
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> cell = RNNCell(3, 4, nonlinearity="relu")
        >>> h = cell(torch.randn(2, 3))  # (N, H_in) -> (N, H)
        >>> h.shape, bool((h >= 0).all())
        (torch.Size([2, 4]), True)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self.nonlinearity = _check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """Return $h'$ of shape (N, H), or (H,) for an unbatched input of shape (H_in,)."""
        batched = self._check_input(input)
        h = self._state(hx, "hx", input)
        step = _relu_step if self.nonlinearity == "relu" else _tanh_step
        h, _ = step(*self._gates(input, h), h, None)
        return h if batched else h[0]


class LSTMCell(_RNNCellBase):
    r"""One LSTM step, as `torch.nn.LSTMCell` (gate order i, f, g, o; no peepholes).

    $$
    \begin{aligned}
    i &= \sigma(W_{ii} x + b_{ii} + W_{hi} h + b_{hi}) \\
    f &= \sigma(W_{if} x + b_{if} + W_{hf} h + b_{hf}) \\
    g &= \tanh(W_{ig} x + b_{ig} + W_{hg} h + b_{hg}) \\
    o &= \sigma(W_{io} x + b_{io} + W_{ho} h + b_{ho}) \\
    c' &= f \odot c + i \odot g \\
    h' &= o \odot \tanh(c')
    \end{aligned}
    $$

    `weight_ih` is $(4H, H_{in})$: the rows of $W_{ii}, W_{if}, W_{ig}, W_{io}$ stacked.

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden and cell states, $H$.
        bias: Whether to add `bias_ih` and `bias_hh`.
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> cell = LSTMCell(3, 4)
        >>> cell.weight_ih.shape, cell.weight_hh.shape, cell.bias_ih.shape
        (torch.Size([16, 3]), torch.Size([16, 4]), torch.Size([16]))
        >>> h, c = cell(torch.randn(2, 3))  # state (h, c) defaults to zeros
        >>> h.shape, c.shape
        (torch.Size([2, 4]), torch.Size([2, 4]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        """Return $(h', c')$, each (N, H), or (H,) for an unbatched input of shape (H_in,)."""
        batched = self._check_input(input)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"hx must be a tuple (h, c) of two tensors, got {type(hx).__name__}")
        h = self._state(None if hx is None else hx[0], "hx[0] (h)", input)
        c = self._state(None if hx is None else hx[1], "hx[1] (c)", input)
        h, c = _lstm_step(*self._gates(input, h), h, c)
        return (h, c) if batched else (h[0], c[0])


class GRUCell(_RNNCellBase):
    r"""One GRU step, as `torch.nn.GRUCell` (gate order r, z, n).

    $$
    \begin{aligned}
    r &= \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\
    z &= \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
    n &= \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})) \\
    h' &= (1 - z) \odot n + z \odot h
    \end{aligned}
    $$

    The reset gate multiplies $W_{hn} h + b_{hn}$, *after* the matmul; Cho et al. (2014) use
    $U (r \odot h)$, a different function. $z \to 1$ keeps the old state.

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden state, $H$.
        bias: Whether to add `bias_ih` and `bias_hh`.
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> cell = GRUCell(3, 4)
        >>> cell(torch.randn(3)).shape  # unbatched (H_in,) -> (H,)
        torch.Size([4])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """Return $h'$ of shape (N, H), or (H,) for an unbatched input of shape (H_in,)."""
        batched = self._check_input(input)
        h = self._state(hx, "hx", input)
        h, _ = _gru_step(*self._gates(input, h), h, None)
        return h if batched else h[0]


# ----------------------------------------------------------------------------- sequence layers


class _RNNBase(nn.Module):
    """Shared constructor, parameters and forward pass of `RNN`, `LSTM` and `GRU`.

    ``mode`` is torch's: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"mode must be one of {tuple(_GATES)}, got {mode!r}")
        self.mode = mode
        self.input_size = _v.check_int(input_size, "input_size", minimum=1)
        self.hidden_size = _v.check_int(hidden_size, "hidden_size", minimum=1)
        self.num_layers = _v.check_int(num_layers, "num_layers", minimum=1)
        self.bias = _v.check_bool(bias, "bias")
        self.batch_first = _v.check_bool(batch_first, "batch_first")
        self.dropout = _v.check_number(dropout, "dropout", minimum=0.0)
        if self.dropout > 1:
            raise ValueError(f"Invalid dropout: must be <= 1, got {dropout}")
        self.bidirectional = _v.check_bool(bidirectional, "bidirectional")
        self.proj_size = _v.check_int(proj_size, "proj_size", minimum=0)
        if self.proj_size:
            raise ValueError(
                f"proj_size={proj_size} is not supported by dlnotes.rnn (LSTM projections); "
                "use proj_size=0 or torch.nn.LSTM"
            )
        if self.dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        factory = _v.factory_kwargs(device, dtype)
        gate_size = _GATES[mode] * hidden_size
        # torch's names and registration order (layer, direction, w_ih, w_hh, b_ih, b_hh):
        # the order reset_parameters draws in, so the same seed gives the same weights.
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes(layer):
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, hidden_size),
                }
                if bias:
                    shapes |= {"bias_ih": (gate_size,), "bias_hh": (gate_size,)}
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, nn.Parameter(torch.empty(shape, **factory)))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        """2 if bidirectional, else 1 (torch's ``D``)."""
        return 2 if self.bidirectional else 1

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.num_directions]

    def reset_parameters(self) -> None:
        """Draw every parameter from U(−1/√H, 1/√H), in registration order (as torch)."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def _check_input(self, input: Any) -> None:
        name = type(self).__name__
        layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        _check_sequence_input(input, "input", f"{layout} or (L, H_in) for {name}")
        # nn.Module.__getattr__ is typed Tensor | Module; weight_ih_l0 is a registered Parameter
        _check_dtype(input, "input", cast(Tensor, self.weight_ih_l0).dtype)
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"input must have input_size = {self.input_size} features in its last "
                f"dimension, got shape {tuple(input.shape)}"
            )
        seq_len = input.shape[1 if self.batch_first and input.dim() == 3 else 0]
        if seq_len == 0:
            raise ValueError(f"input must have a sequence length L >= 1, got {tuple(input.shape)}")

    def _state(self, value: Any, name: str, x: Tensor, batched: bool) -> Tensor:
        """The initial state ``value`` (zeros if None) as (num_layers · D, N, H), checked."""
        shape = (self.num_layers * self.num_directions, x.shape[1], self.hidden_size)
        if value is None:
            return torch.zeros(shape, dtype=x.dtype, device=x.device)
        if batched:
            _v.check_shape(value, name, "(num_layers * D, N, H_out)", shape)
        else:
            what = "(num_layers * D, H_out) for unbatched input"
            _v.check_shape(value, name, what, (shape[0], shape[2]))
            value = value.unsqueeze(1)
        _check_dtype(value, name, x.dtype)
        return cast(Tensor, value)  # checked by _v.check_shape: a tensor

    def _forward(
        self, input: Tensor, h0: Any, c0: Any, names: tuple[str, str]
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """Run the stack: (output, h_n, c_n) in the caller's layout; c_n is None but for LSTM."""
        self._check_input(input)
        batched = input.dim() == 3
        # time-major throughout: (L, N, H_in)
        if not batched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        h0 = self._state(h0, names[0], x, batched)
        c0 = self._state(c0, names[1], x, batched) if self.mode == "LSTM" else None
        step = _STEPS[self.mode]
        h_n: list[Tensor] = []
        c_n: list[Tensor | None] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * self.num_directions + direction  # row of h_0 / h_n
                out, h, c = _run_layer(
                    step,
                    x,
                    h0[k],
                    None if c0 is None else c0[k],
                    getattr(self, "weight_ih" + suffix),
                    getattr(self, "weight_hh" + suffix),
                    getattr(self, "bias_ih" + suffix, None),
                    getattr(self, "bias_hh" + suffix, None),
                    reverse=direction == 1,
                )
                outputs.append(out)
                h_n.append(h)
                c_n.append(c)
            # forward and reverse outputs side by side   (L, N, D·H)
            x = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=-1)
            # dropout on every layer's output but the last, in training only (as torch)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        # (num_layers · D, N, H)
        h = torch.stack(h_n)
        c = torch.stack([ci for ci in c_n if ci is not None]) if self.mode == "LSTM" else None
        if not batched:
            return x.squeeze(1), h.squeeze(1), None if c is None else c.squeeze(1)
        return (x.transpose(0, 1) if self.batch_first else x), h, c


class RNN(_RNNBase):
    r"""Elman RNN stack, as `torch.nn.RNN`: $h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})$.

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden state, $H$.
        num_layers: Stacked layers; layer $k > 0$ reads layer $k - 1$'s output.
        nonlinearity: `"tanh"` or `"relu"`.
        bias: Whether to add `bias_ih_l{k}` and `bias_hh_l{k}`.
        batch_first: Input and output as (N, L, ·) instead of (L, N, ·); not the state.
        dropout: Dropout probability on each layer's output except the last, in training only.
        bidirectional: Also run every layer backwards in time; outputs are concatenated.
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> rnn = RNN(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        >>> output, h_n = rnn(torch.randn(5, 7, 3))  # (N, L, H_in)
        >>> output.shape, h_n.shape  # (N, L, D·H), (num_layers·D, N, H)
        (torch.Size([5, 7, 8]), torch.Size([4, 5, 4]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self.nonlinearity = _check_nonlinearity(nonlinearity)
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Return ``(output, h_n)``: (L, N, D·H) and (num_layers·D, N, H), as torch."""
        output, h_n, _ = self._forward(input, hx, None, ("hx", ""))
        return output, h_n


class LSTM(_RNNBase):
    r"""LSTM stack, as `torch.nn.LSTM` (gate order i, f, g, o; no peepholes; see `LSTMCell`).

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden and cell states, $H$.
        num_layers: Stacked layers; layer $k > 0$ reads layer $k - 1$'s output.
        bias: Whether to add `bias_ih_l{k}` and `bias_hh_l{k}`.
        batch_first: Input and output as (N, L, ·) instead of (L, N, ·); not the states.
        dropout: Dropout probability on each layer's output except the last, in training only.
        bidirectional: Also run every layer backwards in time; outputs are concatenated.
        proj_size: Must be 0: LSTM projections are not implemented (ValueError otherwise).
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> lstm = LSTM(3, 4)
        >>> x = torch.randn(6, 2, 3)  # (L, N, H_in)
        >>> output, (h_n, c_n) = lstm(x)
        >>> torch.equal(output[-1], h_n[0])  # the last output is the last hidden state
        True
        >>> lstm(x[:, 0])[0].shape  # unbatched (L, H_in) -> (L, H)
        torch.Size([6, 4])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, proj_size, device, dtype,
        )  # fmt: skip

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Return ``(output, (h_n, c_n))``: (L, N, D·H) and two (num_layers·D, N, H), as torch."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(
                f"hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}"
            )
        h0, c0 = (None, None) if hx is None else hx
        output, h_n, c_n = self._forward(input, h0, c0, ("hx[0] (h_0)", "hx[1] (c_0)"))
        assert c_n is not None
        return output, (h_n, c_n)


class GRU(_RNNBase):
    r"""GRU stack, as `torch.nn.GRU` (gate order r, z, n; reset after the matmul; see `GRUCell`).

    Args:
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden state, $H$.
        num_layers: Stacked layers; layer $k > 0$ reads layer $k - 1$'s output.
        bias: Whether to add `bias_ih_l{k}` and `bias_hh_l{k}`.
        batch_first: Input and output as (N, L, ·) instead of (L, N, ·); not the state.
        dropout: Dropout probability on each layer's output except the last, in training only.
        bidirectional: Also run every layer backwards in time; outputs are concatenated.
        device: Where to create the parameters.
        dtype: The parameters' dtype.

    Examples:
        >>> import torch
        >>> gru = GRU(3, 4, num_layers=2)
        >>> output, h_n = gru(torch.randn(6, 2, 3), torch.zeros(2, 2, 4))
        >>> output.shape, h_n.shape
        (torch.Size([6, 2, 4]), torch.Size([2, 2, 4]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype,
        )  # fmt: skip

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Return ``(output, h_n)``: (L, N, D·H) and (num_layers·D, N, H), as torch."""
        output, h_n, _ = self._forward(input, hx, None, ("hx", ""))
        return output, h_n


# ----------------------------------------------------------------------------- utilities

_MODES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def rnn_param_count(
    mode: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bias: bool = True,
    *,
    bidirectional: bool = False,
) -> int:
    r"""Number of parameters of torch's ``RNN``/``LSTM``/``GRU`` with these sizes.

    With $G$ gate blocks (RNN 1, GRU 3, LSTM 4), $D$ directions and layer input $I_k$
    ($I_0$ = `input_size`, $I_k = D H$ above), each layer and direction holds
    $G (H I_k + H^2 + 2H)$ values: two biases per gate, as torch has. So a GRU has exactly
    3/4 of the parameters of an LSTM of the same sizes.

    Args:
        mode: ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        input_size: Features in the input, $H_{in}$.
        hidden_size: Features in the hidden state, $H$.
        num_layers: Stacked layers.
        bias: Whether each layer has ``bias_ih`` and ``bias_hh``.
        bidirectional: Whether each layer also runs backwards.

    Returns:
        The total number of parameter values.

    Raises:
        ValueError: Unknown ``mode`` (the message lists the valid ones) or a size below 1.

    Examples:
        >>> rnn_param_count("LSTM", 5, 7), rnn_param_count("GRU", 5, 7)
        (392, 294)
        >>> rnn_param_count("LSTM", 5, 7) == 4 * (7 * 5 + 7 * 7 + 2 * 7)
        True
    """
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, one of {tuple(_MODES)}, got {type(mode).__name__}")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {tuple(_MODES)}, got {mode!r}")
    _v.check_int(input_size, "input_size", minimum=1)
    H = _v.check_int(hidden_size, "hidden_size", minimum=1)
    _v.check_int(num_layers, "num_layers", minimum=1)
    _v.check_bool(bias, "bias")
    D = 2 if _v.check_bool(bidirectional, "bidirectional") else 1
    G = _MODES[mode]
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else D * H
        # G·H·I_k (W_ih) + G·H·H (W_hh) + 2·G·H (b_ih, b_hh), per direction
        total += D * G * H * (layer_input + H + (2 if bias else 0))
    return total


@torch.no_grad()
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    r"""Scale all gradients in place so that their global norm is at most ``max_norm``.

    As `torch.nn.utils.clip_grad_norm_` (Pascanu et al., 2013): the norm is taken over all
    gradients together, as if concatenated into one vector, and every gradient is multiplied
    by the same factor

    $$
    \text{clip\_coef} = \min\Big(\frac{\text{max\_norm}}{\lVert g \rVert_p + 10^{-6}},\ 1\Big),
    $$

    so the direction of the update is kept (clipping by *value* changes it).

    Args:
        parameters: A tensor, or an iterable (list, generator, ...) of tensors; those whose
            ``.grad`` is None are skipped.
        max_norm: The largest allowed total norm.
        norm_type: $p$ of the norm: 1, 2, ``float("inf")``, or any other value
            `torch.linalg.vector_norm` accepts.
        error_if_nonfinite: Raise RuntimeError (as torch does) if the total norm is NaN or
            infinite, instead of scaling the gradients by it.
        foreach: Accepted for torch's signature; the result does not depend on it.

    Returns:
        The total norm of the gradients before clipping, a 0-dim tensor
        (``tensor(0.)`` if no parameter has a gradient).

    Examples:
        >>> import torch
        >>> w = torch.zeros(2, requires_grad=True)
        >>> w.grad = torch.tensor([3.0, 4.0])
        >>> clip_grad_norm_(w, max_norm=1.0)
        tensor(5.)
        >>> w.grad  # scaled by 1 / (5 + 1e-6)
        tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Iterable):
            raise TypeError(
                "parameters must be a tensor or an iterable of tensors, "
                f"got {type(parameters).__name__}"
            )
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)  # a generator is consumed only once
        if is_generator and not parameters:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=3,
            )
    for k, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"parameters[{k}] must be a torch.Tensor, got {type(p).__name__}")
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real | Tensor):
        raise TypeError(f"max_norm must be a number, got {type(max_norm).__name__}")
    if isinstance(max_norm, Tensor) and max_norm.numel() != 1:
        raise ValueError(
            f"max_norm must be a number or a one-element tensor, got shape {tuple(max_norm.shape)}"
        )
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real | str):
        raise TypeError(f"norm_type must be a number, got {type(norm_type).__name__}")
    try:
        norm_type = float(norm_type)  # "inf" is allowed, as torch allows it
    except ValueError:
        raise ValueError(f"norm_type must be a number or 'inf', got {norm_type!r}") from None
    max_norm = float(max_norm)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    # ‖g‖_p = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p   (the norm of the per-tensor norms)
    norms = [torch.linalg.vector_norm(g, norm_type) for g in grads]
    total_norm = torch.linalg.vector_norm(
        torch.stack([n.to(grads[0].device) for n in norms]), norm_type
    )
    if error_if_nonfinite and not torch.isfinite(total_norm):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    # clip_coef = min(max_norm / (‖g‖ + 10⁻⁶), 1)
    clip_coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        # g ← clip_coef · g   (in place, for every gradient, as torch)
        g.mul_(clip_coef.to(g.device))
    return total_norm
