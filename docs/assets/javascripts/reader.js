// Reader comforts, on every page load (also after Material's instant navigation):
//
// 1. The language menu keeps your place: its links lead to the same page in the other
//    language, and on use they get the #anchor of the section being read (the one in the
//    address bar while its heading is on screen, else the last heading in the top quarter of
//    the window or above it). tests/test_parity.py guarantees the same heading ids in both languages.
// 2. Wide formulas, tables and code scroll inside their own box; a box with more to see on a
//    side gets data-dl-scroll="right" | "left" | "both", which extra.css turns into a fade on
//    that edge (the hint), and becomes focusable so a keyboard can scroll it too.
(function () {
  "use strict";

  // -- 1. language menu ----------------------------------------------------------------------
  function currentSection() {
    var header = document.querySelector(".md-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    if (location.hash.length > 1) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) {
        var r = target.getBoundingClientRect();
        if (r.bottom > top && r.top < window.innerHeight) return target.id;
      }
    }
    if (window.scrollY < 1) return null;
    // The section being read: the last heading in the top quarter of the window or above it.
    var line = top + (window.innerHeight - top) / 4;
    var current = null;
    var headings = document.querySelectorAll(".md-content .md-typeset :is(h2, h3, h4)[id]");
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top <= line) current = headings[i].id;
      else break;
    }
    return current;
  }

  function keepSection(event) {
    if (window.__dl404) return; // the 404 page's menu leads to the home pages
    var link = event.target.closest && event.target.closest("a.md-select__link[hreflang]");
    if (!link) return;
    var id = currentSection();
    var url = new URL(link.href);
    url.hash = id ? "#" + id : "";
    link.href = url.href;
  }

  ["pointerdown", "focusin", "click"].forEach(function (type) {
    document.addEventListener(type, keepSection, true);
  });

  // -- 2. scroll hints -----------------------------------------------------------------------
  // Every box of the content that scrolls sideways: display formulas, Material's table wrapper,
  // code blocks, notebook cells (their computed style is known even inside a closed <details>).
  // Those are always div, pre, table elements or a pre's code: the inline elements (KaTeX's
  // HTML, code tokens, code in prose), most of a page's, are not read (a computed style each).
  var CANDIDATES = ".md-content :is(div, pre, pre > code, table)";

  function scrollBoxes(root) {
    var found = [];
    root.querySelectorAll(CANDIDATES).forEach(function (el) {
      var overflow = getComputedStyle(el).overflowX;
      if (overflow === "auto" || overflow === "scroll") found.push(el);
    });
    return found;
  }

  // The hint a box needs: null when it has nothing more to see (reads only).
  function hintOf(box) {
    var max = box.scrollWidth - box.clientWidth;
    if (max <= 1) return null;
    var left = box.scrollLeft > 1;
    var right = box.scrollLeft < max - 1;
    return left && right ? "both" : right ? "right" : "left";
  }

  // Every box is measured first, then marked: a write between two reads would have the
  // browser lay the page out again for the next read, once per box.
  function update(boxes) {
    var hints = boxes.map(hintOf);
    boxes.forEach(function (box, i) {
      var hint = hints[i];
      if (hint === null) {
        box.removeAttribute("data-dl-scroll");
        return;
      }
      if (box.getAttribute("data-dl-scroll") !== hint) box.setAttribute("data-dl-scroll", hint);
      if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    });
  }

  var resized = typeof ResizeObserver === "undefined" ? null
    : new ResizeObserver(function (entries) {
      update(entries.map(function (entry) { return entry.target; }));
    });

  var watched = [];

  function watch(root) {
    var fresh = scrollBoxes(root).filter(function (box) { return !box.dataset.dlWatched; });
    fresh.forEach(function (box) {
      box.dataset.dlWatched = "1";
      watched.push(box);
      box.addEventListener("scroll", function () { update([box]); }, { passive: true });
      if (resized) resized.observe(box);
    });
    update(fresh);
  }

  function start(doc) {
    watch(doc.body || document.body);
    // Fonts change sizes after the first paint.
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { update(watched); });
    }
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  }
})();
