// Jointplan's small script: CSRF header on htmx requests, confirmations, toasts, focus.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // A form that asks first (data-confirm) posts "confirmed" once the person said OK, so the
  // server does not ask again with its own confirmation page (the path without JavaScript).
  var CONFIRM_FIELD = "confirmed";

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
    // htmx asked already (hx-confirm): a request is only configured after an OK.
    var elt = event.detail.elt;
    if (elt instanceof Element && elt.hasAttribute("data-confirm")) {
      event.detail.formData.set(CONFIRM_FIELD, "yes");
    }
  });

  // Plain forms that destroy something ask here (htmx forms use hx-confirm instead).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
    var question = form.getAttribute("data-confirm");
    if (!question) return;
    if (!window.confirm(question)) { event.preventDefault(); return; }
    var field = form.querySelector('input[name="' + CONFIRM_FIELD + '"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = CONFIRM_FIELD;
      form.append(field);
    }
    field.value = "yes";
  });

  // A copy button (data-copy="<id of the field>"): copies the field's text, says so. Without
  // the clipboard (an http page), the text is selected for the person to copy.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
      });
    }
  });

  function showToast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    // One toast per message: requests failing together (a form and the live updates, while
    // the database is away) say it once.
    var shown = Array.prototype.some.call(box.querySelectorAll(".toast span"), function (span) {
      return span.textContent === message;
    });
    if (shown) return;
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
    // A toast came (out of band: the event is the toast's own, inside the box).
    var box = target && target.closest ? target.closest("#toasts") : null;
    if (box) {
      // One toast per message, whichever requests brought it (a form and the live updates
      // failing together while the database is away).
      var seen = {};
      box.querySelectorAll(".toast").forEach(function (toast) {
        var text = toast.textContent.trim();
        if (seen[text]) { toast.remove(); return; }
        seen[text] = true;
        expire(toast);
      });
      return;
    }
    // Keep the keyboard where it was: a swapped block may name the control to focus. Markers
    // are used once and removed, so the one found is always the block just swapped in.
    var xhr = event.detail.xhr;
    var marker = document.querySelector("[data-focus]");
    var id = marker ? marker.getAttribute("data-focus") : "";
    document.querySelectorAll("[data-focus]").forEach(function (m) { m.remove(); });
    var keep = id ? document.getElementById(id) : null;
    if (keep && keep.disabled) {  // moved to the top or bottom: the other arrow of that row
      keep = document.getElementById(id.replace(/^move-(up|down)/, function (_, d) {
        return "move-" + (d === "up" ? "down" : "up");
      }));
    }
    if (keep && !keep.disabled) {
      if (xhr) xhr.jpKeyboardPlaced = true;
      keep.focus();
      return;
    }
    // An answer swaps several parts (its own and those out of band), each with this event:
    // once one of them put the keyboard where the answer named, the others leave it there (not
    // on a field left invalid elsewhere on the page).
    if (xhr && xhr.jpKeyboardPlaced) return;
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.focus(); return; }
    // The control that was used went away with the old block: rather than drop the keyboard at
    // the top of the page, put it on the block's message ("Added …", or what went wrong).
    var focused = document.activeElement;
    if (focused && focused !== document.body && focused.isConnected) return;
    var block = target && target.isConnected ? target
      : (target && target.id ? document.getElementById(target.id) : null);
    var notice = block ? block.querySelector('[role="alert"], [role="status"]') : null;
    if (notice) {
      if (!notice.hasAttribute("tabindex")) notice.setAttribute("tabindex", "-1");
      notice.focus();
    }
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("Jointplan cannot be reached. Check your connection and try again.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    // A chart wider than its frame (the org chart) opens centred on the box it names, its
    // top box, instead of at its left edge where that box may be out of sight.
    document.querySelectorAll("[data-start-x]").forEach(function (frame) {
      var x = Number(frame.getAttribute("data-start-x"));
      if (frame.scrollWidth > frame.clientWidth) frame.scrollLeft = x - frame.clientWidth / 2;
    });
  });
  // -----------------------------------------------------------------------------------------
  // Priorities: re-ranking by drag and drop (client writers only: the server renders the
  // list with data-reorder-url and a drag handle just for them). Dropping an item posts the
  // complete new order as repeated "ids" and swaps in the re-rendered priorities block; a 409
  // (the list changed meanwhile) swaps in the current list with its message. Dragging starts
  // from the handle only, so text stays selectable; the up/down buttons of each priority
  // remain the keyboard path.
  // -----------------------------------------------------------------------------------------
  var dragged = null;

  function reorderItem(node) {
    var item = node instanceof Element ? node.closest("li[data-id]") : null;
    return item && item.parentNode instanceof Element &&
      item.parentNode.hasAttribute("data-reorder-url") ? item : null;
  }

  function clearDropIndicators(list) {
    list.querySelectorAll(".drop-before, .drop-after").forEach(function (li) {
      li.classList.remove("drop-before", "drop-after");
    });
  }

  function orderOf(list) {
    return Array.prototype.map.call(list.children, function (li) {
      return li.getAttribute("data-id");
    }).filter(Boolean);
  }

  document.addEventListener("pointerdown", function (event) {
    var handle = event.target instanceof Element ? event.target.closest(".drag-handle") : null;
    var item = handle ? reorderItem(handle) : null;
    if (item) item.setAttribute("draggable", "true");
  });

  document.addEventListener("pointerup", function () {
    // Pressed the handle without dragging: the item goes back to holding selectable text.
    if (dragged) return;
    document.querySelectorAll("[data-reorder-url] > li[draggable]").forEach(function (li) {
      li.removeAttribute("draggable");
    });
  });

  document.addEventListener("dragstart", function (event) {
    var item = reorderItem(event.target);
    if (!item || item.getAttribute("draggable") !== "true") return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
  });

  document.addEventListener("dragover", function (event) {
    var item = dragged ? reorderItem(event.target) : null;
    if (!item || item.parentNode !== dragged.parentNode) return;
    event.preventDefault();  // allows the drop here
    event.dataTransfer.dropEffect = "move";
    clearDropIndicators(item.parentNode);
    if (item === dragged) return;
    var box = item.getBoundingClientRect();
    item.classList.add(event.clientY < box.top + box.height / 2 ? "drop-before" : "drop-after");
  });

  document.addEventListener("drop", function (event) {
    var item = dragged ? reorderItem(event.target) : null;
    if (!item || item.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    var list = item.parentNode;
    var before = orderOf(list);
    var above = item.classList.contains("drop-before");
    clearDropIndicators(list);
    if (item !== dragged) list.insertBefore(dragged, above ? item : item.nextSibling);
    var after = orderOf(list);
    if (after.join(",") === before.join(",")) return;
    htmx.ajax("POST", list.getAttribute("data-reorder-url"), {
      source: list, target: "#priorities", swap: "outerHTML", values: { ids: after }
    });
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged.removeAttribute("draggable");
    if (dragged.parentNode) clearDropIndicators(dragged.parentNode);
    dragged = null;
  });
  // --- end of drag re-ranking ----------------------------------------------------------------
})();
