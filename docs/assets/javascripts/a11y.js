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

  function focusScrollBoxes() {
    document.querySelectorAll(BOXES).forEach(function (el) {
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      var mine = el.dataset.dlScrollFocus === "1";
      if (!overflows) {
        if (mine) { el.removeAttribute("tabindex"); delete el.dataset.dlScrollFocus; }
        return;
      }
      if (mine || el.hasAttribute("tabindex") || el.querySelector(FOCUSABLE)) return;
      var style = getComputedStyle(el);
      var scrolls = /(auto|scroll)/.test(style.overflowX + " " + style.overflowY);
      if (scrolls) { el.setAttribute("tabindex", "0"); el.dataset.dlScrollFocus = "1"; }
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
