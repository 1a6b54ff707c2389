"""LSTM vs GRU experiments: how far a gradient reaches back, and a small memory task.

Everything runs on the CPU with fixed seeds and one thread.

* `gradient_reach()` (figure ``rnn-gradient-reach``): at initialization, with no training, the
  ratio ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖ (Frobenius norms of the Jacobians of the last hidden state
  with respect to the first and the last input) against the sequence length T, for a vanilla
  RNN (torch's default init and an orthogonal W_hh), an LSTM (torch's default init, and the
  forget-gate bias set to 1 or 2) and a GRU (default, and the update-gate bias set to 2).
  The layers are `dlnotes.rnn`'s, in float64, so tiny ratios do not underflow.
* `cell_diagrams()` (figure ``rnn-cells``): the LSTM and GRU cells as dataflow graphs
  (``CELL_GRAPHS``); `evaluate_cell` runs a graph with a cell's weights, and the tests check it
  against `dlnotes.rnn`, so the diagram shows the computation that runs.
* `memory_task()` (figure ``rnn-memory``): recall the first of T inputs. The first step carries
  one of K = 4 tokens (one-hot), the next T − 2 steps carry Gaussian noise on the same
  channels, the last step a query marker; a linear head reads the last hidden state. Chance
  is 1/K = 0.25. Every architecture has the same hidden size H (so *not* the same number of
  parameters: `dlnotes.rnn.rnn_param_count`) and its own learning rate, picked by
  `lr_pilot()` on other seeds. The result is the test accuracy of each seed and the fraction
  of seeds that solve the task (accuracy ≥ ``SOLVED``).

Training uses ``torch.nn``'s layers, which `dlnotes.rnn` matches value for value
(tests/test_rnn.py): torch's LSTM kernel is several times faster on these tiny sizes, and the
whole page's experiments must fit in 30 s of one core. Each ``plot_*`` function takes a
result and a language (``"en"`` or ``"zh"``); the words on the figures are in ``LABELS``.
"""

from __future__ import annotations

__doc_zh__ = """
LSTM 与 GRU 一页的实验。其一：不做任何训练，只看初始化时的梯度能传多远，
即最后一步隐状态对第一个输入和对最后一个输入的雅可比矩阵范数之比随序列长度的变化，
比较普通 RNN（PyTorch 默认初始化与正交初始化）、LSTM（默认初始化与遗忘门偏置设为 1 或 2）
和 GRU（默认初始化与更新门偏置设为 2）。其二：一个记忆任务，在 T 步噪声之后回忆第一步的
符号（4 选 1，随机猜的准确率是 0.25），每种结构隐状态大小相同、学习率各自挑选，
报告每个种子的准确率和解出任务的种子比例。其三：两种单元的数据流图，由一张可执行的计算图画出，
测试用单元的权重把图算一遍并与 `dlnotes.rnn` 对照。
"""

import math
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import Tensor, nn

from dlnotes import rnn
from dlnotes.experiments import THREADS, Result, plotting, seeded
from dlnotes.experiments.training import accuracy, sweep, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CELL_BLOCKS",
    "CELL_GRAPHS",
    "CLASSES",
    "FIGURES",
    "LABELS",
    "MEMORY_LR",
    "MEMORY_VARIANTS",
    "NOISE",
    "REACH_STYLE",
    "REACH_VARIANTS",
    "SOLVED",
    "Recall",
    "cell_diagrams",
    "evaluate_cell",
    "gradient_reach",
    "jacobian_norms",
    "lr_pilot",
    "make_layer",
    "memory_task",
    "plot_cell_diagrams",
    "plot_gradient_reach",
    "plot_memory_task",
    "recall_data",
    "set_gate_bias_",
]


def __dir__() -> list[str]:
    """``dir()`` and tab completion show the API (``__all__``), not the module's imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


CLASSES = 4  # tokens to remember; chance accuracy is 1 / CLASSES
NOISE = 0.3  # std of the distractor steps
SOLVED = 0.9  # a seed "solves" the memory task at this test accuracy or above

# variant -> (layer, gate whose bias is set, the bias value); None: torch's default init
REACH_VARIANTS: dict[str, tuple[str, str | None, float]] = {
    "rnn": ("RNN", None, 0.0),
    "rnn-orth": ("RNN", "orthogonal", 0.0),
    "lstm": ("LSTM", None, 0.0),
    "lstm-bf1": ("LSTM", "forget", 1.0),
    "lstm-bf2": ("LSTM", "forget", 2.0),
    "gru": ("GRU", None, 0.0),
    "gru-bz2": ("GRU", "update", 2.0),
}
MEMORY_VARIANTS: dict[str, tuple[str, str | None, float]] = {
    "rnn": ("RNN", None, 0.0),
    "lstm": ("LSTM", None, 0.0),
    "lstm-bf1": ("LSTM", "forget", 1.0),
    "lstm-bf2": ("LSTM", "forget", 2.0),
    "gru": ("GRU", None, 0.0),
    "gru-bz2": ("GRU", "update", 2.0),
}
# Adam learning rate per variant, from lr_pilot() (seeds 100-102, not the figure's): the grid
# value with the best mean accuracy over T = 10 and T = 20. Its means for 3e-3 / 1e-2 / 3e-2
# (torch 2.13 CPU): RNN 0.58 / 0.75 / 0.74, LSTM 0.33 / 0.33 / 0.25 (no real signal: chance
# at T = 20 for every rate), LSTM forget bias 1 0.74 / 0.77 / 0.62, LSTM forget bias 2
# 0.98 / 1.00 / 0.84, GRU 0.37 / 0.63 / 0.63 (chance at T = 20 for every rate), GRU update
# bias 2 0.74 / 1.00 / 1.00.
MEMORY_LR = {
    "rnn": 1e-2,
    "lstm": 3e-3,
    "lstm-bf1": 1e-2,
    "lstm-bf2": 1e-2,
    "gru": 3e-2,
    "gru-bz2": 3e-2,
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "rnn": "RNN",
        "rnn-orth": "RNN, orthogonal init",
        "lstm": "LSTM",
        "lstm-bf1": "LSTM, forget bias 1",
        "lstm-bf2": "LSTM, forget bias 2",
        "gru": "GRU",
        "gru-bz2": "GRU, update bias 2",
        "length": "sequence length T",
        "reach": "‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖",
        "accuracy": "test accuracy",
        "chance": "chance",
        "steps": "T = {T}",
        "lstm-legend": "LSTM: f forget gate, i input gate,\ng candidate, o output gate",
        "gru-legend": "GRU: r reset gate, z update gate,\nn candidate state",
    },
    "zh": {
        "rnn": "RNN",
        "rnn-orth": "RNN，正交初始化",
        "lstm": "LSTM",
        "lstm-bf1": "LSTM，遗忘门偏置 1",
        "lstm-bf2": "LSTM，遗忘门偏置 2",
        "gru": "GRU",
        "gru-bz2": "GRU，更新门偏置 2",
        "length": "序列长度 T",
        "reach": "‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖",
        "accuracy": "测试准确率",
        "chance": "随机猜测",
        "steps": "T = {T}",
        "lstm-legend": "LSTM：f 遗忘门，i 输入门，\ng 候选值，o 输出门",
        "gru-legend": "GRU：r 重置门，z 更新门，\nn 候选状态",
    },
}
REACH_STYLE = {
    "rnn": (plotting.COLORS[0], "o", "--"),
    "rnn-orth": (plotting.COLORS[0], "o", "-"),
    "lstm": (plotting.COLORS[1], "s", "--"),
    "lstm-bf1": (plotting.COLORS[3], "s", "-"),
    "lstm-bf2": (plotting.COLORS[1], "s", "-"),
    "gru": (plotting.COLORS[2], "^", "--"),
    "gru-bz2": (plotting.COLORS[2], "^", "-"),
}


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def set_gate_bias_(layer: nn.Module, gate: str, value: float) -> nn.Module:
    """Set the bias of one gate of a one-layer LSTM or GRU (torch's or ours), in place.

    torch keeps two biases per gate; the gate sees their sum, so ``bias_ih`` gets ``value`` and
    ``bias_hh`` gets 0. The rows are torch's: LSTM i | f | g | o, GRU r | z | n, each H long.
    ``gate="orthogonal"`` instead gives W_hh an orthogonal init (all its singular values 1).

    Examples:
        >>> import torch
        >>> from dlnotes.rnn import LSTM
        >>> from dlnotes.experiments.lstm_gru import set_gate_bias_
        >>> lstm = set_gate_bias_(LSTM(2, 3), "forget", 1.0)
        >>> (lstm.bias_ih_l0 + lstm.bias_hh_l0)[3:6].tolist()  # rows H..2H: the forget gate
        [1.0, 1.0, 1.0]
    """
    # (torch's and our layers hold these; nn.Module.__getattr__ types them Tensor | Module)
    H = cast(int, layer.hidden_size)
    rows = {"forget": slice(H, 2 * H), "update": slice(H, 2 * H)}
    with torch.no_grad():
        if gate == "orthogonal":
            nn.init.orthogonal_(cast(Tensor, layer.weight_hh_l0))
        else:
            cast(Tensor, layer.bias_ih_l0)[rows[gate]] = value
            cast(Tensor, layer.bias_hh_l0)[rows[gate]] = 0.0
    return layer


def make_layer(
    variant: str, spec: dict[str, Any], input_size: int, hidden_size: int, **kwargs: Any
) -> nn.Module:
    """The variant's one-layer recurrent net, ``dlnotes.rnn`` or ``torch.nn`` (``kwargs``)."""
    kind, gate, value = spec[variant]
    library = kwargs.pop("library", rnn)
    layer = getattr(library, kind)(input_size, hidden_size, **kwargs)
    return layer if gate is None else set_gate_bias_(layer, gate, value)


def jacobian_norms(layer: nn.Module, x: Tensor) -> Tensor:
    """‖∂h_T/∂x_t‖_F for every t, for one unbatched sequence ``x`` of shape (T, I).

    The H rows of the Jacobian come from one backward pass: the sequence is repeated H times
    along the batch, and copy n back-propagates only the n-th unit of its h_T.

    Examples:
        >>> import torch
        >>> from dlnotes.rnn import RNN
        >>> from dlnotes.experiments.lstm_gru import jacobian_norms
        >>> layer = RNN(1, 1, bias=False, nonlinearity="relu")
        >>> with torch.no_grad():
        ...     _ = layer.weight_ih_l0.fill_(1.0), layer.weight_hh_l0.fill_(0.5)
        >>> jacobian_norms(layer, torch.ones(3, 1)).tolist()  # h_T = Σ 0.5^(T−t) x_t
        [0.25, 0.5, 1.0]
    """
    length, features = x.shape
    H = cast(int, layer.hidden_size)  # an LSTM/GRU/RNN layer's (typed Tensor | Module)
    xs = x.unsqueeze(1).expand(length, H, features).clone().requires_grad_()  # (T, H, I)
    out = layer(xs)[0]  # (T, H, H): copy n in column n
    out[-1].diagonal().sum().backward()
    # xs.grad[t, n] = ∂h_T[n]/∂x_t, so ‖∂h_T/∂x_t‖_F over (n, i)
    norms: Tensor = cast(Tensor, xs.grad).flatten(1).norm(dim=1)  # backward ran: grad exists
    return norms


# ---------------------------------------------------------------------------------------------
# 1. Gradient reach at initialization
# ---------------------------------------------------------------------------------------------


def gradient_reach(
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    lengths: tuple[int, ...] = (5, 10, 20, 50, 100),
    input_size: int = 8,
    hidden_size: int = 32,
    variants: tuple[str, ...] = tuple(REACH_VARIANTS),
) -> Result:
    """‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖ at initialization, per variant, length and seed.

    The seed fixes the weights (the same draw for every length) and the input, x_t ~ N(0, 1).
    ``per_step[variant]`` is, per seed, the factor by which the ratio shrinks per step between
    the two longest lengths (``per_step_between``): the rate of the exponential decay.

    Examples:
        >>> from dlnotes.experiments.lstm_gru import gradient_reach
        >>> r = gradient_reach(seeds=(0,), lengths=(1, 5), variants=("rnn",))
        >>> r["variants"]["rnn"]["reach"]["mean"][0]  # T = 1: x_1 is x_T
        1.0
        >>> 0 < r["per_step"]["rnn"][0] < 1, r["per_step_between"]
        (True, [1, 5])
    """

    def run(variant: str, length: int, generator: torch.Generator) -> dict[str, float]:
        layer = make_layer(variant, REACH_VARIANTS, input_size, hidden_size, dtype=torch.float64)
        x = torch.randn(length, input_size, generator=generator, dtype=torch.float64)
        norms = jacobian_norms(layer, x)
        return {"reach": (norms[0] / norms[-1]).item()}

    result = sweep(run, variants, lengths, seeds, THREADS)
    # Geometric decay per step between the two longest lengths, per seed:
    # q = (ratio(T₂) / ratio(T₁))^(1 / (T₂ − T₁))
    between, per_step = list(lengths[-2:]) if len(lengths) > 1 else [], {}
    for variant in variants if between else ():
        per_seed = result["variants"][variant]["reach"]["per_seed"]
        per_step[variant] = [
            (b / a) ** (1 / (between[1] - between[0]))
            for a, b in zip(per_seed[-2], per_seed[-1], strict=True)
        ]
    radii = []
    for seed in seeds:  # the default RNN's W_hh, as drawn for that seed
        with seeded(seed, THREADS):
            layer = make_layer("rnn", REACH_VARIANTS, input_size, hidden_size, dtype=torch.float64)
            w_hh = cast(Tensor, layer.weight_hh_l0)  # (typed Tensor | Module)
            # ρ(W_hh) = max |λᵢ|
            radii.append(torch.linalg.eigvals(w_hh.detach()).abs().max().item())
    return {
        "init": {v: list(REACH_VARIANTS[v]) for v in variants},  # [layer, gate, bias]
        "spectral_radius": radii,
        "per_step": per_step,
        "per_step_between": between,
        "lengths": list(lengths),
        "seeds": list(seeds),
        "hidden_size": hidden_size,
        "input_size": input_size,
        "variants": {v: result["variants"][v] for v in variants},
    }


@plotting.styled
def plot_gradient_reach(result: Result, lang: str = "en") -> Figure:
    """The ratio against T on a log scale: mean over seeds, min–max band.

    Examples:
        >>> from dlnotes.experiments.lstm_gru import gradient_reach, plot_gradient_reach
        >>> r = gradient_reach(seeds=(0,), lengths=(5, 10))
        >>> plot_gradient_reach(r, lang="zh").axes[0].get_xlabel()
        '序列长度 T'
    """
    words = LABELS[lang]
    fig, ax = plotting.figure(height=4.6)
    xs = result["lengths"]
    for variant, metrics in result["variants"].items():
        color, marker, linestyle = REACH_STYLE[variant]
        plotting.band(
            ax,
            xs,
            metrics["reach"],
            color=color,
            label=words[variant],
            marker=marker,
            linestyle=linestyle,
        )
    ax.set_yscale("log")
    # 10⁻¹² as plain text: mathtext superscripts would be too small on a phone
    ax.yaxis.set_major_formatter(lambda v, _pos: plotting.power_label(round(math.log10(v))))
    ax.set_xscale("log")
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.minorticks_off()
    ax.set_xlabel(words["length"])
    ax.set_ylabel(words["reach"])
    plotting.legend_below(fig, ncols=2)
    return fig


# ---------------------------------------------------------------------------------------------
# 2. Memory task: recall the first token after T − 1 noisy steps
# ---------------------------------------------------------------------------------------------


def recall_data(
    length: int, n: int, generator: torch.Generator, noise: float = NOISE
) -> tuple[Tensor, Tensor]:
    """``n`` sequences ``(n, T, K + 1)`` (batch first) and their first tokens ``(n,)``.

    Step 1: the token, one-hot on channels 0..K−1. Steps 2..T−1: N(0, noise²) on the same
    channels. Step T: 1 on channel K, the query marker.

    Examples:
        >>> import torch
        >>> from dlnotes.experiments.lstm_gru import recall_data
        >>> x, y = recall_data(5, 3, torch.Generator().manual_seed(0))
        >>> tuple(x.shape), bool((x[:, 0, :4].argmax(1) == y).all()), x[:, -1].tolist()[0]
        ((3, 5, 5), True, [0.0, 0.0, 0.0, 0.0, 1.0])
    """
    y = torch.randint(0, CLASSES, (n,), generator=generator)
    x = torch.zeros(n, length, CLASSES + 1)
    x[:, 1:-1, :CLASSES] = noise * torch.randn(n, length - 2, CLASSES, generator=generator)
    x[torch.arange(n), 0, y] = 1.0
    x[:, -1, CLASSES] = 1.0
    return x, y


class Recall(nn.Module):
    """A one-layer recurrent net (batch first) and a linear head on its last hidden state."""

    def __init__(self, variant: str, hidden_size: int, library: Any = nn) -> None:
        super().__init__()
        self.rnn = make_layer(
            variant, MEMORY_VARIANTS, CLASSES + 1, hidden_size, batch_first=True, library=library
        )
        self.head = nn.Linear(hidden_size, CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        # (N, T, K + 1) → (N, T, H) → last step (N, H) → logits (N, K)
        logits: Tensor = self.head(self.rnn(x)[0][:, -1])
        return logits


def _recall_run(
    variant: str,
    length: int,
    generator: torch.Generator,
    lr: float,
    hidden_size: int,
    steps: int,
    batch_size: int,
) -> float:
    """Train one seed (Adam, gradients clipped to norm 1); its accuracy on 1000 new sequences."""
    x, y = recall_data(length, steps * batch_size, generator)
    net = Recall(variant, hidden_size)
    train(
        net,
        x,
        y,
        batch_size=batch_size,
        steps=steps,
        generator=generator,
        optimizer=lambda p: torch.optim.Adam(p, lr=lr),
        max_grad_norm=1.0,
    )
    x_test, y_test = recall_data(length, 1000, generator)
    return accuracy(net, x_test, y_test)


def memory_task(
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    lengths: tuple[int, ...] = (10, 20),
    hidden_size: int = 32,
    steps: int = 100,
    batch_size: int = 32,
    variants: tuple[str, ...] = tuple(MEMORY_VARIANTS),
) -> Result:
    """Test accuracy on the recall task per variant, length and seed, at equal hidden size.

    Each seed draws its own weights, ``steps × batch_size`` training sequences (one pass) and
    1000 test sequences. ``solved``: the fraction of seeds with accuracy ≥ ``SOLVED``.

    Examples:
        >>> from dlnotes.experiments.lstm_gru import memory_task
        >>> r = memory_task(seeds=(0,), lengths=(5,), steps=5, variants=("gru",))
        >>> r["chance"], len(r["variants"]["gru"]["acc"]["per_seed"][0])
        (0.25, 1)
    """

    def run(variant: str, length: int, generator: torch.Generator) -> dict[str, float]:
        lr = MEMORY_LR[variant]
        return {"acc": _recall_run(variant, length, generator, lr, hidden_size, steps, batch_size)}

    result = sweep(run, variants, lengths, seeds, THREADS)
    out: dict[str, Any] = {}
    for variant in variants:
        stats = result["variants"][variant]["acc"]
        solved = [sum(a >= SOLVED for a in accs) / len(accs) for accs in stats["per_seed"]]
        kind = MEMORY_VARIANTS[variant][0]
        out[variant] = {
            "init": list(MEMORY_VARIANTS[variant]),  # [layer, gate, bias]
            "acc": stats,
            "solved": solved,
            "lr": MEMORY_LR[variant],
            "params": rnn.rnn_param_count(kind, CLASSES + 1, hidden_size),
        }
    return {
        "lengths": list(lengths),
        "seeds": list(seeds),
        "hidden_size": hidden_size,
        "steps": steps,
        "batch_size": batch_size,
        "chance": 1 / CLASSES,
        "solved_at": SOLVED,
        "variants": out,
    }


def lr_pilot(
    seeds: tuple[int, ...] = (100, 101, 102),
    lrs: tuple[float, ...] = (3e-3, 1e-2, 3e-2),
    lengths: tuple[int, ...] = (10, 20),
    hidden_size: int = 32,
    steps: int = 100,
    batch_size: int = 32,
) -> dict[str, dict[float, float]]:
    """Mean test accuracy per variant and learning rate, over ``lengths`` and ``seeds``.

    The seeds are ones the figure does not use. `MEMORY_LR` holds the best rate of each variant.
    Not part of the figure (it would triple the experiment's cost); run it by hand to check the
    choice.
    """
    table: dict[str, dict[float, float]] = {}
    for variant in MEMORY_VARIANTS:
        for lr in lrs:
            accs = []
            for length in lengths:
                for seed in seeds:
                    with seeded(seed, THREADS) as generator:
                        accs.append(
                            _recall_run(
                                variant, length, generator, lr, hidden_size, steps, batch_size
                            )
                        )
            table.setdefault(variant, {})[lr] = sum(accs) / len(accs)
    return table


@plotting.styled
def plot_memory_task(result: Result, lang: str = "en") -> Figure:
    """Horizontal bars: mean test accuracy per architecture, one bar per T, seeds as dots.

    Examples:
        >>> from dlnotes.experiments.lstm_gru import memory_task, plot_memory_task
        >>> r = memory_task(seeds=(0,), lengths=(5,), steps=2)
        >>> plot_memory_task(r).axes[0].get_xlabel()
        'test accuracy'
    """
    words = LABELS[lang]
    fig, ax = plotting.figure(height=3.8)
    variants = list(result["variants"])
    series = [
        (
            words["steps"].format(T=T),
            plotting.COLORS[i],
            {
                key: [result["variants"][v]["acc"][key][i] for v in variants]
                for key in ("mean", "per_seed")
            },
        )
        for i, T in enumerate(result["lengths"])
    ]
    plotting.bars(ax, [words[v] for v in variants], series)
    ax.axvline(result["chance"], color=plotting.GREY, linestyle=":", label=words["chance"])
    ax.set_xlim(0, 1.02)
    ax.set_xlabel(words["accuracy"])
    plotting.legend_below(fig, ncols=3)
    return fig


# ---------------------------------------------------------------------------------------------
# 3. Cell diagrams, drawn from an executable graph
# ---------------------------------------------------------------------------------------------

# One cell as a dataflow graph: node -> (op, inputs, (x, y) position, text in the node).
# Ops: "input"; "concat" ([h, x]); "gate" (activation and weight block k of the cell's stacked
# rows, reading [h, x]); "hidden" (W_hk·h + b_hk, GRU block k); "candidate" (the GRU's
# tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), from [h, x] and that product); "mul", "add",
# "one_minus", "tanh"; "output". `evaluate_cell` computes the graph with a cell's weights and
# tests/test_lstm_gru_experiments.py checks it against `dlnotes.rnn`, so the figure shows the
# computation that runs.
CELL_GRAPHS: dict[str, dict[str, tuple[str, list[str], tuple[float, float], str]]] = {
    "lstm": {
        "c_prev": ("input", [], (0.5, 5.2), "c(t−1)"),
        "h_prev": ("input", [], (0.5, 0.5), "h(t−1)"),
        "x": ("input", [], (1.5, -0.6), "x(t)"),
        "hx": ("concat", ["h_prev", "x"], (1.5, 0.5), ""),
        "f": ("gate", ["hx"], (2.5, 1.9), "f: σ"),
        "i": ("gate", ["hx"], (3.9, 1.9), "i: σ"),
        "g": ("gate", ["hx"], (5.8, 1.9), "g: tanh"),
        "o": ("gate", ["hx"], (7.6, 1.9), "o: σ"),
        "keep": ("mul", ["f", "c_prev"], (2.5, 5.2), "×"),
        "write": ("mul", ["i", "g"], (4.85, 3.5), "×"),
        "c": ("add", ["keep", "write"], (4.85, 5.2), "+"),
        "squash": ("tanh", ["c"], (8.5, 4.0), "tanh"),
        "h": ("mul", ["o", "squash"], (8.5, 2.7), "×"),
        "c_out": ("output", ["c"], (9.7, 5.2), "c(t)"),
        "h_out": ("output", ["h"], (9.7, 2.7), "h(t)"),
    },
    "gru": {
        "h_prev": ("input", [], (0.5, 5.2), "h(t−1)"),
        "x": ("input", [], (0.5, -0.6), "x(t)"),
        "hx": ("concat", ["h_prev", "x"], (0.5, 0.5), ""),
        "r": ("gate", ["hx"], (1.8, 1.9), "r: σ"),
        "hid": ("hidden", ["hx"], (3.2, 1.9), "W·h"),
        "z": ("gate", ["hx"], (5.2, 1.9), "z: σ"),
        "reset": ("mul", ["r", "hid"], (2.5, 3.1), "×"),
        "n": ("candidate", ["hx", "reset"], (3.9, 3.9), "n: tanh"),
        "keep": ("mul", ["z", "h_prev"], (5.2, 5.2), "×"),
        "one_minus": ("one_minus", ["z"], (6.5, 2.9), "1−"),
        "write": ("mul", ["one_minus", "n"], (7.7, 3.9), "×"),
        "h": ("add", ["keep", "write"], (7.7, 5.2), "+"),
        "h_out": ("output", ["h"], (9.6, 5.2), "h(t)"),
    },
}
# weight block of each gate in torch's stacked rows (LSTM i | f | g | o, GRU r | z | n)
CELL_BLOCKS = {"lstm": {"i": 0, "f": 1, "g": 2, "o": 3}, "gru": {"r": 0, "z": 1, "hid": 2, "n": 2}}


def evaluate_cell(
    kind: str, cell: nn.Module, x: Tensor, h: Tensor, c: Tensor | None = None
) -> Tensor | tuple[Tensor, Tensor]:
    """Run the diagram's graph ``CELL_GRAPHS[kind]`` with ``cell``'s weights.

    Returns ``(h_t, c_t)`` for the LSTM and ``h_t`` for the GRU, as `dlnotes.rnn`'s cells do.

    Examples:
        >>> import torch
        >>> from dlnotes.rnn import GRUCell
        >>> from dlnotes.experiments.lstm_gru import evaluate_cell
        >>> _ = torch.manual_seed(0)
        >>> cell, x, h = GRUCell(3, 2), torch.randn(1, 3), torch.randn(1, 2)
        >>> torch.allclose(evaluate_cell("gru", cell, x, h), cell(x, h))
        True
    """
    graph, blocks = CELL_GRAPHS[kind], CELL_BLOCKS[kind]
    gates = len(set(blocks.values()))
    # a cell's parameters (nn.Module.__getattr__ types them Tensor | Module)
    w_x, w_h = cast(Tensor, cell.weight_ih).chunk(gates), cast(Tensor, cell.weight_hh).chunk(gates)
    b_x, b_h = cast(Tensor, cell.bias_ih).chunk(gates), cast(Tensor, cell.bias_hh).chunk(gates)
    values: dict[str, Any] = {"h_prev": h, "x": x, "c_prev": c}
    for name, (op, inputs, _xy, text) in graph.items():
        args = [values[i] for i in inputs]
        k = blocks.get(name, -1)  # the node's weight block; -1: none
        if op == "input":
            continue
        if op in ("gate", "hidden", "candidate") and k < 0:
            raise ValueError(f"node {name!r} has no weight block in CELL_BLOCKS[{kind!r}]")
        if op == "concat":
            values[name] = tuple(args)  # (h, x)
        elif op == "gate":
            (h_, x_), act = args[0], torch.tanh if "tanh" in text else torch.sigmoid
            # gate = act(W_ik·x + b_ik + W_hk·h + b_hk)
            values[name] = act(x_ @ w_x[k].T + b_x[k] + h_ @ w_h[k].T + b_h[k])
        elif op == "hidden":
            values[name] = args[0][0] @ w_h[k].T + b_h[k]  # W_hk·h + b_hk
        elif op == "candidate":
            # n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))
            values[name] = torch.tanh(args[0][1] @ w_x[k].T + b_x[k] + args[1])
        elif op == "mul":
            values[name] = args[0] * args[1]
        elif op == "add":
            values[name] = args[0] + args[1]
        elif op == "one_minus":
            values[name] = 1 - args[0]
        elif op == "tanh":
            values[name] = torch.tanh(args[0])
        elif op == "output":
            values[name] = args[0]
        else:
            raise ValueError(f"op: unknown {op!r} in node {name!r}")
    return (values["h_out"], values["c_out"]) if kind == "lstm" else values["h_out"]


def cell_diagrams() -> Result:
    """The two cells' graphs (positions, ops, edges) as the figure ``rnn-cells`` draws them."""
    return {
        kind: {
            name: {"op": op, "inputs": inputs, "xy": list(xy), "text": text}
            for name, (op, inputs, xy, text) in graph.items()
        }
        for kind, graph in CELL_GRAPHS.items()
    }


_BOXED = ("gate", "hidden", "candidate", "tanh")
_RADIUS = 0.34  # circles of the elementwise ops, in data units


def _half_size(node: dict[str, Any]) -> tuple[float, float]:
    """Half width and height of a node's shape (boxes and text labels grow with the text)."""
    if node["op"] in _BOXED:
        return max(0.62, 0.13 * len(node["text"]) + 0.1), 0.3
    if node["op"] in ("input", "output"):
        return 0.12 * len(node["text"]) + 0.08, 0.28
    return (0.12, 0.12) if node["op"] == "concat" else (_RADIUS, _RADIUS)


def _edge_point(node: dict[str, Any], toward: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from ``node``'s centre towards ``toward`` leaves the node's shape."""
    (x, y), (tx, ty) = node["xy"], toward
    dx, dy = tx - x, ty - y
    length = math.hypot(dx, dy)
    w, h = _half_size(node)
    if node["op"] not in ("input", "output", *_BOXED):  # a circle
        t = w / length
    else:  # a box: the first side the segment crosses
        t = min(w / abs(dx) if dx else math.inf, h / abs(dy) if dy else math.inf)
    return x + t * dx, y + t * dy


@plotting.styled
def plot_cell_diagrams(result: Result, lang: str = "en") -> Figure:
    """Each cell's graph: inputs on the left, state lines on top, gates on a bus from [h, x].

    Examples:
        >>> from dlnotes.experiments.lstm_gru import cell_diagrams, plot_cell_diagrams
        >>> fig = plot_cell_diagrams(cell_diagrams(), lang="en")
        >>> [ax.get_title(loc="left").split(":")[0] for ax in fig.axes]
        ['LSTM', 'GRU']
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    words = LABELS[lang]
    fig, axes = plotting.figure(height=6.6, nrows=2)
    for ax, (kind, graph) in zip(axes, result.items(), strict=True):
        ax.set_title(words[f"{kind}-legend"], loc="left")
        ax.set_xlim(-0.4, 10.4)
        ax.set_ylim(-1.1, 5.8)
        ax.set_aspect("equal")
        ax.axis("off")
        bus = next(node for node in graph.values() if node["op"] == "concat")["xy"]
        fed = [n["xy"][0] for n in graph.values() if "hx" in n["inputs"]]
        ax.plot([bus[0], max(fed)], [bus[1], bus[1]], color=plotting.GREY, lw=1.2)
        for node in graph.values():
            x, y = node["xy"]
            for source in node["inputs"]:
                start = (x, bus[1]) if source == "hx" else _edge_point(graph[source], (x, y))
                end = _edge_point(node, graph[source]["xy"] if source != "hx" else (x, bus[1]))
                ax.annotate(
                    "",
                    xy=end,
                    xytext=start,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": plotting.GREY,
                        "lw": 1.2,
                        "shrinkA": 0,
                        "shrinkB": 1,
                    },
                )
            op, text = node["op"], node["text"]
            if op in ("input", "output"):
                ax.text(x, y, text, ha="center", va="center")
            elif op == "concat":
                ax.add_patch(Circle((x, y), 0.12, color=plotting.GREY))
            elif op in _BOXED:
                color = plotting.COLORS[1] if op == "gate" else plotting.COLORS[2]
                w, h = _half_size(node)
                ax.add_patch(
                    FancyBboxPatch(
                        (x - w + 0.05, y - h + 0.05),
                        2 * w - 0.1,
                        2 * h - 0.1,
                        boxstyle="round,pad=0.05",
                        facecolor="white",
                        edgecolor=color,
                        lw=1.5,
                    )
                )
                ax.text(x, y, text, ha="center", va="center")
            else:
                ax.add_patch(
                    Circle((x, y), _RADIUS, facecolor="white", edgecolor=plotting.COLORS[0], lw=1.5)
                )
                ax.text(x, y, text, ha="center", va="center")
    return fig


FIGURES: dict[str, tuple[Any, Any]] = {
    "rnn-cells": (cell_diagrams, plot_cell_diagrams),
    "rnn-gradient-reach": (gradient_reach, plot_gradient_reach),
    "rnn-memory": (memory_task, plot_memory_task),
}
