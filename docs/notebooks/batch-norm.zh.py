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
# # 批量归一化（Batch Normalization）：实验
#
# [批量归一化页面](../../batch-norm/)中的三个实验，完整运行一遍。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上展示的图。所有实验都固定随机种子，在单个 CPU 线程上、用 scikit-learn
# 自带的 digits 手写数字数据运行，总共约一分钟。
#
# **自己运行**（Python ≥ 3.11）：[在 Colab 中打开][colab]，或者用页面顶部的下载按钮下载这个 notebook
# （`.ipynb`，含运行结果），在 Jupyter 中打开。第一个代码单元会从代码仓库安装本包及其 `experiments`
# 附加依赖，也就是 scikit-learn（自带 digits 手写数字数据）和 matplotlib（画图）：
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"
#
# Colab 已经自带 PyTorch。在自己的 Jupyter 里，如果还没有 PyTorch，这一行会从 PyPI 一并装上；
# Linux 上装的是 CUDA 版，要下载好几个 GB。没有 GPU 的话，先装 CPU 版：
# `pip install torch --index-url https://download.pytorch.org/whl/cpu`。
#
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/batch-norm.zh.ipynb

# %% tags=["skip-execution"]
# 把 dlnotes 及其 experiments 附加依赖装进当前内核的环境（网站构建时已经装好，会跳过这个单元）。
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import batch_norm as experiments
from dlnotes.experiments import cached

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 对学习率的容忍度
#
# 10 层 MLP，He 初始化，在每个学习率下用普通 SGD 训练 5 个 epoch，有 BN 与无 BN 各一组；五个随机种子。
# 打印的每个数都是各种子的均值，括号里是最低和最高的种子。
# 发散的运行（损失变成 NaN）会被标出。

# %%
lr_result = cached(experiments.lr_tolerance)
print("learning rates:", lr_result["learning_rates"])
for norm, metrics in lr_result["variants"].items():
    acc = metrics["test_acc"]
    # mean (lowest-highest seed); None where a seed diverged
    spread = [
        m and f"{m:.2f} ({lo:.2f}-{hi:.2f})"
        for m, lo, hi in zip(acc["mean"], acc["min"], acc["max"], strict=True)
    ]
    print(f"{norm:>5} test accuracy:", spread)
    print(f"{norm:>5} diverged seeds:", acc["diverged"])
experiments.plot_lr_tolerance(lr_result, lang="zh")

# %% [markdown]
# ## 2. 极小批量：BatchNorm 与 LayerNorm
#
# 3 层 MLP，在每个批量大小下用 SGD 训练 400 步，在 eval 模式下评估（BN 使用滑动统计量）。最后一行改用整个
# 测试集的统计量来评估 BN：如果这样也不行，问题出在训练阶段，而不在滑动平均。

# %%
batch_result = cached(experiments.small_batches)
print("batch sizes:", batch_result["batch_sizes"])
print("epochs seen:", [round(e, 1) for e in batch_result["epochs"]])
for norm, metrics in batch_result["variants"].items():
    for name in ("train_loss", "train_acc", "test_acc", "test_acc_test_stats"):
        s = metrics[name]
        spread = [
            f"{m:.2f} ({lo:.2f}-{hi:.2f})"
            for m, lo, hi in zip(s["mean"], s["min"], s["max"], strict=True)
        ]
        print(f"{norm:>5} {name:<19}", spread)
experiments.plot_small_batches(batch_result, lang="zh")

# %% [markdown]
# ## 3. 亮度、对比度和噪声
#
# 有 BN 与无 BN 的 MLP 在干净的 digits 上训练（五个随机种子），在扰动后的测试集副本上评估。扰动作用在
# [0, 1] 范围的原始像素上，在标准化之前。

# %%
contrast_result = cached(experiments.contrast_robustness)
labels = [experiments.perturbation_label(*p, lang="zh") for p in contrast_result["perturbations"]]
for norm, metrics in contrast_result["variants"].items():
    s = metrics["test_acc"]
    spread = [
        f"{m:.2f} ({lo:.2f}-{hi:.2f})"
        for m, lo, hi in zip(s["mean"], s["min"], s["max"], strict=True)
    ]
    print(f"{norm:>5}", dict(zip(labels, spread, strict=True)))
experiments.plot_contrast_robustness(contrast_result, lang="zh")
