"""The Drill page in Chromium (issue 28), at 390 px and 1280 px, in both languages.

One card at a time: the question, then on "Show answer" the answer with its formulas rendered
and its link back to the question page; grading with Again / Hard / Good / Easy (ts-fsrs)
moves on to the next card and updates the progress table; progress survives a reload, each
language keeps its own; reset, export and import (a round trip through the JSON file); the
filters (questions, "only due", "all, shuffled" through a whole round, the timer per card on a
fake clock); the keyboard path (Space, 1-4, ?, Esc, focus on the new card, the status region);
axe-core clean in the light and the dark scheme, answer shown and keys dialog open; without
JavaScript the plain sheet; the language menu keeps the current card; the page drills from
``file://`` too. The scheduling glue is checked through ``window.dlDrill`` in the page: a card
graded "Again" comes back before one graded "Easy".

The cards expected are read from the built page (tests/test_drill_cards.py checks that page
against the question pages' sources). Screenshots of a card at 390 px before and after
"Show answer": test-artifacts/screenshots/drill/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import dlcheck
import pytest
import test_a11y
from dlbrowser import DESKTOP, PHONE, Visit
from dlcheck import WIDTHS
from dlpages import LANGUAGES, SitePage
from dlserver import SiteServer

pytestmark = pytest.mark.browser

CASES = [(width, lang) for width in WIDTHS for lang in LANGUAGES]
CASE_IDS = [f"{width}-{lang}:drill" for width, lang in CASES]
CARD_DIV = re.compile(r'<div class="dl-card" data-card="([^"]+)" data-question="([^"]+)"')
TEXT = {
    "en": {
        "position": "Card {i} of {n}",
        "left": "Cards left: {n}",
        "good": "Good",
        "again": "Again",
        "time_up": "Time's up",
        "round_done": "Round complete",
        "nothing_due": "No card is due now",
        "reset": "Progress reset",
        "imported": "Imported the progress of 2 cards.",
        "import_error": "not a drill progress export",
    },
    "zh": {
        "position": "第 {i} 张，共 {n} 张",
        "left": "还剩 {n} 张",
        "good": "良好",
        "again": "重来",
        "time_up": "时间到",
        "round_done": "本轮结束",
        "nothing_due": "现在没有到期的卡片",
        "reset": "进度已重置",
        "imported": "已导入 2 张卡片的进度。",
        "import_error": "不是抽问练习的进度导出文件",
    },
}
CARD = ".dl-drill__card"
STATUS = ".dl-drill__status"
ANSWER = ".dl-drill__answer"

COUNTS_JS = """() => Object.fromEntries([...document.querySelectorAll(
    '.dl-drill__table tr[data-question]')].map(tr => [tr.dataset.question, Object.fromEntries(
    [...tr.querySelectorAll('td[data-count]')].map(td => [td.dataset.count, +td.textContent])
)]))"""
# Every control of the drill a finger taps: buttons, selects, the labels of the checkboxes
# (the answer's own content, such as Material's copy button, is the question page's).
SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    '.dl-drill button, .dl-drill select, .dl-drill label.dl-drill__choice')]
  .filter(el => el.getClientRects().length && !el.closest('.dl-drill__answer-body'))
  .map(el => [el.className, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
ACTIVE_JS = "() => document.activeElement && document.activeElement.className"
UNRENDERED_JS = """(root) => [...document.querySelectorAll(root + ' .arithmatex')]
    .filter(e => !e.querySelector('.katex')).length"""


def deck(site_dir: Path, lang: str) -> list[tuple[str, str]]:
    """(card id, question page) of every card on the built Drill page, in sheet order."""
    html = SitePage("drill", lang).html_file(site_dir).read_text(encoding="utf-8")
    return CARD_DIV.findall(html)


@pytest.fixture(scope="module")
def drill_context(browser: object) -> Iterator[object]:
    """A context of this module's own (downloads accepted; storage not shared with the other
    browser tests)."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block", accept_downloads=True)
    yield context
    context.close()


@pytest.fixture(scope="module")
def _drill_tab(drill_context: object, root_server: SiteServer) -> Iterator[Visit]:
    tab = Visit(drill_context, root_server, cold=False)
    yield tab
    tab.page.close()


@pytest.fixture
def tab(_drill_tab: Visit) -> Visit:
    """A tab on the served site; every load starts with empty storage (``Visit``)."""
    return _drill_tab.reset()


def open_drill(tab: Visit, lang: str, width: str, fragment: str = "") -> object:
    tab.page.set_viewport_size(WIDTHS[width])
    tab.open(SitePage("drill", lang).path + fragment)
    tab.page.wait_for_selector(f"{CARD}[data-card]")
    return tab.page


def current(page: object) -> str:
    return page.locator(CARD).get_attribute("data-card")


def grade(page: object, rating: int) -> None:
    """Show the answer and grade it with the buttons (a reader's taps)."""
    page.click(".dl-drill__reveal")
    page.click(f'.dl-drill__grade[data-rating="{rating}"]')


def counts(page: object) -> dict[str, dict[str, int]]:
    return page.evaluate(COUNTS_JS)


def choose_questions(page: object, keep: set[str]) -> None:
    for box in page.locator(".dl-drill__questions input").all():
        if box.is_checked() != (box.get_attribute("value") in keep):
            box.locator("xpath=..").click()  # the label: the larger target


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_reveal_grade_and_next(
    tab: Visit, site_dir: Path, screenshots: Path, width: str, lang: str
) -> None:
    cards = deck(site_dir, lang)
    page = open_drill(tab, lang, width)
    text = TEXT[lang]
    assert page.locator("#dl-drill-sheet").is_hidden(), "the sheet is replaced by the drill"
    assert current(page) == cards[0][0], "all cards new: the first card of the sheet first"
    assert page.locator(STATUS).inner_text() == text["left"].format(n=len(cards))
    assert page.locator(ANSWER).is_hidden() and page.locator(".dl-drill__grades").is_hidden()
    if width == "390":
        # (the sticky header would cover the top of a card taller than the screen)
        page.add_style_tag(content=".md-header { position: static; }")
        page.locator(CARD).screenshot(
            path=screenshots / "drill" / f"{lang}-390-question.jpg", type="jpeg", quality=80
        )

    page.click(".dl-drill__reveal")
    answer = page.locator(ANSWER)
    assert answer.is_visible() and page.locator(".dl-drill__reveal").is_hidden()
    name = cards[0][1]
    back = answer.locator(f'a[href*="{name}/#"]')
    assert back.count() >= 1 and back.last.is_visible(), "a link to its section"
    assert answer.locator(".arithmatex").count() > 0, "the first card's answer has formulas"
    assert page.evaluate(UNRENDERED_JS, ANSWER) == 0, "every formula of the answer rendered"
    buttons = page.locator(".dl-drill__grade")
    assert buttons.count() == 4
    for i in range(4):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"touch target {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width]["width"]
    if width == "390":
        page.locator(CARD).screenshot(
            path=screenshots / "drill" / f"{lang}-390-answer.jpg", type="jpeg", quality=80
        )
        layout = page.evaluate("() => document.scrollingElement.scrollWidth")
        assert layout <= PHONE["width"], "the page does not scroll sideways"
        small = page.evaluate(SMALL_TARGETS_JS)
        assert not small, f"touch targets under 44 px: {small}"

    page.click('.dl-drill__grade[data-rating="3"]')
    assert current(page) == cards[1][0]
    assert page.locator(ANSWER).is_hidden() and page.locator(".dl-drill__reveal").is_visible()
    status = page.locator(STATUS).inner_text()
    # (Good on a new card: its second learning step, 10 min, so it is still to come today)
    assert text["good"] in status and status.endswith(text["left"].format(n=len(cards)))
    table = counts(page)
    total = sum(1 for _, q in cards if q == name)
    assert table[name]["reviewed"] == 1 and table[name]["fresh"] == total - 1
    assert table["all"]["reviewed"] == 1 and table["all"]["fresh"] == len(cards) - 1
    # the answer went back to its place in the sheet: no element shown twice
    assert page.locator(f'.dl-card[data-card="{cards[0][0]}"] details > p').count() > 0
    assert tab.problems() == []


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_progress_survives_a_reload_per_language(
    browser: object, root_server: SiteServer, site_dir: Path, width: str, lang: str
) -> None:
    cards = deck(site_dir, lang)
    other = next(x for x in LANGUAGES if x != lang)
    context = browser.new_context(viewport=WIDTHS[width], service_workers="block")
    try:
        page = context.new_page()
        url = root_server.url(SitePage("drill", lang).path)
        page.goto(url)
        page.wait_for_selector(f"{CARD}[data-card]")
        grade(page, 4)  # Easy: not due again for days
        page.wait_for_function(f"() => location.hash === '#card={cards[1][0]}'")
        page.goto(url)  # a new visit, without the card in the address
        page.wait_for_selector(f"{CARD}[data-card]")
        assert current(page) == cards[1][0], "the card graded Easy is not asked again today"
        table = counts(page)
        assert table[cards[0][1]]["reviewed"] == 1 and table["all"]["reviewed"] == 1
        page.reload()
        page.wait_for_selector(f"{CARD}[data-card]")
        assert counts(page)["all"]["reviewed"] == 1
        page.goto(root_server.url(SitePage("drill", other).path))
        page.wait_for_selector(f"{CARD}[data-card]")
        assert counts(page)["all"]["reviewed"] == 0, "each language keeps its own progress"
    finally:
        context.close()


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_reset_and_export_import_round_trip(
    tab: Visit, site_dir: Path, tmp_path: Path, width: str, lang: str
) -> None:
    cards = deck(site_dir, lang)
    page = open_drill(tab, lang, width)
    text = TEXT[lang]
    grade(page, 1)
    grade(page, 4)
    with page.expect_download() as download:
        page.click(".dl-drill__export")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.startswith(f"dlnotes-drill-{lang}-")
    data = json.loads(exported)
    assert data["kind"] == "dlnotes-drill-progress" and data["lang"] == lang
    assert set(data["cards"]) == {cards[0][0], cards[1][0]}
    stored = page.evaluate(f"() => localStorage.getItem('dlnotes-drill:progress:{lang}')")
    assert json.loads(stored)["cards"] == data["cards"]

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".dl-drill__reset")
    assert counts(page)["all"]["reviewed"] == 2, "a dismissed reset keeps the progress"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".dl-drill__reset")
    assert counts(page)["all"] == {"due": 0, "fresh": len(cards), "reviewed": 0}
    assert text["reset"] in page.locator(STATUS).inner_text()
    assert current(page) == cards[0][0]

    file = tmp_path / "progress.json"
    file.write_text(exported, encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.click(".dl-drill__import")
    chooser.value.set_files(file)
    page.wait_for_function(
        "() => +document.querySelector("
        "'.dl-drill__table tfoot td[data-count=reviewed]').textContent === 2"
    )
    assert page.locator(STATUS).inner_text().startswith(text["imported"])
    stored = page.evaluate(f"() => localStorage.getItem('dlnotes-drill:progress:{lang}')")
    assert json.loads(stored)["cards"] == data["cards"], "the round trip is exact"

    bad = tmp_path / "other.json"
    bad.write_text('{"cards": {"x": 1}}', encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.click(".dl-drill__import")
    chooser.value.set_files(bad)
    page.wait_for_function(
        "(t) => document.querySelector('.dl-drill__status').textContent.includes(t)",
        arg=text["import_error"],
    )
    assert counts(page)["all"]["reviewed"] == 2, "a bad file changes nothing"
    assert tab.problems() == []


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_filters(tab: Visit, site_dir: Path, width: str, lang: str) -> None:
    cards = deck(site_dir, lang)
    page = open_drill(tab, lang, width)
    text = TEXT[lang]
    question = cards[-1][1]  # the last question page
    ids = [card for card, q in cards if q == question]
    choose_questions(page, {question})
    assert current(page) == ids[0]
    assert page.locator(STATUS).inner_text() == text["left"].format(n=len(ids))

    page.select_option(".dl-drill__mode", "due")
    assert page.locator(".dl-drill__done").is_visible(), "nothing graded: nothing due"
    assert text["nothing_due"] in page.locator(".dl-drill__done").inner_text()
    page.select_option(".dl-drill__mode", "study")
    grade(page, 1)  # Again: due again in a minute
    page.select_option(".dl-drill__mode", "due")
    assert current(page) == ids[0], "the card graded Again is due"
    assert page.locator(STATUS).inner_text() == text["left"].format(n=1)

    page.select_option(".dl-drill__mode", "shuffle")
    asked = []
    for i in range(len(ids)):
        assert (
            page.locator(STATUS).inner_text().endswith(text["position"].format(i=i + 1, n=len(ids)))
        )
        asked.append(current(page))
        grade(page, 3)
    assert sorted(asked) == sorted(ids), "a round asks every card of the question once"
    done = page.locator(".dl-drill__done")
    assert done.is_visible() and text["round_done"] in done.inner_text()
    page.click(".dl-drill__again")
    assert current(page) in ids

    choose_questions(page, set())
    assert page.locator(".dl-drill__done").is_visible()
    choose_questions(page, {cards[0][1]})
    assert current(page).startswith(f"{cards[0][1]}/")
    assert tab.problems() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_timer_per_card(drill_context: object, root_server: SiteServer, lang: str) -> None:
    page = drill_context.new_page()
    try:
        page.clock.install()
        page.set_viewport_size(PHONE)
        page.goto(root_server.url(SitePage("drill", lang).path))
        page.wait_for_selector(f"{CARD}[data-card]")
        page.evaluate("() => localStorage.clear()")
        assert page.locator(".dl-drill__timer").is_hidden(), "no timer unless asked for"
        assert page.locator(".dl-drill__seconds").is_disabled()
        page.locator(".dl-drill__timer-on").locator("xpath=..").click()
        page.select_option(".dl-drill__seconds", "30")
        timer = page.locator(".dl-drill__timer")
        assert timer.inner_text() == "0:30" and timer.get_attribute("role") == "timer"
        page.clock.run_for(10_000)
        assert timer.inner_text() == "0:20" and page.locator(ANSWER).is_hidden()
        page.clock.run_for(21_000)
        assert timer.inner_text() == TEXT[lang]["time_up"]
        assert page.locator(ANSWER).is_visible(), "time's up: the answer is shown"
        assert page.locator(STATUS).inner_text().startswith(TEXT[lang]["time_up"])
        page.click('.dl-drill__grade[data-rating="3"]')
        assert timer.inner_text() == "0:30", "each card gets its own time"
    finally:
        page.close()


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_keyboard_path(tab: Visit, site_dir: Path, width: str, lang: str) -> None:
    cards = deck(site_dir, lang)
    page = open_drill(tab, lang, width)
    assert page.locator(STATUS).get_attribute("role") == "status", "announced (aria-live)"
    page.keyboard.press("Space")
    assert page.locator(ANSWER).is_visible()
    assert "dl-drill__answer-title" in page.evaluate(ACTIVE_JS), "focus on the answer"
    page.keyboard.press("3")
    assert current(page) == cards[1][0]
    assert "dl-drill__question" in page.evaluate(ACTIVE_JS), "focus on the new card"
    assert TEXT[lang]["good"] in page.locator(STATUS).inner_text()

    page.keyboard.press("?")
    dialog = page.locator("dialog.dl-drill__keys")
    assert dialog.is_visible() and dialog.locator("dt").count() == 4
    page.keyboard.press("Space")
    assert page.locator(ANSWER).is_hidden(), "keys do nothing behind the open list"
    page.keyboard.press("Escape")
    assert dialog.is_hidden()

    page.keyboard.press("Tab")  # from the question to its button
    assert "dl-drill__reveal" in page.evaluate(ACTIVE_JS)
    page.keyboard.press("Space")  # the focused button's own Space
    assert page.locator(ANSWER).is_visible()
    page.keyboard.press("1")
    assert current(page) == cards[2][0]
    assert TEXT[lang]["again"] in page.locator(STATUS).inner_text()
    assert counts(page)["all"]["reviewed"] == 2
    page.keyboard.press("4")
    assert current(page) == cards[2][0], "no grade before the answer is shown"
    assert tab.problems() == []


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_axe_in_light_and_dark(tab: Visit, width: str, lang: str) -> None:
    page = open_drill(tab, lang, width)
    page.add_style_tag(content=test_a11y.NO_TRANSITIONS)
    axe = dlcheck.axe()
    report = {}

    def run(label: str, scheme: str) -> None:
        test_a11y.set_scheme(tab, scheme)
        options = test_a11y.EVERYTHING if scheme == "light" else test_a11y.COLOURS
        report[f"{label} {scheme}"] = test_a11y.run_axe(page, axe, "page", options)["violations"]

    run("question", "light")
    page.click(".dl-drill__reveal")
    for scheme in ("light", "dark"):
        run("answer", scheme)
    page.keyboard.press("?")
    run("keys", "dark")
    test_a11y.set_scheme(tab, "light")
    failures = [
        f"[{label}] {test_a11y.describe(violation)}"
        for label, violations in report.items()
        for violation in violations
        if violation["impact"] in test_a11y.FAILING_IMPACTS
        or violation["id"] in test_a11y.ALSO_REQUIRED
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("width", "lang"), CASES, ids=CASE_IDS)
def test_without_javascript_the_plain_sheet(
    browser: object, root_server: SiteServer, site_dir: Path, width: str, lang: str
) -> None:
    cards = deck(site_dir, lang)
    context = browser.new_context(viewport=WIDTHS[width], java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(root_server.url(SitePage("drill", lang).path))
        assert page.locator("#dl-drill").is_hidden()
        assert page.locator(".dl-drill-nojs").is_visible()
        questions = page.locator("#dl-drill-sheet details.question")
        assert questions.count() == len(cards)
        assert all(questions.nth(i).is_visible() for i in range(0, len(cards), 7))
        questions.first.locator("summary").click()
        assert questions.first.locator("p").first.is_visible(), "the answer opens"
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_language_switch_keeps_the_card(tab: Visit, site_dir: Path, width: str) -> None:
    first, second = LANGUAGES[:2]
    cards = deck(site_dir, first)
    # (every id the same in both languages: tests/test_drill_cards.py; the cards used here)
    assert cards[:3] == deck(site_dir, second)[:3]
    page = open_drill(tab, first, width)
    grade(page, 3)
    wanted = cards[1][0]
    url = tab.switch_language(second)
    assert url.endswith(f"#card={wanted}")
    page.wait_for_selector(f"{CARD}[data-card]")
    assert current(page) == wanted
    assert page.evaluate("() => document.documentElement.lang").startswith(second)
    grade(page, 3)  # (each language has its own progress: here card 1 is new, so next)
    wanted = current(page)
    assert wanted == cards[0][0]
    tab.switch_language(first)
    page.wait_for_selector(f"{CARD}[data-card]")
    assert current(page) == wanted
    assert tab.problems() == []


def test_again_comes_back_before_easy(tab: Visit) -> None:
    """The scheduling glue (window.dlDrill, ts-fsrs underneath), at fixed times."""
    page = open_drill(tab, LANGUAGES[0], "1280")
    found = page.evaluate(
        """() => {
      const d = window.dlDrill, progress = {cards: {}};
      const t0 = new Date(2026, 2, 2, 9, 0, 0);
      d.schedule(progress, 'A', 1, t0);   // Again
      d.schedule(progress, 'B', 4, t0);   // Easy
      const deck = ['A', 'B', 'C'].map(id => ({id, page: 'q'}));
      const at = ms => new Date(t0.getTime() + ms);
      const queue = (mode, ms) => d.buildQueue(deck, progress, {questions: ['q'], mode}, at(ms));
      const back = d.parse(d.serialize(progress, 'en', t0));
      return {
        a: progress.cards.A.due - t0, b: progress.cards.B.due - t0,
        dueNow: queue('due', 0), dueIn2: queue('due', 120e3), studyIn2: queue('study', 120e3),
        studyNow: queue('study', 0), dueIn9Days: queue('due', 9 * 864e5),
        counts: d.counts(deck, progress, t0).q,
        roundTrip: ['A', 'B'].every(id => back.cards[id].due - progress.cards[id].due === 0
          && back.cards[id].stability === progress.cards[id].stability),
      };
    }"""
    )
    assert found["a"] == 60_000, "Again on a new card: back after the 1-minute learning step"
    assert found["b"] >= 86_400_000, "Easy on a new card: back after days"
    assert found["a"] < found["b"]
    assert found["dueNow"] == ["A"], "within the learn-ahead window, A only"
    assert found["dueIn2"] == ["A"] and found["studyIn2"] == ["A", "C"]
    assert found["studyNow"] == ["C", "A"], "a new card before one not yet due"
    assert found["dueIn9Days"][-1] == "B" and "B" in found["dueIn9Days"]
    assert found["counts"] == {"due": 1, "fresh": 1, "reviewed": 2}
    assert found["roundTrip"]


def test_drills_from_file(drill_context: object, site_dir: Path) -> None:
    """Opened from disk (an offline copy), the page drills: nothing it needs is fetched."""
    page = drill_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((site_dir / "drill" / "index.html").as_uri())
        page.wait_for_selector(f"{CARD}[data-card]")
        grade(page, 3)
        assert counts(page)["all"]["reviewed"] == 1
        assert errors == []
    finally:
        page.close()
