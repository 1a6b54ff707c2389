# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # LSTM vs GRU: the experiments
#
# The experiments of the [LSTM vs GRU page](../../lstm-gru/), run end to end. Each function
# returns plain numbers (a dict) and each `plot_*` function draws the figure that the page
# shows. Everything is seeded and runs on one CPU thread.
#
# **Run it yourself** (Python ≥ 3.11): [Open in Colab][colab], or download this notebook with
# the button at the top of its page (an `.ipynb` with its outputs) and open it in Jupyter. Its
# first code cell installs the package from the repository with its `experiments` extra, which
# adds scikit-learn (the bundled digits) and matplotlib (the figures):
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"
#
# Colab has PyTorch already. In your own Jupyter, that line also installs PyTorch from PyPI when
# it is missing; on Linux that is the CUDA build, a download of several GB. Without a GPU,
# install the CPU build first: `pip install torch --index-url https://download.pytorch.org/whl/cpu`.
#
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/lstm-gru.en.ipynb

# %% tags=["skip-execution"]
# Installs dlnotes and its experiments extra into this kernel's environment (the site's build,
# which has them, skips this cell).
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes import rnn
from dlnotes.experiments import cached
from dlnotes.experiments import lstm_gru as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Gradient reach at initialization
#
# ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖ for one random sequence, no training, 5 seeds. Dashed: PyTorch's
# default init; solid: orthogonal W_hh (RNN), forget-gate bias (LSTM), update-gate bias (GRU).
# The decay per step between T = 50 and T = 100 shows that every default layer vanishes
# exponentially, the gated ones more slowly per step than the plain RNN.

# %%
reach = cached(experiments.gradient_reach)
print("T:", reach["lengths"])
for variant, metrics in reach["variants"].items():
    print(f"{variant:>9}", [f"{m:.1e}" for m in metrics["reach"]["mean"]])
print("spectral radius of the default W_hh:", [round(r, 2) for r in reach["spectral_radius"]])
t1, t2 = reach["per_step_between"]
print(f"decay per step between T = {t1} and T = {t2}, per seed:")
for variant, rates in reach["per_step"].items():
    print(f"{variant:>9}", [round(q, 3) for q in rates])
experiments.plot_gradient_reach(reach, lang="en")

# %% [markdown]
# ## 2. Memory task: recall the first of T tokens
#
# Same hidden size for every architecture (H = 32), so not the same parameter count; each has
# its own learning rate. Besides the defaults: the LSTM with forget-gate bias 1 and 2, the GRU
# with update-gate bias 2. 6 seeds; mean ± std over the seeds. Chance is 0.25; a seed solves the
# task at accuracy ≥ 0.9.

# %%
memory = cached(experiments.memory_task)
print("T:", memory["lengths"], " chance:", memory["chance"])
n_seeds = len(memory["seeds"])
for variant, stats in memory["variants"].items():
    acc = stats["acc"]
    cells = [f"{m:.2f} ± {s:.2f}" for m, s in zip(acc["mean"], acc["std"], strict=True)]
    solved = [f"{round(f * n_seeds)}/{n_seeds}" for f in stats["solved"]]
    print(f"{variant:>9} lr={stats['lr']:<6} params={stats['params']:<5}", cells, "solved:", solved)
experiments.plot_memory_task(memory, lang="en")

# %% [markdown]
# ## 3. Parameter counts at the benchmark size
#
# One layer, input and hidden size 256: in PyTorch the GRU has exactly 3/4 of the LSTM's
# parameters (Keras's LSTM has one bias per gate, so there the ratio differs).

# %%
for mode in ("RNN", "GRU", "LSTM"):
    print(f"{mode:>4}", rnn.rnn_param_count(mode, 256, 256))
