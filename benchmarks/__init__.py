"""Speed of the from-scratch ``dlnotes`` operations against their torch counterparts.

Run ``make bench`` (``python -m benchmarks``). Every case times ours and torch's version of one
operation in the same process, alternating between them, with
``torch.utils.benchmark.Timer.blocked_autorange``; the ratio ours/torch of the two medians is
what we track, since absolute times depend on the machine and its load. The results are merged
into ``benchmarks/results.json`` by case name (``--only`` re-measures some cases and keeps the
other rows), and the Performance page of the site is rendered from that file.

Adding a module's benchmarks: create ``benchmarks/cases/<module>.py`` declaring ``PAGE`` (its
question page) and ``OPS``, a list of :class:`benchmarks.harness.Op`; it is discovered
automatically. This folder is not collected by pytest (no ``test_*.py`` files, and pytest's
testpaths are tests/, docs/ and src/).
"""
