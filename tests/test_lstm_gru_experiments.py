"""The LSTM/GRU experiments: the claims the page and its captions make.

Each experiment runs once with exactly the default configuration its figure uses; the tests
assert what the page states, as orderings and bounds with margins (the measured values are in
the comments: torch 2.13 CPU, one thread), never exact numbers except identities.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

import experiment_results
from matplotlib.figure import Figure
from matplotlib.text import Text

from dlnotes import rnn
from dlnotes.experiments import lstm_gru as lg


def reach() -> dict:
    return experiment_results.result("rnn-gradient-reach")


def memory() -> dict:
    return experiment_results.result("rnn-memory")


def at(result: dict, variant: str, length: int, key: str = "reach", stat: str = "max") -> float:
    """A statistic over seeds of one variant at one length."""
    return result["variants"][variant][key][stat][result["lengths"].index(length)]


# ------------------------------------------------------------------------------ building blocks


def test_gate_bias_lands_on_torchs_forget_and_update_rows() -> None:
    """LSTM rows i | f | g | o and GRU rows r | z | n: the set bias moves f (resp. z) only."""
    torch.manual_seed(0)
    lstm = lg.set_gate_bias_(torch.nn.LSTM(2, 3), "forget", 2.0)
    cell = torch.nn.LSTMCell(2, 3)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x, h, c = torch.randn(4, 2), torch.zeros(4, 3), torch.ones(4, 3)
    with torch.no_grad():
        lstm.weight_ih_l0.zero_(), cell.weight_ih.zero_()
        _, c_new = cell(x, (h, c))
    # x and h contribute nothing: c′ = σ(2)·c + σ(b_i)·tanh(b_g)
    b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    expected = torch.sigmoid(b[3:6]) * c + torch.sigmoid(b[:3]) * torch.tanh(b[6:9])
    assert torch.allclose(c_new, expected) and torch.allclose(b[3:6], torch.full((3,), 2.0))
    gru = lg.set_gate_bias_(rnn.GRU(2, 3), "update", 2.0)
    assert torch.equal((gru.bias_ih_l0 + gru.bias_hh_l0)[3:6], torch.full((3,), 2.0))
    orth = lg.set_gate_bias_(rnn.RNN(2, 8), "orthogonal", 0.0).weight_hh_l0.detach()
    assert torch.allclose(orth @ orth.T, torch.eye(8), atol=1e-5)


def test_jacobian_norms_match_autograd_jacobian() -> None:
    torch.manual_seed(0)
    layer = rnn.GRU(3, 4, dtype=torch.float64)
    x = torch.randn(6, 3, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda s: layer(s)[0][-1], x)  # (H, T, I)
    assert torch.allclose(lg.jacobian_norms(layer, x), jac.transpose(0, 1).flatten(1).norm(dim=1))


def test_recall_data_layout() -> None:
    x, y = lg.recall_data(7, 50, torch.Generator().manual_seed(0))
    assert x.shape == (50, 7, lg.CLASSES + 1)
    assert torch.equal(x[:, 0, : lg.CLASSES].argmax(1), y)
    assert torch.equal(x[:, -1], torch.eye(lg.CLASSES + 1)[-1].expand(50, -1))
    assert x[:, 1:-1, -1].abs().max() == 0 and x[:, 1:-1, : lg.CLASSES].std() > 0.2


# ------------------------------------------------------------------ figure rnn-gradient-reach


def test_reach_is_one_at_length_one_and_seeds_are_five() -> None:
    r = reach()
    assert len(r["seeds"]) >= 5
    assert r["init"] == {  # the page's variants: orthogonal W_hh, forget bias 1 and 2, update 2
        "rnn": ["RNN", None, 0.0],
        "rnn-orth": ["RNN", "orthogonal", 0.0],
        "lstm": ["LSTM", None, 0.0],
        "lstm-bf1": ["LSTM", "forget", 1.0],
        "lstm-bf2": ["LSTM", "forget", 2.0],
        "gru": ["GRU", None, 0.0],
        "gru-bz2": ["GRU", "update", 2.0],
    }
    one = lg.gradient_reach(seeds=(0,), lengths=(1,))
    for variant in lg.REACH_VARIANTS:
        assert math.isclose(one["variants"][variant]["reach"]["mean"][0], 1.0)


def test_at_default_init_every_layer_vanishes_exponentially() -> None:
    """Page: at torch's default init, RNN, LSTM and GRU keep less than 10⁻⁹ of the gradient
    at T = 50 and less than 10⁻¹⁵ at T = 100, on every seed."""
    r = reach()
    for variant in ("rnn", "lstm", "gru"):
        assert at(r, variant, 50) < 1e-9  # RNN 7e-13, LSTM 4.5e-10, GRU 2.7e-10 (max)
        assert at(r, variant, 100) < 1e-15  # RNN 4e-25, LSTM 8e-19, GRU 2e-19 (max)
        # and it falls with every length
        means = r["variants"][variant]["reach"]["mean"]
        assert all(a > b for a, b in itertools.pairwise(means))


def per_step(variant: str) -> list[float]:
    r = reach()
    assert r["per_step_between"] == [50, 100]
    return r["per_step"][variant]


def test_per_step_decay_is_exponential_but_slower_for_the_gated_layers() -> None:
    """Page: between T = 50 and T = 100 the ratio shrinks per step by about 0.54 for the RNN
    (0.51–0.57 over the seeds), 0.64 for the LSTM (0.61–0.67) and 0.63 for the GRU (0.61–0.66):
    also exponential, but slower per step than the RNN, on every seed."""
    rnn_q, lstm_q, gru_q = per_step("rnn"), per_step("lstm"), per_step("gru")
    assert len(rnn_q) == len(reach()["seeds"]) >= 5
    # the stated ranges, each widened by 0.02 on both sides
    assert all(0.49 < q < 0.59 for q in rnn_q), rnn_q  # 0.511 .. 0.569
    assert all(0.59 < q < 0.69 for q in lstm_q), lstm_q  # 0.612 .. 0.668
    assert all(0.59 < q < 0.68 for q in gru_q), gru_q  # 0.608 .. 0.656
    # the stated means, to ±0.02
    for q, mean in ((rnn_q, 0.54), (lstm_q, 0.64), (gru_q, 0.63)):
        assert abs(sum(q) / len(q) - mean) < 0.02, (q, mean)
    # slower per step than the RNN on the same seed, by a margin
    for a, b, c in zip(rnn_q, lstm_q, gru_q, strict=True):
        assert b > a + 0.03 and c > a + 0.03  # smallest gap 0.057


def test_gated_layers_at_default_init_keep_orders_of_magnitude_more_than_the_rnn() -> None:
    """Page: at T = 100 the default LSTM and GRU keep between 10⁻²² and 10⁻¹⁸ on every seed,
    the RNN less than 10⁻²⁴."""
    r = reach()
    for variant in ("lstm", "gru"):
        assert at(r, variant, 100, stat="min") > 1e-22  # LSTM 3.4e-22, GRU 7.1e-22
        assert at(r, variant, 100) < 1e-18  # LSTM 7.9e-19, GRU 1.9e-19
    assert at(r, "rnn", 100) < 1e-24  # 4.2e-25


def test_forget_bias_two_keeps_the_gradient_over_a_hundred_steps() -> None:
    """Page: with forget bias 2 the LSTM keeps ≥ 10⁻³ at T = 100 on every seed, losing about
    0.95–0.97 per step; the GRU with update bias 2 keeps between 10⁻⁵ and 10⁻⁴ (0.90–0.92 per
    step)."""
    r = reach()
    assert at(r, "lstm-bf2", 100, stat="min") > 1e-3  # 1.5e-3 .. 4.6e-2
    assert at(r, "lstm-bf2", 100, stat="min") > 1e10 * at(r, "lstm", 100)
    assert all(0.93 < q < 0.99 for q in per_step("lstm-bf2"))  # 0.948 .. 0.968
    assert at(r, "gru-bz2", 100, stat="min") > 1e-5  # 2.9e-5
    assert at(r, "gru-bz2", 100) < 1e-4  # 5.4e-5
    assert all(0.88 < q < 0.93 for q in per_step("gru-bz2"))  # 0.903 .. 0.914
    assert at(r, "gru-bz2", 100, stat="min") > 1e10 * at(r, "gru", 100)


def test_forget_bias_one_helps_by_orders_of_magnitude_but_still_vanishes() -> None:
    """Page and caption: with forget bias 1 (and the orthogonal RNN) between 10⁻¹⁰ and 10⁻⁶
    at T = 100 on every seed, about 0.84 per step; bias 2 keeps over 100× more."""
    r = reach()
    for variant in ("lstm-bf1", "rnn-orth"):
        assert at(r, variant, 100, stat="min") > 1e-10  # bf1 1.3e-9, orth 1.0e-9
        assert at(r, variant, 100) < 1e-6  # bf1 3.6e-7, orth 5.8e-8
        assert all(0.78 < q < 0.9 for q in per_step(variant))  # 0.801 .. 0.881
    bf1 = per_step("lstm-bf1")
    assert abs(sum(bf1) / len(bf1) - 0.84) < 0.02  # "about 0.84 per step": 0.838
    assert at(r, "lstm-bf1", 100, stat="min") > 1e6 * at(r, "lstm", 100)  # 1.3e-9 vs 7.9e-19
    assert at(r, "lstm-bf2", 100, stat="min") > 100 * at(r, "lstm-bf1", 100)


def test_orthogonal_init_alone_lifts_the_rnn_to_the_forget_bias_one_lstm() -> None:
    """Page: torch's default W_hh has a spectral radius of about 0.6 (0.59 to 0.63 over the seeds);
    the RNN's vanishing at default init is an init-scale effect; with an orthogonal
    W_hh it reaches as far as the LSTM with forget bias 1 (within a factor of 100)."""
    r = reach()
    radii = r["spectral_radius"]
    assert len(radii) == len(r["seeds"]) and all(0.57 < rho < 0.65 for rho in radii)  # .588-.633
    assert at(r, "rnn-orth", 100, stat="min") > 1e10 * at(r, "rnn", 100)  # 1e-9 vs 4e-25
    for length in (50, 100):
        ratio = at(r, "rnn-orth", length, stat="mean") / at(r, "lstm-bf1", length, stat="mean")
        assert 0.01 < ratio < 100, length


# ------------------------------------------------------------------------- figure rnn-memory


def accs(variant: str, length: int) -> list[float]:
    r = memory()
    return r["variants"][variant]["acc"]["per_seed"][r["lengths"].index(length)]


def solved(variant: str, length: int) -> int:
    """Seeds that solve the task, checked to be robust: no seed within 0.05 of the threshold,
    so the count is the same at 0.85 and at 0.95."""
    values = accs(variant, length)
    count = sum(a >= lg.SOLVED for a in values)
    near = [a for a in values if abs(a - lg.SOLVED) < 0.05]
    assert not near, (variant, length, near)
    r = memory()
    assert r["variants"][variant]["solved"][r["lengths"].index(length)] == count / len(values)
    return count


def test_memory_setup_as_stated() -> None:
    """Page: 6 seeds, equal hidden size H = 32 (so unequal parameters), chance 0.25, the
    learning rates of the pilot."""
    r = memory()
    assert len(r["seeds"]) == 6 and r["lengths"] == [10, 20]
    assert r["chance"] == 0.25 and r["hidden_size"] == 32 and r["steps"] == 100
    assert set(r["variants"]) == {"rnn", "lstm", "lstm-bf1", "lstm-bf2", "gru", "gru-bz2"}
    params = {v: r["variants"][v]["params"] for v in r["variants"]}
    assert params["rnn"] == 1248 and params["gru"] == params["gru-bz2"] == 3744
    assert params["lstm"] == params["lstm-bf1"] == params["lstm-bf2"] == 4992
    assert {v: r["variants"][v]["lr"] for v in r["variants"]} == lg.MEMORY_LR
    # the biases the page names: forget gate 1 and 2, update gate 2
    assert {v: r["variants"][v]["init"] for v in r["variants"]} == {
        "rnn": ["RNN", None, 0.0],
        "lstm": ["LSTM", None, 0.0],
        "lstm-bf1": ["LSTM", "forget", 1.0],
        "lstm-bf2": ["LSTM", "forget", 2.0],
        "gru": ["GRU", None, 0.0],
        "gru-bz2": ["GRU", "update", 2.0],
    }
    # the seeds the pilot used are not the figure's
    assert not set(r["seeds"]) & {100, 101, 102}


def test_short_memory_is_solved_by_all_but_the_default_lstm() -> None:
    """Page: at T = 10 every variant but the default LSTM solves the task on every seed; the
    default LSTM on none (at most about 0.5)."""
    for variant in ("rnn", "lstm-bf1", "lstm-bf2", "gru", "gru-bz2"):
        assert solved(variant, 10) == 6, variant  # min 0.989
    assert solved("lstm", 10) == 0 and max(accs("lstm", 10)) < 0.55  # 0.502


def test_at_twenty_steps_the_biases_make_the_difference() -> None:
    """Page: at T = 20 the GRU with update bias 2 solves it on 6 of 6 seeds, the default GRU on
    none; the LSTM with forget bias 2 on 4 of 6, with bias 1 or the default on none; bias 2
    beats bias 1 on every seed."""
    assert solved("gru-bz2", 20) == 6 and min(accs("gru-bz2", 20)) > 0.97  # 0.994
    assert solved("gru", 20) == 0
    assert solved("lstm-bf2", 20) == 4
    assert solved("lstm-bf1", 20) == 0 and max(accs("lstm-bf1", 20)) < 0.6  # 0.504
    assert solved("lstm", 20) == 0
    for a, b in zip(accs("lstm-bf1", 20), accs("lstm-bf2", 20), strict=True):
        assert b > a + 0.1  # smallest gap 0.26
    for a, b in zip(accs("gru", 20), accs("gru-bz2", 20), strict=True):
        assert b > a + 0.1  # smallest gap 0.23


def test_at_twenty_steps_the_default_lstm_stays_at_chance_and_the_rnn_is_mixed() -> None:
    """Page: the default LSTM stays at chance on every seed (at most 0.27); the plain RNN solves
    it on 4 of 6 seeds; means ± std as stated."""
    assert max(accs("lstm", 20)) < 0.3  # 0.267
    assert solved("rnn", 20) == 4
    r = memory()
    stated = {  # variant: (mean, std) at T = 20, as the page gives them
        "rnn": (0.89, 0.19),
        "lstm": (0.26, 0.01),
        "lstm-bf1": (0.45, 0.10),
        "lstm-bf2": (0.92, 0.13),
        "gru": (0.39, 0.22),
        "gru-bz2": (1.00, 0.00),
    }
    for variant, (mean, std) in stated.items():
        got_mean = at(r, variant, 20, "acc", "mean")
        got_std = at(r, variant, 20, "acc", "std")
        assert abs(got_mean - mean) < 0.015, (variant, got_mean)
        assert abs(got_std - std) < 0.015, (variant, got_std)


# ------------------------------------------------------------------------------ figure rnn-cells


@pytest.mark.parametrize("seed", range(5))
def test_cell_diagrams_compute_what_the_cells_compute(seed: int) -> None:
    """Page: the diagrams show what the code computes. Their graphs, run with a cell's weights,
    give dlnotes.rnn's (and so torch's) h_t and c_t, on random weights and states."""
    torch.manual_seed(seed)
    x, h, c = torch.randn(3, 5), torch.randn(3, 4), torch.randn(3, 4)
    lstm = rnn.LSTMCell(5, 4)
    torch.testing.assert_close(lg.evaluate_cell("lstm", lstm, x, h, c), lstm(x, (h, c)))
    gru = rnn.GRUCell(5, 4)
    torch.testing.assert_close(lg.evaluate_cell("gru", gru, x, h), gru(x, h))


def test_cell_diagrams_draw_every_node_and_edge_of_the_graph() -> None:
    result = experiment_results.result("rnn-cells")
    assert result == lg.cell_diagrams() and set(result) == {"lstm", "gru"}
    for graph in result.values():
        for node in graph.values():
            assert all(source in graph for source in node["inputs"])
    fig = lg.plot_cell_diagrams(result, lang="en")
    texts = [t.get_text() for t in fig.findobj(Text)]
    for graph in result.values():  # every labelled node shows its text
        for node in graph.values():
            assert not node["text"] or node["text"] in texts, node
    arrows = [t for t in fig.findobj(Text) if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == sum(len(n["inputs"]) for g in result.values() for n in g.values())


# ------------------------------------------------------------------------------- the figures


@pytest.mark.parametrize("name", ["rnn-cells", "rnn-gradient-reach", "rnn-memory"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_draw_in_both_languages(name: str, lang: str) -> None:
    _, plot = lg.FIGURES[name]
    fig = plot(experiment_results.result(name), lang=lang)
    assert isinstance(fig, Figure)
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "LSTM" in texts and ("遗忘门" in texts) == (lang == "zh")
