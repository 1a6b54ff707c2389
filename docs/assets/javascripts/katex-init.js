// Render every formula that pymdownx.arithmatex (generic mode) left in the page with the
// vendored KaTeX. Runs on each page load (also after Material's instant navigation).
(function () {
  function render(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      var tex = el.textContent.trim();
      var display = el.tagName === "DIV";
      // arithmatex wraps inline math in \( \) and block math in \[ \]
      tex = tex.replace(/^\\[([]/, "").replace(/\\[)\]]$/, "");
      katex.render(tex, el, { displayMode: display, throwOnError: false, output: "html" });
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function (doc) { render(doc.body || document.body); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  }
})();
