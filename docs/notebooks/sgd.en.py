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
# The six experiments of the [SGD page](../../sgd/), run end to end. Each function returns
# plain numbers (a dict) and each `plot_*` function draws the figure the page shows. Every
# optimizer, schedule and early stopper comes from `dlnotes.optim`, which matches `torch.optim`
# bit for bit. Everything is seeded and runs on one CPU thread.
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/sgd.en.ipynb

# %% tags=["skip-execution"]
# Installs dlnotes and its experiments extra into this kernel's environment (the site's build,
# which has them, skips this cell).
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import sgd as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Optimizer paths on Rosenbrock and an ill-conditioned quadratic
#
# Each optimizer's learning rate is the one from the grid with the lowest loss after 300 steps;
# the grid is wide enough that every best rate lies strictly inside it. The quadratic comes twice:
# rotated by 45° (`quadratic`) and aligned with the axes (`aligned`), where a per-coordinate
# scale removes the conditioning and flatters the adaptive methods.

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
# Softmax regression, batch 16, learning rate 0.3, ten seeds per order; each seed draws its own
# initial weights, so even the class-sorted order is ten different runs. Epochs count from 1.

# %%
order = cached(experiments.data_order)
for name, stats in order["orders"].items():
    means = {epoch: round(m, 3) for epoch, m in enumerate(stats["test_acc"]["mean"], start=1)}
    print(f"{name:>11} test accuracy by epoch:", means)
experiments.plot_data_order(order, lang="en")

# %% [markdown]
# ## 4. Early stopping with 30% noisy labels
#
# Patience 1 and patience 3 watch the validation loss; at a stop the best weights are restored.
# Epochs count from 1, as on the figure: (stop epoch, best epoch, restored test accuracy).

# %%
stopping = cached(experiments.early_stopping)
for run in stopping["runs"]:
    stops = {
        p: (s["stop_epoch"] + 1, s["best_epoch"] + 1, round(s["restored_test_acc"], 3))
        for p, s in run["stops"].items()
    }
    print(f"seed {run['seed']}: final test acc {run['test_acc'][-1]:.3f};", stops)
experiments.plot_early_stopping(stopping, lang="en")

# %% [markdown]
# ## 5. Constant vs decayed learning rate: the noise floor
#
# Twenty seeds, each run reshuffled and with replacement. Each constant rate's floor is divided
# by the small-rate theory η tr(C)/4: about 1 with replacement, and below 1 at the small rate
# when the data are reshuffled.

# %%
floor = cached(experiments.noise_floor)
for order, floors in floor["floors"].items():
    for run, values in floors.items():
        ratios = [f / t for f, t in zip(values, floor["theory"][run], strict=True)]
        mean = sum(ratios) / len(ratios)
        print(f"{order:>11} {run}: floor / theory {mean:.2f} (min {min(ratios):.2f})")
cosine = floor["final"]["reshuffle"]["cosine"]
print(f"cosine, reshuffled: final excess loss {sum(cosine) / len(cosine):.1e}")
experiments.plot_noise_floor(floor, lang="en")


# %% [markdown]
# ## 6. Final loss against the learning rate
#
# Rosenbrock from 8 random starts with gradient noise σ = 1: the median of f after 300 steps for
# every rate of the grid (`None`: some start diverged).

# %%
sweep = cached(experiments.lr_sweep)
medians = experiments.sweep_medians(sweep)
for name in experiments.OPTIMIZERS:
    values = [f"{m:.1e}" if m is not None else "None" for m in medians[name]]
    print(f"{name:>9}:", " ".join(values))
experiments.plot_lr_sweep(sweep, lang="en")
