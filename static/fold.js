// The plan page's folding (templates/plans/_fold.html) and per-item menus (ui.item_menu):
// both are native <details>, so they work without this script. It adds what HTML does not:
// a link to a folded section, or to an item inside one, opens it; a section the person folded
// stays folded when it is swapped in again and on their next visit (localStorage); Escape
// closes an open menu and gives the keyboard back to its "More" button. A link to an item the
// page did not render (a long list shows its first page; closed actions come on demand) loads
// the page again with the lists that hold it (each on-demand link says how: data-shows).
(function () {
  "use strict";

  function reveal(hash) {
    if (!hash || hash.length < 2) return;
    var target;
    try { target = document.getElementById(decodeURIComponent(hash.slice(1))); } catch (e) { return; }
    if (!target) { showAll(hash); return; }
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

  function showAll(hash) {
    var params = new URLSearchParams(location.search);
    var missing = false;
    document.querySelectorAll("[data-shows]").forEach(function (link) {
      new URLSearchParams(link.getAttribute("data-shows")).forEach(function (value, name) {
        if (params.get(name) !== value) { params.set(name, value); missing = true; }
      });
    });
    if (missing) location.replace(location.pathname + "?" + params.toString() + hash);
  }

  window.addEventListener("hashchange", function () { reveal(location.hash); });
  document.addEventListener("click", function (event) {
    // The same hash again fires no hashchange: open the section all the same.
    var link = event.target instanceof Element ? event.target.closest("a[href*='#']") : null;
    if (!link || link.pathname !== location.pathname || link.search !== location.search) return;
    if (link.hash === location.hash) reveal(link.hash);
  });

  // A section swapped in again (after a change, or live from someone else) comes open: keep
  // the ones this person folded on this page folded. The page asked for folded (?fold=all)
  // aside, what the person folds or opens is remembered in this browser for the next visit.
  var asked = /[?&]fold=/.test(location.search);
  var key = "jp-folded:" + location.pathname;
  var folded = {};
  try { folded = JSON.parse(localStorage.getItem(key) || "{}") || {}; } catch (e) { folded = {}; }
  if (asked) folded = {};

  function remember() {
    if (asked) return;
    try { localStorage.setItem(key, JSON.stringify(folded)); } catch (e) { /* private mode */ }
  }

  function restore(root) {
    (root || document).querySelectorAll("details.fold").forEach(function (details) {
      if (folded[details.id] === true && details.open) details.open = false;
      if (folded[details.id] === false && !details.open) details.open = true;
    });
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.classList.contains("fold")) {
      folded[details.id] = !details.open;
      remember();
    }
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    if (!asked) restore(document);
    reveal(location.hash);
  });
  // Only what was swapped in: a swap elsewhere (presence, another section) must not fold again
  // a section the person has just opened, before its toggle event was told.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!(target instanceof Element)) return;
    // An outerHTML swap replaced the target: the new element has its id.
    var root = target.isConnected ? target : target.id ? document.getElementById(target.id) : null;
    if (!root) return;
    restore(root.matches("details.fold") ? root.parentElement : root);
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
