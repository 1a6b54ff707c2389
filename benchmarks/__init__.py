"""Speed of the from-scratch ``dlnotes`` operations against their torch counterparts.

Run ``make bench`` (``python -m benchmarks``). Every case times ours and torch's version of one
operation in the same process, alternating between them, with
``torch.utils.benchmark.Timer.blocked_autorange``; the ratio ours/torch of the two medians is
what we track, since absolute times depend on the machine and its load. The results go to
``benchmarks/results.json``, which the Performance page of the site is rendered from.

Adding a module's benchmarks: create ``benchmarks/cases/<module>.py`` with a list ``CASES`` of
:class:`benchmarks.harness.Case`; it is discovered automatically. This folder is not collected
by pytest (no ``test_*.py`` files, and pytest's testpaths are tests/, docs/ and src/).
"""
