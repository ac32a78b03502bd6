/* Uploading a file on an item's file page: drop it on the file area or choose it and press
   Upload (the plain form works without this script). With the script, the file is sent in the
   background with a progress bar, a file over the limit is refused before it is sent (the
   server refuses it too), and the answer (the file list, or the form with its message)
   replaces the file area. Everything stays usable from the keyboard: the file input and the
   Upload button are ordinary controls. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function parts(form) {
    return {
      input: form.querySelector('input[type="file"]'),
      progress: form.querySelector(".upload-progress"),
      status: form.querySelector(".upload-status"),
      button: form.querySelector('button[type="submit"]'),
    };
  }

  function say(form, text, isError) {
    var p = parts(form);
    p.status.textContent = text;
    p.status.classList.toggle("error", Boolean(isError));
    if (isError) { p.input.setAttribute("aria-invalid", "true"); p.input.focus(); }
  }

  function replaceArea(form, html) {
    var area = document.querySelector(form.getAttribute("data-target"));
    if (!area) { window.location.reload(); return; }
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.firstElementChild;
    if (!fresh) { window.location.reload(); return; }
    area.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
    var message = fresh.querySelector('[role="alert"], [role="status"]');
    var input = fresh.querySelector('input[type="file"]');
    if (message && message.getAttribute("role") === "alert" && input) { input.focus(); }
  }

  function send(form, file) {
    var p = parts(form);
    var limit = Number(form.getAttribute("data-max-bytes"));
    if (!file) { say(form, "Choose a file to upload.", true); return; }
    if (limit && file.size > limit) {
      say(form, "“" + file.name + "” is too large: files up to " + form.getAttribute("data-limit") + " are taken.", true);
      return;
    }
    var data = new FormData();
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round((event.loaded / event.total) * 100);
      p.progress.value = percent;
      p.status.textContent = "Uploading “" + file.name + "”: " + percent + "%";
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 403 && !xhr.responseText) { say(form, "The page expired: reload it and try again.", true); return; }
      replaceArea(form, xhr.responseText);
    });
    xhr.addEventListener("error", function () {
      p.progress.hidden = true;
      p.button.disabled = false;
      say(form, "The upload did not go through. Check your connection and try again.", true);
    });
    p.progress.hidden = false;
    p.progress.value = 0;
    p.button.disabled = true;
    say(form, "Uploading “" + file.name + "”…", false);
    xhr.send(data);
  }

  function uploadForm(target) {
    return target && target.closest ? target.closest("form.upload") : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.upload")) { return; }
    event.preventDefault();
    var input = parts(form).input;
    send(form, input.files && input.files[0]);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = uploadForm(event.target);
      if (!form) { return; }
      event.preventDefault();
      form.classList.add("dragging");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var form = uploadForm(event.target);
    if (form && !form.contains(event.relatedTarget)) { form.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (event) {
    var form = uploadForm(event.target);
    if (!form) { return; }
    event.preventDefault();
    form.classList.remove("dragging");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length !== 1) { say(form, "Drop one file at a time.", true); return; }
    send(form, files[0]);
  });
})();
