"""One load of each page per width, shared by the page, reader and accessibility checks.

Loading a question page costs Chromium about 1.7 s of CPU (parsing, KaTeX, the search worker
building its index), and a 2-core machine runs the browser tests CPU-bound. test_pages.py,
test_reader.py and test_a11y.py check different things on the same pages, and each used to load
every page itself: four loads per page. Here each (page, width) is loaded once per worker and
every measurement is made in that load, in an order where none disturbs the next; the tests
read the results. ``make test`` asks for every check of a page on one worker (one
``xdist_group`` per page, set in the root conftest.py); where pytest-xdist ignores the groups
(3.8.0 under pytest 9.2: pytest-dev/pytest-xdist#1386), each worker that checks a page loads it.

- 1280 px, a cold load (every byte counted): the page checks (formulas, images, bytes
  transferred, a full-page screenshot), then the reader's measurements (follow-ups opened),
  then axe-core (light scheme: every rule, the colour rules on samples only; dark scheme: the
  colour rules, on samples), the figures as the dark scheme shows them (test_phone.py), then
  every console session's copy button is clicked, then the
  requests and console of the whole visit, and last the language switch, which leaves the
  page.
- 390 px: the reader's measurements (follow-ups opened, a full-page screenshot), the page
  checks' sideways-scrolling test (topic pages), axe-core's other rules in the page's phone
  scheme, the copy buttons, then the requests and console.

A measurement that raises is not kept: the next test of the page loads it again and fails the
same way, with its own message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dlbrowser import DESKTOP, PHONE, Visit
from dlpages import SitePage

WIDTHS = {"390": PHONE, "1280": DESKTOP}

_seen: dict[tuple[str, str], dict[str, Any]] = {}
_axe: list[object] = []


def axe() -> object:
    """axe-core, as bundled by axe-playwright-python (read once per worker)."""
    if not _axe:
        from axe_playwright_python.sync_playwright import Axe

        _axe.append(Axe())
    return _axe[0]


def look(
    visit: Visit,
    page: SitePage,
    width: str,
    *,
    site_dir: Path,
    screenshots: Path,
) -> dict[str, Any]:
    """Everything measured on ``page`` at ``width`` (``"390"`` or ``"1280"``), loaded once."""
    key = (page.id, width)
    if key in _seen:
        return _seen[key]
    # The checks live with their tests; imported here, when pytest has imported them.
    import test_a11y
    import test_pages
    import test_phone
    import test_reader

    visit.reset()
    visit.page.set_viewport_size(WIDTHS[width])
    visit.open(page.path)
    seen: dict[str, Any] = {}
    if width == "1280":
        seen["page"] = test_pages.measure_desktop(visit, page, site_dir, screenshots)
    seen["reader"] = test_reader.measure(visit, page, width, screenshots)
    if width == "390":
        seen["page"] = test_pages.measure_phone(visit, page)
    seen["axe"] = test_a11y.measure(visit, page, width, axe())
    if width == "1280":  # the figures in the dark scheme axe's last run left (test_phone.py)
        seen["page"]["schemes"].update(test_phone.measure_dark(visit, page))
    seen["sessions"] = test_reader.measure_sessions(visit)
    seen["reader"].update(test_reader.traffic(visit))
    seen["page"]["traffic"] = visit.problems()
    if width == "1280":
        seen["page"]["switch"] = test_pages.measure_switch(visit, page)
    _seen[key] = seen
    return seen
