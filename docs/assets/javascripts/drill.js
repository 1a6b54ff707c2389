// The Drill page (docs/drill.<lang>.md): the follow-up questions one card at a time, graded
// by the reader and scheduled with FSRS (the vendored ts-fsrs, docs/assets/ts-fsrs/).
//
// The page holds the whole follow-up sheet (hooks/followups.py), each follow-up in a
// <div class="dl-card" data-card="<page>/<heading id>/<n>" data-question="<page>">; without
// JavaScript that sheet is what the reader sees. This script hides it and shows one card:
// the question (its <summary>), then, on "Show answer", the answer (the body of its <details>,
// moved into the card and moved back afterwards, so no id is ever duplicated).
//
// Progress stays in localStorage, one key per language; it can be exported to a JSON file,
// imported back and reset. The current card's id is kept in the address (#card=<id>) and put
// on the language menu's links, so switching language keeps the card (ids are the same in
// both languages). window.dlDrill exposes the scheduling glue, which the tests call.
(function () {
  "use strict";

  var STRINGS = {
    en: {
      region: "Drill",
      questions: "Questions",
      mode: "Cards",
      modes: {
        study: "Due and new",
        due: "Only due",
        shuffle: "All, shuffled (mock interview)",
      },
      timer: "Timer per card",
      seconds: "{n} s",
      secondsLabel: "Seconds per card",
      reveal: "Show answer",
      space: "Space",
      answer: "Answer",
      grades: "How well did you answer?",
      ratings: ["Again", "Hard", "Good", "Easy"],
      keys: "Keyboard shortcuts",
      keyList: [
        ["Space", "Show the answer"],
        ["1 – 4", "Grade: Again, Hard, Good, Easy"],
        ["?", "Show or hide this list"],
        ["Esc", "Close this list"],
      ],
      close: "Close",
      position: "Card {i} of {n}",
      left: "Cards left: {n}",
      states: { fresh: "new card", due: "due", early: "not due yet" },
      graded: "Graded {grade}: back in {when}.",
      doneTitle: "Nothing left to practise",
      nextAt: "The next card is due at {time}.",
      noneMatch: "No card matches these filters: choose at least one question.",
      roundDone: "Round complete: every card of these questions was asked.",
      nothingDue: "No card is due now. Choose “Due and new” to learn new cards, or “All, " +
        "shuffled” for a mock interview.",
      allDone: "All cards of these questions are done for today.",
      again: "Start a new round",
      progress: "Your progress",
      columns: ["Question", "Due today", "New", "Reviewed"],
      total: "All questions",
      exportLabel: "Export progress",
      importLabel: "Import progress",
      resetLabel: "Reset progress",
      resetConfirm: "Delete your English drill progress on this device? This cannot be undone.",
      resetDone: "Progress reset: every card is new again.",
      imported: "Imported the progress of {n} cards.",
      importError: "This file is not a drill progress export; nothing was changed.",
      timeUp: "Time's up",
      units: { min: "{n} min", h: "{n} h", d: "{n} d", mo: "{n} mo" },
    },
    zh: {
      region: "抽问练习",
      questions: "题目",
      mode: "出题范围",
      modes: {
        study: "到期的和新卡片",
        due: "只练到期的",
        shuffle: "全部随机（模拟面试）",
      },
      timer: "每题限时",
      seconds: "{n} 秒",
      secondsLabel: "每题秒数",
      reveal: "显示答案",
      space: "空格",
      answer: "答案",
      grades: "这道题你答得怎么样？",
      ratings: ["重来", "困难", "良好", "简单"],
      keys: "键盘快捷键",
      keyList: [
        ["空格", "显示答案"],
        ["1 – 4", "打分：重来、困难、良好、简单"],
        ["?", "显示或隐藏这份列表"],
        ["Esc", "关闭这份列表"],
      ],
      close: "关闭",
      position: "第 {i} 张，共 {n} 张",
      left: "还剩 {n} 张",
      states: { fresh: "新卡片", due: "已到期", early: "未到期" },
      graded: "已打分：{grade}，{when}后再出现。",
      doneTitle: "暂时没有要练的卡片",
      nextAt: "下一张卡片在 {time} 到期。",
      noneMatch: "没有符合筛选条件的卡片：请至少选择一道题目。",
      roundDone: "本轮结束：所选题目的每张卡片都问过了。",
      nothingDue: "现在没有到期的卡片。选择“到期的和新卡片”学习新卡片，或选择“全部随机”来一场模拟面试。",
      allDone: "所选题目的卡片今天都练完了。",
      again: "再来一轮",
      progress: "练习进度",
      columns: ["题目", "今日到期", "新卡片", "已复习"],
      total: "全部题目",
      exportLabel: "导出进度",
      importLabel: "导入进度",
      resetLabel: "重置进度",
      resetConfirm: "删除本设备上中文页面的练习进度？此操作无法撤销。",
      resetDone: "进度已重置：所有卡片都变回新卡片。",
      imported: "已导入 {n} 张卡片的进度。",
      importError: "这个文件不是抽问练习的进度导出文件，进度没有改动。",
      timeUp: "时间到",
      units: { min: "{n} 分钟", h: "{n} 小时", d: "{n} 天", mo: "{n} 个月" },
    },
  };
  var MODES = ["study", "due", "shuffle"];
  var TIMER_CHOICES = [30, 60, 90, 120];
  // Learning cards due within this long count as due when nothing else is left (as Anki).
  var LEARN_AHEAD_MS = 20 * 60 * 1000;
  var EXPORT_KIND = "dlnotes-drill-progress";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return String(values[key]);
    });
  }

  // -- scheduling glue (no DOM) ------------------------------------------------------------

  var scheduler = null;
  function fsrs() {
    // ts-fsrs' defaults: 90 % retention, learning steps 1 min and 10 min, no fuzz.
    if (!scheduler) scheduler = FSRS.fsrs({});
    return scheduler;
  }

  function endOfDay(now) {
    var end = new Date(now.getTime());
    end.setHours(23, 59, 59, 999);
    return end;
  }

  // The card of ``id`` after the reader's ``rating`` (1 Again .. 4 Easy) at ``now``; stored
  // in ``progress.cards``.
  function schedule(progress, id, rating, now) {
    var card = progress.cards[id] || FSRS.createEmptyCard(now);
    var next = fsrs().next(card, now, rating).card;
    progress.cards[id] = next;
    return next;
  }

  // When each rating would bring the card back, as {1: Date, .. 4: Date}.
  function preview(progress, id, now) {
    var card = progress.cards[id] || FSRS.createEmptyCard(now);
    var outcomes = fsrs().repeat(card, now);
    var due = {};
    [1, 2, 3, 4].forEach(function (rating) {
      due[rating] = outcomes[rating].card.due;
    });
    return due;
  }

  function shuffled(items, random) {
    var out = items.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1));
      var swap = out[i];
      out[i] = out[j];
      out[j] = swap;
    }
    return out;
  }

  // The ids to ask, in order. ``deck``: [{id, page}] in sheet order; ``options``:
  // {questions: [page, ..], mode: "study" | "due" | "shuffle"}.
  // study: cards due now (oldest first), then new cards, then learning cards due within
  // LEARN_AHEAD_MS; due: the same without the new cards; shuffle: every card, shuffled.
  function buildQueue(deck, progress, options, now, random) {
    var pages = options.questions;
    var cards = deck.filter(function (card) {
      return pages.indexOf(card.page) >= 0;
    });
    if (options.mode === "shuffle") {
      return shuffled(
        cards.map(function (card) {
          return card.id;
        }),
        random || Math.random
      );
    }
    var due = [];
    var fresh = [];
    var soon = [];
    cards.forEach(function (card) {
      var state = progress.cards[card.id];
      if (!state) fresh.push(card.id);
      else if (state.due <= now) due.push(card.id);
      else if (state.due - now <= LEARN_AHEAD_MS) soon.push(card.id);
    });
    var byDue = function (a, b) {
      return progress.cards[a].due - progress.cards[b].due;
    };
    due.sort(byDue);
    soon.sort(byDue);
    return options.mode === "due" ? due.concat(soon) : due.concat(fresh, soon);
  }

  // Per question page: {due: due by the end of today, fresh: never graded, reviewed: graded}.
  function counts(deck, progress, now) {
    var end = endOfDay(now);
    var table = {};
    deck.forEach(function (card) {
      var row = table[card.page] || (table[card.page] = { due: 0, fresh: 0, reviewed: 0 });
      var state = progress.cards[card.id];
      if (!state) {
        row.fresh += 1;
        return;
      }
      row.reviewed += 1;
      if (state.due <= end) row.due += 1;
    });
    return table;
  }

  function serialize(progress, lang, now) {
    return JSON.stringify(
      { kind: EXPORT_KIND, version: 1, lang: lang, exported: now.toISOString(),
        cards: progress.cards },
      null,
      1
    );
  }

  // Progress from exported (or stored) JSON text; throws on anything else.
  function parse(text) {
    var data = JSON.parse(text);
    if (!data || data.kind !== EXPORT_KIND || typeof data.cards !== "object" || !data.cards) {
      throw new Error("not a drill progress export");
    }
    var cards = {};
    Object.keys(data.cards).forEach(function (id) {
      var card = FSRS.TypeConvert.card(data.cards[id]);
      if (isNaN(card.due.getTime())) throw new Error("card " + id + " has no due date");
      cards[id] = card;
    });
    return { cards: cards };
  }

  window.dlDrill = {
    schedule: schedule,
    preview: preview,
    buildQueue: buildQueue,
    counts: counts,
    serialize: serialize,
    parse: parse,
    LEARN_AHEAD_MS: LEARN_AHEAD_MS,
  };

  // -- the page -----------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") el.textContent = attrs[key];
      else if (key === "hidden") el.hidden = attrs[key];
      else el.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  function storage() {
    try {
      var probe = "dlnotes-drill:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: progress lasts as long as the page
    }
  }

  function start(mount, sheet) {
    var lang = (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0
      ? "zh" : "en";
    var t = STRINGS[lang];
    var store = storage();
    var progressKey = "dlnotes-drill:progress:" + lang;
    var settingsKey = "dlnotes-drill:settings:" + lang;

    var deck = [];
    var titles = {};
    var pages = [];
    sheet.querySelectorAll(".dl-card[data-card]").forEach(function (el) {
      var details = el.querySelector("details");
      if (!details) return;
      var card = { id: el.dataset.card, page: el.dataset.question, title: el.dataset.title,
                   details: details };
      deck.push(card);
      if (!titles[card.page]) {
        titles[card.page] = card.title;
        pages.push(card.page);
      }
    });
    if (!deck.length) return;
    var byId = {};
    deck.forEach(function (card) {
      byId[card.id] = card;
    });

    function load(key) {
      try {
        return store ? store.getItem(key) : null;
      } catch (error) {
        return null;
      }
    }
    function save(key, value) {
      try {
        if (store) store.setItem(key, value);
      } catch (error) {
        // full or disabled: the session keeps its progress in memory
      }
    }
    var progress;
    try {
      progress = load(progressKey) ? parse(load(progressKey)) : { cards: {} };
    } catch (error) {
      progress = { cards: {} };
    }
    var settings = { questions: pages.slice(), mode: "study", timer: false, seconds: 60 };
    try {
      var saved = JSON.parse(load(settingsKey) || "{}");
      if (Array.isArray(saved.questions)) {
        settings.questions = saved.questions.filter(function (page) {
          return pages.indexOf(page) >= 0;
        });
      }
      if (MODES.indexOf(saved.mode) >= 0) settings.mode = saved.mode;
      settings.timer = saved.timer === true;
      if (TIMER_CHOICES.indexOf(saved.seconds) >= 0) settings.seconds = saved.seconds;
    } catch (error) {
      // unreadable settings: the defaults
    }
    function persist() {
      save(progressKey, JSON.stringify({ kind: EXPORT_KIND, version: 1, lang: lang,
                                         cards: progress.cards }));
    }

    // -- the interface ----------------------------------------------------------------------
    var uid = 0;
    function id(name) {
      uid += 1;
      return "dl-drill-" + name + "-" + uid;
    }

    var questionBoxes = pages.map(function (page) {
      var box = h("input", { type: "checkbox", value: page });
      box.checked = settings.questions.indexOf(page) >= 0;
      return h("label", { class: "dl-drill__choice" }, [box, " " + titles[page]]);
    });
    var questionSet = h("fieldset", { class: "dl-drill__questions" },
                        [h("legend", { text: t.questions })].concat(questionBoxes));
    var modeId = id("mode");
    var modeSelect = h("select", { id: modeId, class: "dl-drill__mode" },
      MODES.map(function (mode) {
        return h("option", { value: mode, text: t.modes[mode] });
      }));
    modeSelect.value = settings.mode;
    var timerBox = h("input", { type: "checkbox", class: "dl-drill__timer-on" });
    timerBox.checked = settings.timer;
    var secondsSelect = h("select", { class: "dl-drill__seconds", "aria-label": t.secondsLabel },
      TIMER_CHOICES.map(function (n) {
        return h("option", { value: String(n), text: fill(t.seconds, { n: n }) });
      }));
    secondsSelect.value = String(settings.seconds);
    var keysButton = h("button", { type: "button", class: "dl-drill__button dl-drill__keys-open",
                                   "aria-keyshortcuts": "?" }, [t.keys + " ", h("kbd", { text: "?" })]);
    var controls = h("div", { class: "dl-drill__controls" }, [
      questionSet,
      h("div", { class: "dl-drill__row" }, [
        h("label", { for: modeId, class: "dl-drill__label", text: t.mode }),
        modeSelect,
      ]),
      h("div", { class: "dl-drill__row" }, [
        h("label", { class: "dl-drill__choice" }, [timerBox, " " + t.timer]),
        secondsSelect,
        keysButton,
      ]),
    ]);

    var status = h("p", { class: "dl-drill__status", role: "status" });
    var meta = h("p", { class: "dl-drill__meta" });
    var questionId = id("question");
    var question = h("h2", { class: "dl-drill__question", id: questionId, tabindex: "-1" });
    var timer = h("p", { class: "dl-drill__timer", role: "timer", hidden: true });
    var reveal = h("button", { type: "button", class: "dl-drill__button dl-drill__reveal",
                               "aria-keyshortcuts": "Space" },
                   [t.reveal + " ", h("kbd", { text: t.space })]);
    var answerTitle = h("h3", { class: "dl-drill__answer-title", tabindex: "-1",
                                text: t.answer });
    var answerBody = h("div", { class: "dl-drill__answer-body" });
    var answer = h("div", { class: "dl-drill__answer", hidden: true }, [answerTitle, answerBody]);
    var gradeButtons = t.ratings.map(function (name, i) {
      return h("button", { type: "button", class: "dl-drill__button dl-drill__grade",
                           "data-rating": String(i + 1), "aria-keyshortcuts": String(i + 1) }, [
        h("span", { class: "dl-drill__grade-name" }, [h("kbd", { text: String(i + 1) }), " " + name]),
        h("span", { class: "dl-drill__grade-when" }),
      ]);
    });
    var grades = h("div", { class: "dl-drill__grades", role: "group", "aria-label": t.grades,
                            hidden: true }, gradeButtons);
    var cardView = h("article", { class: "dl-drill__card", "aria-labelledby": questionId },
                     [meta, question, timer, reveal, answer, grades]);
    var doneTitleId = id("done");
    var doneText = h("p", { class: "dl-drill__done-text" });
    var againButton = h("button", { type: "button", class: "dl-drill__button dl-drill__again",
                                     text: t.again, hidden: true });
    var doneTitle = h("h2", { id: doneTitleId, tabindex: "-1", text: t.doneTitle });
    var doneView = h("section", { class: "dl-drill__done", "aria-labelledby": doneTitleId,
                                  hidden: true }, [doneTitle, doneText, againButton]);

    var progressTitleId = id("progress");
    var tableBody = h("tbody");
    var tableFoot = h("tfoot");
    var table = h("table", { class: "dl-drill__table" }, [
      h("thead", {}, [h("tr", {}, t.columns.map(function (name, i) {
        return h("th", { scope: "col", text: name, class: i ? "dl-drill__num" : "" });
      }))]),
      tableBody,
      tableFoot,
    ]);
    var exportButton = h("button", { type: "button", class: "dl-drill__button dl-drill__export",
                                      text: t.exportLabel });
    var importInput = h("input", { type: "file", accept: ".json,application/json",
                                   class: "dl-drill__import-file", hidden: true,
                                   tabindex: "-1", "aria-hidden": "true" });
    var importButton = h("button", { type: "button", class: "dl-drill__button dl-drill__import",
                                      text: t.importLabel });
    var resetButton = h("button", { type: "button", class: "dl-drill__button dl-drill__reset",
                                     text: t.resetLabel });
    var progressView = h("section", { class: "dl-drill__progress",
                                      "aria-labelledby": progressTitleId }, [
      h("h2", { id: progressTitleId, text: t.progress }),
      h("div", { class: "dl-drill__table-wrap" }, [table]),
      h("div", { class: "dl-drill__actions" }, [exportButton, importButton, importInput,
                                                resetButton]),
    ]);

    var keysTitleId = id("keys");
    var keysDialog = h("dialog", { class: "dl-drill__keys", "aria-labelledby": keysTitleId }, [
      h("h2", { id: keysTitleId, text: t.keys }),
      h("dl", {}, t.keyList.reduce(function (items, pair) {
        return items.concat([h("dt", {}, [h("kbd", { text: pair[0] })]),
                             h("dd", { text: pair[1] })]);
      }, [])),
      h("button", { type: "button", class: "dl-drill__button dl-drill__keys-close",
                    text: t.close }),
    ]);

    mount.appendChild(h("div", { class: "dl-drill__ui", role: "region", "aria-label": t.region },
                        [status, cardView, doneView, controls, progressView, keysDialog]));

    // -- behaviour ----------------------------------------------------------------------------
    var queue = [];
    var current = null;
    var revealed = false;
    var ticking = null;

    function when(date, now) {
      var minutes = Math.max(1, Math.round((date - now) / 60000));
      if (minutes < 60) return fill(t.units.min, { n: minutes });
      var hours = Math.round(minutes / 60);
      if (hours < 24) return fill(t.units.h, { n: hours });
      var days = Math.round(hours / 24);
      if (days < 60) return fill(t.units.d, { n: days });
      return fill(t.units.mo, { n: Math.round(days / 30) });
    }

    function clock(date) {
      return date.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en", { hour: "2-digit",
                                                                        minute: "2-digit" });
    }

    function putBack() {
      if (!current) return;
      while (answerBody.firstChild) current.details.appendChild(answerBody.firstChild);
    }

    function stopTimer() {
      if (ticking) clearInterval(ticking);
      ticking = null;
      timer.hidden = true;
      timer.classList.remove("dl-drill__timer--up");
    }

    function startTimer() {
      stopTimer();
      if (!settings.timer) return;
      var left = settings.seconds;
      var show = function () {
        timer.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      };
      timer.hidden = false;
      show();
      ticking = setInterval(function () {
        left -= 1;
        if (left > 0) {
          show();
          return;
        }
        clearInterval(ticking);
        ticking = null;
        timer.textContent = t.timeUp;
        timer.classList.add("dl-drill__timer--up");
        if (!revealed) showAnswer(t.timeUp + ". ");
      }, 1000);
    }

    function setHash(cardId) {
      var url = new URL(window.location.href);
      url.hash = cardId ? "card=" + cardId : "";
      history.replaceState(history.state, "", url.href);
    }

    function renderCounts() {
      var now = new Date();
      var table = counts(deck, progress, now);
      var total = { due: 0, fresh: 0, reviewed: 0 };
      var row = function (name, cells) {
        return h("tr", {}, [h("th", { scope: "row", text: name })].concat(
          ["due", "fresh", "reviewed"].map(function (key) {
            return h("td", { class: "dl-drill__num", "data-count": key, text: String(cells[key]) });
          })));
      };
      tableBody.textContent = "";
      pages.forEach(function (page) {
        var cells = table[page];
        ["due", "fresh", "reviewed"].forEach(function (key) {
          total[key] += cells[key];
        });
        var tr = row(titles[page], cells);
        tr.dataset.question = page;
        tableBody.appendChild(tr);
      });
      tableFoot.textContent = "";
      var foot = row(t.total, total);
      foot.dataset.question = "all";
      tableFoot.appendChild(foot);
    }

    function showCard(cardId, position, count, announce) {
      putBack();
      stopTimer();
      current = byId[cardId];
      revealed = false;
      var now = new Date();
      var state = progress.cards[cardId];
      var kind = !state ? "fresh" : state.due <= now ? "due" : "early";
      meta.textContent = current.title + " · " + t.states[kind];
      question.innerHTML = current.details.querySelector("summary").innerHTML;
      cardView.dataset.card = cardId;
      cardView.hidden = false;
      doneView.hidden = true;
      answer.hidden = true;
      grades.hidden = true;
      reveal.hidden = false;
      // shuffle: a round of known length; otherwise the queue is worked out again after
      // each grade, and what is left is what matters
      var where = position ? fill(t.position, { i: position, n: count })
        : fill(t.left, { n: count });
      status.textContent = (announce || "") + where;
      setHash(cardId);
      startTimer();
    }

    function showDone(message, canRestart) {
      putBack();
      stopTimer();
      current = null;
      cardView.hidden = true;
      delete cardView.dataset.card;
      doneView.hidden = false;
      doneText.textContent = message;
      againButton.hidden = !canRestart;
      status.textContent = message;
      setHash(null);
    }

    function showAnswer(prefix) {
      if (!current || revealed) return;
      revealed = true;
      current.details.querySelectorAll(":scope > :not(summary)").forEach(function (node) {
        answerBody.appendChild(node);
      });
      var now = new Date();
      var due = preview(progress, current.id, now);
      gradeButtons.forEach(function (button) {
        button.querySelector(".dl-drill__grade-when").textContent =
          when(due[Number(button.dataset.rating)], now);
      });
      reveal.hidden = true;
      answer.hidden = false;
      grades.hidden = false;
      if (prefix) status.textContent = prefix + status.textContent;
      answerTitle.focus();
    }

    var asked = 0; // cards shown in this round (shuffle mode)
    var roundSize = 0;

    function next(announce, focus) {
      var now = new Date();
      if (settings.mode !== "shuffle") {
        queue = buildQueue(deck, progress, settings, now);
        if (queue.length) {
          showCard(queue[0], 0, queue.length, announce);
        } else {
          var pending = deck.filter(function (card) {
            var state = progress.cards[card.id];
            return settings.questions.indexOf(card.page) >= 0 && state && state.due > now &&
              state.due <= endOfDay(now);
          }).map(function (card) {
            return progress.cards[card.id].due;
          }).sort(function (a, b) {
            return a - b;
          });
          var fresh = deck.some(function (card) {
            return settings.questions.indexOf(card.page) >= 0 && !progress.cards[card.id];
          });
          var message = !settings.questions.length ? t.noneMatch
            : pending.length ? fill(t.nextAt, { time: clock(pending[0]) })
            : settings.mode === "due" && fresh ? t.nothingDue : t.allDone;
          showDone((announce || "") + message, false);
        }
      } else if (queue.length) {
        asked += 1;
        showCard(queue.shift(), asked, roundSize, announce);
      } else {
        showDone((announce || "") + (roundSize ? t.roundDone : t.noneMatch), roundSize > 0);
      }
      if (focus) (current ? question : doneTitle).focus();
    }

    function restart(preferred, focus) {
      var now = new Date();
      if (settings.mode === "shuffle") {
        queue = buildQueue(deck, progress, settings, now);
        roundSize = queue.length;
        asked = 0;
      }
      if (preferred && byId[preferred]) {
        // the card in the address (e.g. from the other language): asked first
        if (settings.mode === "shuffle") {
          if (queue.indexOf(preferred) < 0) roundSize += 1;
          queue = [preferred].concat(queue.filter(function (x) {
            return x !== preferred;
          }));
          next("", focus);
        } else {
          var rest = buildQueue(deck, progress, settings, now).filter(function (x) {
            return x !== preferred;
          });
          showCard(preferred, 0, rest.length + 1, "");
          if (focus) question.focus();
        }
        return;
      }
      next("", focus);
    }

    function grade(rating) {
      if (!current || !revealed) return;
      var now = new Date();
      var card = schedule(progress, current.id, rating, now);
      persist();
      renderCounts();
      var announce = fill(t.graded, { grade: t.ratings[rating - 1], when: when(card.due, now) })
        + " ";
      next(announce, true);
    }

    function saveSettings() {
      save(settingsKey, JSON.stringify(settings));
    }

    function onFilters() {
      settings.questions = questionBoxes.map(function (label) {
        return label.querySelector("input");
      }).filter(function (box) {
        return box.checked;
      }).map(function (box) {
        return box.value;
      });
      settings.mode = modeSelect.value;
      settings.timer = timerBox.checked;
      settings.seconds = Number(secondsSelect.value);
      secondsSelect.disabled = !settings.timer;
      saveSettings();
      restart(null, false);
    }

    controls.addEventListener("change", onFilters);
    secondsSelect.disabled = !settings.timer;
    reveal.addEventListener("click", function () {
      showAnswer("");
    });
    gradeButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        grade(Number(button.dataset.rating));
      });
    });
    againButton.addEventListener("click", function () {
      restart(null, true);
    });
    keysButton.addEventListener("click", function () {
      keysDialog.showModal();
    });
    keysDialog.querySelector(".dl-drill__keys-close").addEventListener("click", function () {
      keysDialog.close();
    });

    exportButton.addEventListener("click", function () {
      var now = new Date();
      var blob = new Blob([serialize(progress, lang, now)], { type: "application/json" });
      var link = h("a", { href: URL.createObjectURL(blob),
                          download: "dlnotes-drill-" + lang + "-" +
                            now.toISOString().slice(0, 10) + ".json" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () {
        URL.revokeObjectURL(link.href);
      }, 10000);
    });
    importButton.addEventListener("click", function () {
      importInput.value = "";
      importInput.click();
    });
    importInput.addEventListener("change", function () {
      var file = importInput.files && importInput.files[0];
      if (!file) return;
      file.text().then(function (text) {
        var loaded;
        try {
          loaded = parse(text);
        } catch (error) {
          status.textContent = t.importError;
          return;
        }
        progress = loaded;
        persist();
        renderCounts();
        restart(null, false);
        status.textContent = fill(t.imported, { n: Object.keys(loaded.cards).length }) + " " +
          status.textContent;
      });
    });
    resetButton.addEventListener("click", function () {
      if (!window.confirm(t.resetConfirm)) return;
      progress = { cards: {} };
      try {
        if (store) store.removeItem(progressKey);
      } catch (error) {
        // nothing stored
      }
      renderCounts();
      restart(null, false);
      status.textContent = t.resetDone + " " + status.textContent;
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      var target = event.target;
      if (target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
      if (keysDialog.open) {
        if (event.key === "?") {
          keysDialog.close();
          event.preventDefault();
        }
        return; // Esc closes the dialog natively
      }
      if (event.key === "?") {
        keysDialog.showModal();
        event.preventDefault();
      } else if (event.key === " " && !revealed && current) {
        // a focused button or link does its own thing with Space
        if (target.closest && target.closest("button, a, summary")) return;
        event.preventDefault();
        showAnswer("");
      } else if (/^[1-4]$/.test(event.key) && revealed) {
        event.preventDefault();
        grade(Number(event.key));
      }
    });

    // The language menu leads to this card in the other language (reader.js, registered
    // before this script, has just set the link to the section being read).
    ["pointerdown", "focusin", "click"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
        if (!link || !current) return;
        var url = new URL(link.href);
        url.hash = "card=" + current.id;
        link.href = url.href;
      }, true);
    });

    sheet.hidden = true;
    mount.hidden = false;
    renderCounts();
    var wanted = /^#card=(.+)$/.exec(window.location.hash);
    restart(wanted ? decodeURIComponent(wanted[1]) : null, false);
  }

  function init() {
    var mount = document.getElementById("dl-drill");
    var sheet = document.getElementById("dl-drill-sheet");
    if (!mount || !sheet || mount.dataset.ready || typeof FSRS === "undefined") return;
    mount.dataset.ready = "true";
    start(mount, sheet);
  }

  // The cards' formulas are KaTeX's HTML already (hooks/formulas.py renders them at build time).
  if (typeof document$ !== "undefined") {
    document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
