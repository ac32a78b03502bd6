// Jointplan's small script: CSRF header on htmx requests, confirmations, toasts, focus.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Forms that destroy something ask first (htmx forms use hx-confirm instead).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  function showToast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (kind || "error");
    toast.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    toast.append(text, close);
    box.append(toast);
    expire(toast);
  }

  function expire(toast) {
    window.setTimeout(function () { toast.remove(); }, 8000);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.classList.contains("toast-close")) {
      var toast = target.closest(".toast");
      if (toast) toast.remove();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "toasts") {
      target.querySelectorAll(".toast").forEach(expire);
      return;
    }
    // Keep the keyboard where it was: a swapped block may name the control to focus.
    var marker = target && target.parentNode ? document.querySelector("[data-focus]") : null;
    var id = marker ? marker.getAttribute("data-focus") : "";
    var keep = id ? document.getElementById(id) : null;
    if (keep && keep.disabled) {  // moved to the top or bottom: the other arrow of that row
      keep = document.getElementById(id.replace(/^move-(up|down)/, function (_, d) {
        return "move-" + (d === "up" ? "down" : "up");
      }));
    }
    if (keep && !keep.disabled) { keep.focus(); return; }
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("Jointplan cannot be reached. Check your connection and try again.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  });
})();

// ---- The client's strategy and perceived value sections --------------------------------------
// After one of these sections is swapped in, focus the control its own marker names (the shared
// handler above takes the first marker in the page, which may be one another section left).
(function () {
  "use strict";
  var SECTIONS = { strategy: true, value: true };

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !SECTIONS[target.id]) return;
    var section = document.getElementById(target.id);  // the new element (outerHTML swap)
    var marker = section ? section.querySelector("[data-focus]") : null;
    if (!marker) return;
    var id = marker.getAttribute("data-focus");
    var keep = document.getElementById(id);
    if (keep && keep.disabled) {  // moved to the top or bottom: the other arrow of that row
      keep = document.getElementById(id.replace(/^move-(up|down)/, function (_, d) {
        return "move-" + (d === "up" ? "down" : "up");
      }));
    }
    if (keep && !keep.disabled) keep.focus();
  });
})();
