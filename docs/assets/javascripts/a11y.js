// Accessibility fixes that need the live page (checked by tests/browser/test_a11y.py).
// - A scroll box (a wide code cell, table or formula) is reachable from the keyboard: it gets
//   tabindex="0" while its content overflows and it has nothing focusable inside
//   (axe: scrollable-region-focusable). Re-checked when the window is resized.
// - Material wraps each code block's copy button in an unnamed <nav>: one "navigation"
//   landmark per block, none told apart (axe: landmark-unique). A copy button is not site
//   navigation, so that wrapper is marked role="none".
(function () {
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  // Block boxes only: inline <code> in prose never scrolls (its overflow does not apply).
  var BOXES = ".md-content :is(div, pre, pre > code, table)";

  // Every box is read first, then marked: a write between two reads would have the browser
  // lay the page out again for the next read, once per box.
  function focusScrollBoxes() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(BOXES));
    var changes = boxes.map(function (el) {
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var mine = el.dataset.dlScrollFocus === "1";
      if (!overflows) return mine ? "unmark" : null;
      if (mine || el.hasAttribute("tabindex") || el.querySelector(FOCUSABLE)) return null;
      var style = getComputedStyle(el);
      return /(auto|scroll)/.test(style.overflowX + " " + style.overflowY) ? "mark" : null;
    });
    boxes.forEach(function (el, i) {
      if (changes[i] === "unmark") {
        el.removeAttribute("tabindex");
        delete el.dataset.dlScrollFocus;
      } else if (changes[i] === "mark") {
        el.setAttribute("tabindex", "0");
        el.dataset.dlScrollFocus = "1";
      }
    });
  }

  function unmarkCodeNavs(root) {
    root.querySelectorAll("nav.md-code__nav:not([role])").forEach(function (nav) {
      nav.setAttribute("role", "none");
    });
  }

  function onPage() {
    unmarkCodeNavs(document);
    focusScrollBoxes();
  }

  // Material adds the code buttons after load: mark each wrapper as it appears.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) return;
        if (node.matches("nav.md-code__nav")) node.setAttribute("role", "none");
        else unmarkCodeNavs(node);
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(focusScrollBoxes, 100);
  });
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { requestAnimationFrame(onPage); });
  } else {
    document.addEventListener("DOMContentLoaded", onPage);
  }
  window.addEventListener("load", focusScrollBoxes);
})();
