// The plan page's folding (templates/plans/_fold.html) and per-item menus (ui.item_menu):
// both are native <details>, so they work without this script. It adds what HTML does not:
// a link to a folded section, or to an item inside one, opens it; Escape closes an open menu
// and gives the keyboard back to its "More" button.
(function () {
  "use strict";

  function reveal(hash) {
    if (!hash || hash.length < 2) return;
    var target;
    try { target = document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return; }
    if (!target) return;
    var changed = false;
    if (target.matches("section.foldable")) {
      var body = target.querySelector(":scope > details.fold");
      if (body && !body.open) { body.open = true; changed = true; }
    }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) { node.open = true; changed = true; }
    }
    if (changed) target.scrollIntoView();
  }

  document.addEventListener("DOMContentLoaded", function () { reveal(location.hash); });
  window.addEventListener("hashchange", function () { reveal(location.hash); });
  document.addEventListener("click", function (event) {
    // The same hash again fires no hashchange: open the section all the same.
    var link = event.target instanceof Element ? event.target.closest("a[href*='#']") : null;
    if (!link || link.pathname !== location.pathname || link.search !== location.search) return;
    if (link.hash === location.hash) reveal(link.hash);
  });

  // A section swapped in again (after a change, or live from someone else) comes open: keep
  // the ones this person folded on this page folded.
  var folded = {};
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.classList.contains("fold")) {
      folded[details.id] = !details.open;
    }
  }, true);
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("details.fold[open]").forEach(function (details) {
      if (folded[details.id]) details.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    var menu = event.target.closest("details.menu[open]");
    if (!menu) return;
    menu.open = false;
    var toggle = menu.querySelector(":scope > summary");
    if (toggle) toggle.focus();
  });
})();
