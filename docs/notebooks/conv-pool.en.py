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
# # Convolution and pooling: the experiments
#
# The experiments of the [convolution and pooling page](../../conv-pool/), run end to end.
# Each function returns plain numbers (a dict) and each `plot_*` function draws the figure that
# the page shows. Everything is seeded and runs on one CPU thread, on scikit-learn's bundled
# digits placed in the middle of a 16×16 canvas (and, in one variant, enlarged to 16 px
# on a 24×24 canvas). Means are over 5 seeds.
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/conv-pool.en.ipynb

# %% tags=["skip-execution"]
# Installs dlnotes and its experiments extra into this kernel's environment (the site's build,
# which has them, skips this cell).
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import conv_pool as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. Pooled features under small shifts
#
# Sobel edge maps and learned first-layer responses (5 seeds) of the test digits, shifted right
# by 0–4 px, pooled 2×2 with stride 2. A shift of d px, d a multiple of the stride 2, moves the
# pooled map by exactly d/2 cells; odd shifts change it.

# %%
shift_result = cached(experiments.pool_shift)
print("shifts:", shift_result["shifts"])
for kind in experiments.POOLS:
    sobel = [round(v, 3) for v in shift_result["sobel"][kind]["rel_change"]]
    learned = [round(v, 3) for v in shift_result["learned"][kind]["rel_change"]["mean"]]
    print(f"{kind:>5} relative change, Sobel:", sobel, " learned (mean):", learned)
aligned = shift_result["sobel"]["max"]["aligned"]
print("  max unchanged (aligned):", [round(v, 3) for v in aligned])
experiments.plot_pool_shift(shift_result, lang="en")

# %% [markdown]
# ## 2. Trained CNNs under shifts, rotations and scaling
#
# Five small CNNs (max, average, blur pooling; stride-2 convs; stride-1 convs + global average
# pooling), 5 seeds each, trained on centred digits only. "agreement": the fraction of
# predictions unchanged by a d-px shift; "zhang": Zhang's two-shift consistency. The max-pool
# net is also trained on digits enlarged to 16 px ("large").

# %%
cnn_result = cached(experiments.cnn_invariance)
for kind, metrics in cnn_result["variants"].items():
    for name in ("agreement", "zhang", "accuracy", "rotation", "scaling"):
        mean, sd = metrics[name]["mean"], metrics[name]["std"]
        print(
            f"{kind:>7} {name:<10}", [f"{m:.2f} ± {s:.2f}" for m, s in zip(mean, sd, strict=True)]
        )
for kind, metrics in cnn_result["large"].items():
    print(f"{kind:>7} large     ", [round(m, 3) for m in metrics["agreement"]["mean"]])
experiments.plot_cnn_invariance(cnn_result, lang="en")

# %% [markdown]
# ## 3. Hand-made edge kernels and learned first-layer filters
#
# Above each learned filter: its largest |cosine similarity| with the two Sobel kernels.

# %%
counts = [sum(c >= 0.7 for c in row) for row in cnn_result["sobel_cos"]]
print("filters with |cos| ≥ 0.7, per seed:", counts, " random filters:", cnn_result["chance_cos"])
experiments.plot_feature_maps(cached(experiments.feature_maps), lang="en")

# %% [markdown]
# ## 4. Receptive field: formula against gradient support
#
# With average pooling the gradient support equals the formula on every seed; behind a max pool
# it is at most the formula.

# %%
rf_result = cached(experiments.receptive_field_check)
print("formula:     ", rf_result["formula"])
print("average pool:", rf_result["measured_avg"][0], "(the same on every seed)")
for seed, widths in zip(rf_result["seeds"], rf_result["measured_max"], strict=True):
    print(f"max pool, seed {seed}:", widths)
experiments.plot_receptive_field(rf_result, lang="en")
