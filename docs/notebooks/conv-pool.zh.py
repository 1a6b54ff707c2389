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
# # 卷积与池化（Convolution and pooling）：实验
#
# [卷积与池化一页](../../conv-pool/)中的实验，从头到尾完整运行。每个实验函数返回普通的数字（一个 dict），
# 每个 `plot_*` 函数画出页面上的那张图。全部固定随机种子、只用一个 CPU 线程，数据是 scikit-learn 自带的
# 手写数字，放在 16×16 画布的正中间（有一组把数字放大到 16 像素，放在 24×24 画布上）。
# 均值取 5 个种子。
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
# [colab]: https://colab.research.google.com/github/dlnotes/dlnotes/blob/main/notebooks/conv-pool.zh.ipynb

# %% tags=["skip-execution"]
# 把 dlnotes 及其 experiments 附加依赖装进当前内核的环境（网站构建时已经装好，会跳过这个单元）。
# %pip install --quiet "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes"

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import conv_pool as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 小平移下的池化特征
#
# 测试数字的 Sobel 边缘特征图和第一层学到的卷积核的响应（5 个种子），向右平移 0–4 个像素，再做 2×2、步幅 2 的池化。
# 平移量 d 是步幅 2 的整数倍时，池化输出严格整体平移 d/2 格；平移奇数个像素时输出会变。

# %%
shift_result = cached(experiments.pool_shift)
print("shifts:", shift_result["shifts"])
for kind in experiments.POOLS:
    sobel = [round(v, 3) for v in shift_result["sobel"][kind]["rel_change"]]
    learned = [round(v, 3) for v in shift_result["learned"][kind]["rel_change"]["mean"]]
    print(f"{kind:>5} relative change, Sobel:", sobel, " learned (mean):", learned)
aligned = shift_result["sobel"]["max"]["aligned"]
print("  max unchanged (aligned):", [round(v, 3) for v in aligned])
experiments.plot_pool_shift(shift_result, lang="zh")

# %% [markdown]
# ## 2. 训练好的 CNN：平移、旋转、缩放
#
# 五个小型 CNN（最大池化、平均池化、模糊池化；步幅 2 的卷积；步幅 1 的卷积加全局平均池化），各 5 个种子，
# 只用居中的数字训练。“agreement”：平移 d 个像素后预测保持不变的比例；“zhang”：Zhang 定义的两次平移一致性。
# 最大池化网络还在放大到 16 像素的数字上训练了一遍（“large”）。

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
experiments.plot_cnn_invariance(cnn_result, lang="zh")

# %% [markdown]
# ## 3. 手工设计的边缘卷积核与第一层学到的卷积核
#
# 每个学到的卷积核上方：它与两个 Sobel 核的余弦相似度绝对值中较大的那个。

# %%
counts = [sum(c >= 0.7 for c in row) for row in cnn_result["sobel_cos"]]
print("filters with |cos| ≥ 0.7, per seed:", counts, " random filters:", cnn_result["chance_cos"])
experiments.plot_feature_maps(cached(experiments.feature_maps), lang="zh")

# %% [markdown]
# ## 4. 感受野：公式与梯度范围
#
# 用平均池化时，每个种子上梯度非零的范围都等于公式值；最大池化后面，它至多等于公式值。

# %%
rf_result = cached(experiments.receptive_field_check)
print("formula:     ", rf_result["formula"])
print("average pool:", rf_result["measured_avg"][0], "(the same on every seed)")
for seed, widths in zip(rf_result["seeds"], rf_result["measured_max"], strict=True):
    print(f"max pool, seed {seed}:", widths)
experiments.plot_receptive_field(rf_result, lang="zh")
