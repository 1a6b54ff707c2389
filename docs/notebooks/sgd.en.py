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
# # SGD and its improvements: the experiments
#
# The five experiments of the [SGD page](../../sgd/), run end to end. Each function returns
# plain numbers (a dict) and each `plot_*` function draws the figure the page shows. Every
# optimizer, schedule and early stopper comes from `dlnotes.optim`, which matches `torch.optim`
# bit for bit. Everything is seeded and runs on one CPU thread.
#
# To run it yourself (Python ≥ 3.11), install the package with its `experiments` extra
# (scikit-learn and matplotlib) and jupytext from the repository:
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes" jupytext
#
# then open this file in Jupyter (jupytext reads it as a notebook) or simply run it with
# `python`.

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import sgd as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Optimizer paths on Rosenbrock and an ill-conditioned quadratic
#
# Each optimizer's learning rate is the one from the grid with the lowest loss after 300 steps.

# %%
traj = cached(experiments.trajectories)
for key, data in traj["functions"].items():
    print(key)
    for name in experiments.OPTIMIZERS:
        print(f"  {name:>9}: lr {data['best_lr'][name]:<9g} final f {data['losses'][name][-1]:.2e}")
experiments.plot_trajectories(traj, lang="en")

# %% [markdown]
# ## 2. Saddle point
#
# Plain GD on f = x² − y² + y⁴/4 from (1, y₀): from y₀ = 0 it stops at the saddle.

# %%
saddle = cached(experiments.saddle)
for key, run in saddle["runs"].items():
    print(f"{key:>6}: final y {run['y'][-1]:+.4f}, f {run['f'][-1]:+.4f}")
print("steps to escape:", dict(zip(saddle["y0s"], saddle["escape_steps"], strict=True)))
experiments.plot_saddle(saddle, lang="en")

# %% [markdown]
# ## 3. Data order on the digits
#
# Softmax regression, batch 16, learning rate 0.3, ten seeds per order.

# %%
order = cached(experiments.data_order)
for name, stats in order["orders"].items():
    print(f"{name:>11} test accuracy per epoch:", [round(m, 3) for m in stats["test_acc"]["mean"]])
experiments.plot_data_order(order, lang="en")

# %% [markdown]
# ## 4. Early stopping with 30% noisy labels
#
# Patience 1 and patience 3 watch the validation loss; at a stop the best weights are restored.

# %%
stopping = cached(experiments.early_stopping)
for run in stopping["runs"]:
    stops = {
        p: (s["stop_epoch"], s["best_epoch"], round(s["restored_test_acc"], 3))
        for p, s in run["stops"].items()
    }
    print(f"seed {run['seed']}: final test acc {run['test_acc'][-1]:.3f};", stops)
experiments.plot_early_stopping(stopping, lang="en")

# %% [markdown]
# ## 5. Constant vs decayed learning rate: the noise floor

# %%
floor = cached(experiments.noise_floor)
print({key: f"{value:.2e}" for key, value in floor["floors"].items()})
experiments.plot_noise_floor(floor, lang="en")
