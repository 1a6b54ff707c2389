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
# # LSTM 与 GRU：实验
#
# [LSTM 与 GRU 一页](../../lstm-gru/)中的实验，从头到尾完整运行。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上的那张图。全部固定随机种子、只用一个 CPU 线程。
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/lstm-gru.zh.ipynb

# %% tags=["skip-execution"]
# 把 dlnotes 及其 experiments 附加依赖装进当前内核的环境（网站构建时已经装好，会跳过这个单元）。
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes import rnn
from dlnotes.experiments import cached
from dlnotes.experiments import lstm_gru as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 初始化时梯度能传多远
#
# 一条随机序列上的 ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖，不训练，5 个随机种子。虚线是 PyTorch 默认初始化；
# 实线分别是正交初始化的 W_hh（RNN）、遗忘门偏置（LSTM）、更新门偏置（GRU）。
# T = 50 到 T = 100 之间每步的衰减倍数表明：默认初始化下每种网络都是指数消失，门控网络每步消失得比普通 RNN 慢。

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
experiments.plot_gradient_reach(reach, lang="zh")

# %% [markdown]
# ## 2. 记忆任务：回忆 T 个符号中的第一个
#
# 各结构隐藏维度相同（H = 32），因此参数量不同；学习率各自挑选。除默认初始化外，还有遗忘门偏置为 1 和 2 的 LSTM、
# 更新门偏置为 2 的 GRU。6 个种子，给出种子间的均值 ± 标准差。随机猜的准确率是 0.25，准确率 ≥ 0.9 算解出任务。

# %%
memory = cached(experiments.memory_task)
print("T:", memory["lengths"], " chance:", memory["chance"])
n_seeds = len(memory["seeds"])
for variant, stats in memory["variants"].items():
    acc = stats["acc"]
    cells = [f"{m:.2f} ± {s:.2f}" for m, s in zip(acc["mean"], acc["std"], strict=True)]
    solved = [f"{round(f * n_seeds)}/{n_seeds}" for f in stats["solved"]]
    print(f"{variant:>9} lr={stats['lr']:<6} params={stats['params']:<5}", cells, "solved:", solved)
experiments.plot_memory_task(memory, lang="zh")

# %% [markdown]
# ## 3. 基准测试尺寸下的参数量
#
# 单层，输入和隐藏维度都是 256：在 PyTorch 中 GRU 的参数量恰好是 LSTM 的 3/4
# （Keras 的 LSTM 每个门只有一组偏置，比例就不同了）。

# %%
for mode in ("RNN", "GRU", "LSTM"):
    print(f"{mode:>4}", rnn.rnn_param_count(mode, 256, 256))
