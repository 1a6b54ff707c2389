"""``python -m benchmarks``: see :mod:`benchmarks.harness`."""

from benchmarks.harness import main

raise SystemExit(main())
