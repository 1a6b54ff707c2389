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
# # 批量归一化：实验
#
# 占位笔记本。

# %%
import torch

torch.__version__.split("+")[0]
