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
# # ResNet and degradation: the experiments
#
# The experiments of the [ResNet page](../../resnet/), run end to end. Each function returns
# plain numbers (a dict) and each `plot_*` function draws the figure that the page shows.
# Everything is seeded and runs on one CPU thread, on scikit-learn's bundled 8×8 digits.
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
from dlnotes.experiments import resnet as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Degradation
#
# Plain and residual twins (BN MLPs built like the basic block) at depth 4, 10 and 18, trained
# for the same 80 steps; for each, the best learning rate of three, three seeds.

# %%
degradation = cached(experiments.degradation)
for variant in experiments.VARIANTS:
    best = degradation["variants"][variant]["best"]
    print(f"{variant:>8} best lr:", best["lr"])
    print(f"{variant:>8} training loss:", [round(m, 3) for m in best["loss"]["mean"]])
    print(f"{variant:>8} diverged runs:", degradation["variants"][variant]["diverged"])
experiments.plot_degradation(degradation, lang="en")

# %% [markdown]
# ## 2. Gradient norms at initialization
#
# Weight-gradient norm of every layer of `plain_net` and `residual_net`, with and without BN,
# one batch of 64 digits, five seeds. The ratio compares the first conv with the last one.

# %%
gradients = cached(experiments.gradients_at_init)
print("depths:", gradients["depths"])
for variant in experiments.GRAD_VARIANTS:
    print(f"{variant:>14} first/last:", [f"{m:.3g}" for m in gradients["ratio"][variant]["mean"]])
experiments.plot_gradients(gradients, lang="en")

# %% [markdown]
# ## 3. Zero-γ: identity at initialization, and the first training steps

# %%
zero = cached(experiments.zero_gamma)
for case, gap in zero["gaps"].items():
    print(f"{case:>24}: max |y - x| = {gap:.3g}")
for i, lr in enumerate(zero["lrs"]):
    for variant in ("default", "zero"):
        print(f"lr {lr} {variant:>7}:", [round(m, 2) for m in zero["variants"][variant][i]["mean"]])
experiments.plot_zero_gamma(zero, lang="en")
