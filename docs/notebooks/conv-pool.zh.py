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
# 手写数字，放在 16×16 画布的正中间。
#
# 自己运行（Python ≥ 3.11）：从代码仓库安装本包及其 `experiments` 附加依赖（scikit-learn 和
# matplotlib），以及 jupytext：
#
#     pip install "dlnotes-interview[experiments] @ git+https://github.com/dlnotes/dlnotes" jupytext
#
# 然后在 Jupyter 中打开本文件（jupytext 会把它当作笔记本读取），或者直接用 `python` 运行。

# %%
# %matplotlib inline
import torch

from dlnotes.experiments import cached
from dlnotes.experiments import conv_pool as experiments

print("torch", torch.__version__)

# %% [markdown]
# ## 1. 小平移下的池化特征
#
# 测试数字的 Sobel 边缘特征图，向右平移 0–3 个像素，再做 2×2、步长 2 的池化。
# 平移步长的整数倍时，池化输出严格整体平移；平移奇数个像素时输出会变。

# %%
shift_result = cached(experiments.pool_shift)
print("shifts:", shift_result["shifts"])
for kind in experiments.POOLS:
    print(f"{kind:>5} relative change:", [round(v, 3) for v in shift_result[kind]["rel_change"]])
print("  max unchanged (aligned):", [round(v, 3) for v in shift_result["max"]["aligned"]])
experiments.plot_pool_shift(shift_result, lang="zh")

# %% [markdown]
# ## 2. 训练好的 CNN：平移、旋转、缩放
#
# 三个小型 CNN（最大池化、平均池化、模糊池化），各 3 个种子，只用居中的数字训练。
# 一致性：平移后预测保持不变的比例。

# %%
cnn_result = cached(experiments.cnn_invariance)
for kind, metrics in cnn_result["variants"].items():
    for name in ("consistency", "rotation", "scaling"):
        print(f"{kind:>5} {name:<12}", [round(m, 3) for m in metrics[name]["mean"]])
experiments.plot_cnn_invariance(cnn_result, lang="zh")

# %% [markdown]
# ## 3. 手工设计的边缘卷积核与第一层学到的卷积核

# %%
experiments.plot_feature_maps(cached(experiments.feature_maps), lang="zh")

# %% [markdown]
# ## 4. 感受野：公式与梯度范围

# %%
rf_result = cached(experiments.receptive_field_check)
print("formula: ", rf_result["formula"])
print("measured:", rf_result["measured"])
experiments.plot_receptive_field(rf_result, lang="zh")
