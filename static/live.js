// Live updates of the plan page. The htmx SSE extension keeps the page's event stream open
// (#live, sse-connect); an event names only a section, an item, an event id and who changed it.
// The changed section is fetched through its ordinary route and swapped in, marked briefly,
// unless the person is typing in it: then it keeps what they typed and gets a notice that
// loads the change when they choose to (saving a stale edit is refused with a 409 anyway).
// A burst of events for one section (a re-ranking, a comment and its count) fetches it once.
// The page connects from the last event it was rendered with (sse-connect's ?after=) and, each
// time it connects again (after a refusal or a closed stream), from the last one it received.
// These requests are the page's, not the person's: their failures show no error toast.
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]), textarea, select";
  var COALESCE_MS = 150;
  var pending = {}; // section name -> who changed it last, while its fetch waits
  // Sections whose figures follow from the others (the focus metrics).
  var DERIVED = { priorities: true, initiatives: true, actions: true, value: true, strategy: true };

  function live() {
    return document.getElementById("live");
  }

  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT" && field.multiple) {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    if (field.tagName === "SELECT") {
      // A list with no option marked selected starts on its first one (a blank "choose"):
      // that is not a change, though no option's defaultSelected says so.
      var initial = 0;
      Array.prototype.forEach.call(field.options, function (option, index) {
        if (option.defaultSelected) initial = index;
      });
      return field.selectedIndex !== initial;
    }
    return field.value !== field.defaultValue;
  }

  // Is the person typing in this section (a focused or changed field)?
  function busy(section) {
    var active = document.activeElement;
    if (active && section.contains(active) && active.matches(FIELDS)) return true;
    return Array.prototype.some.call(section.querySelectorAll(FIELDS), changed);
  }

  // What the person opened further in the section comes back open: a list shown a page at a
  // time (data-window: as many rows as it shows now) and lists fetched on demand (data-keep).
  function kept(section) {
    var params = new URLSearchParams();
    section.querySelectorAll("[data-window]").forEach(function (list) {
      var rows = list.querySelectorAll(":scope > li:not(.list-more)").length;
      params.set(list.getAttribute("data-window") + "_upto", String(rows));
    });
    section.querySelectorAll("[data-keep]").forEach(function (list) {
      new URLSearchParams(list.getAttribute("data-keep")).forEach(function (value, key) {
        params.set(key, value);
      });
    });
    var query = params.toString();
    return query ? "?" + query : "";
  }

  function load(name) {
    var box = live();
    var section = document.getElementById(name);
    if (!box || !section) return;
    var url = box.getAttribute("data-sections") + name + kept(section);
    htmx.ajax("GET", url, { target: section, swap: "outerHTML" }).then(
      function () {
        // Once htmx settled the new section (it puts its attributes back then), mark it.
        window.setTimeout(mark, (htmx.config.defaultSettleDelay || 20) + 30, name);
      },
      function () {} // failed: the next event for the section fetches it again
    );
  }

  function mark(name) {
    var fresh = document.getElementById(name);
    if (!fresh) return;
    fresh.classList.remove("live-changed");
    void fresh.offsetWidth; // restart the mark's animation
    fresh.classList.add("live-changed");
    window.setTimeout(function () {
      fresh.classList.remove("live-changed");
    }, 2500);
  }

  function notice(section, name, who) {
    var box = section.querySelector(":scope > .live-notice");
    if (!box) {
      box = document.createElement("div");
      box.className = "live-notice";
      box.setAttribute("role", "status");
      var text = document.createElement("span");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.textContent = "See the change";
      button.addEventListener("click", function () {
        load(name);
      });
      box.append(text, " ", button);
      var heading = section.querySelector("h2");
      if (heading) heading.after(box);
      else section.prepend(box);
    }
    box.querySelector("span").textContent =
      (who || "Someone") + " changed this just now —";
  }

  // Events for a section within COALESCE_MS of the first one are answered by one fetch.
  function refresh(name, who) {
    if (!document.getElementById(name)) return;
    var waiting = Object.prototype.hasOwnProperty.call(pending, name);
    pending[name] = who;
    if (waiting) return;
    window.setTimeout(function () {
      var last = pending[name];
      delete pending[name];
      var section = document.getElementById(name);
      if (!section) return;
      if (busy(section)) notice(section, name, last);
      else load(name);
    }, COALESCE_MS);
  }

  function onSection(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    // The person's own change (this tab's or another's): the page that made it shows it.
    if (data.mine) return;
    if (data.section === "plan") return reloadAll(data.by);
    refresh(data.section, data.by);
    if (DERIVED[data.section]) refresh("focus", data.by);
  }

  function reloadAll(who) {
    document.querySelectorAll("main section.panel[id]").forEach(function (section) {
      refresh(section.id, who);
    });
  }

  // The extension connects again with sse-connect as it is then: from the last event received.
  function received(event) {
    var box = live();
    if (!box || !event.lastEventId) return;
    box.setAttribute(
      "sse-connect",
      box.getAttribute("data-events") + "?after=" + encodeURIComponent(event.lastEventId)
    );
  }

  // Each (re)connection of the extension brings a new EventSource: listen on it.
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    if (!source || source.jpLive) return;
    source.jpLive = true;
    source.addEventListener("section", function (e) {
      received(e);
      onSection(e);
    });
    source.addEventListener("reload", function (e) {
      received(e);
      reloadAll("");
    });
  });

  // The page's own requests (a section, who is here) are retried by the next event: when one
  // fails, nothing is swapped and no toast is shown (the person's own requests still show one).
  function background(detail) {
    var path = detail && detail.pathInfo && detail.pathInfo.requestPath;
    var box = live();
    var presence = document.getElementById("presence");
    if (!path || !box) return false;
    return (
      path.indexOf(box.getAttribute("data-sections")) === 0 ||
      (presence !== null && path === presence.getAttribute("hx-get"))
    );
  }

  document.addEventListener(
    "htmx:beforeSwap",
    function (event) {
      if (event.detail.isError && background(event.detail)) event.detail.shouldSwap = false;
    },
    true
  );
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(
      name,
      function (event) {
        if (background(event.detail)) event.stopPropagation();
      },
      true
    );
  });
})();
