"""One module per question, named after its slug with ``_`` (``batch_norm`` for ``batch-norm``).

A module here declares ``OPS``, a list of :class:`benchmarks.harness.Op`, timing the question's
``dlnotes`` module against torch. :func:`benchmarks.harness.discover` imports every module here
and expands each ``Op`` into one case per mode; each case serves the question the module is
named after (tests/test_registrations.py checks that it is one of docs/questions.yml).
"""
