// zohoportal front end: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function api(method, url, body, headers) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    Object.keys(headers || {}).forEach(function (key) { options.headers[key] = headers[key]; });
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function display(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "object") { return value.name || value.id || ""; }
    return String(value);
  }

  function randomKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- progress: a bar at the top while the portal waits on Zoho ----------------------------
  var progress = document.getElementById("progress");
  var progressStatus = document.getElementById("progress-status");
  var progressTimer = null;
  function busy(on, text) {
    if (!progress) { return; }
    window.clearTimeout(progressTimer);
    var main = document.getElementById("main");
    if (on) {
      // Shown after a short moment: a fast answer never flashes it.
      progressTimer = window.setTimeout(function () {
        progress.hidden = false;
        if (progressStatus) { progressStatus.textContent = text || "Loading…"; }
        if (main) { main.setAttribute("aria-busy", "true"); }
      }, 150);
    } else {
      progress.hidden = true;
      if (progressStatus) { progressStatus.textContent = ""; }
      if (main) { main.removeAttribute("aria-busy"); }
    }
  }
  window.zohoportalBusy = busy;
  // Back/forward from the page cache: nothing is loading any more.
  window.addEventListener("pageshow", function () {
    busy(false);
    document.querySelectorAll("button[data-busy-disabled]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-busy-disabled");
      if (button.getAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
    });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    if (link.target || link.hasAttribute("download") || link.origin !== window.location.origin) { return; }
    if (link.hash && link.pathname === window.location.pathname && link.search === window.location.search) { return; }
    busy(true, "Loading…");
  });

  // Forms that ask before doing something irreversible (e.g. disconnect).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Every form that goes to the server: the progress bar, and its submit buttons disabled
  // until the answer comes (a second click sends nothing; the server's one-time token
  // covers what gets through anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.id === "quick-create") { return; }
    var text = form.getAttribute("data-busy") || "Loading…";
    busy(true, text);
    if (form.method.toLowerCase() !== "post") { return; }
    var note = form.querySelector(".busy-note");
    if (note) { note.textContent = text; }
    window.setTimeout(function () {  // after the browser has read the clicked button
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.setAttribute("data-label", button.textContent);
        button.setAttribute("data-busy-disabled", "");
        button.disabled = true;
      });
    }, 0);
  });
  // A second submit of a form already on its way is dropped.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || form.id === "quick-create") { return; }
    if (form.getAttribute("data-sending") === "1") { event.preventDefault(); event.stopImmediatePropagation(); return; }
    window.setTimeout(function () { if (!event.defaultPrevented) { form.setAttribute("data-sending", "1"); } }, 0);
  }, true);
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) { form.removeAttribute("data-sending"); });
  });

  // The connection switcher and any select marked data-autosubmit submit once chosen;
  // without JavaScript their buttons do the same.
  document.querySelectorAll("#switch-connection, select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      busy(true, "Loading…");
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });

  // "Back" on an error page goes back in the browser's history when there is one.
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    if (window.history.length < 2) { return; }
    link.addEventListener("click", function (event) { event.preventDefault(); window.history.back(); });
  });

  // A form shown again with errors: the summary takes the focus, so it is read first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Menus (<details>) close on Escape and when clicking elsewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      var summaryNode = menu.querySelector("summary");
      if (summaryNode && menu.contains(document.activeElement)) { summaryNode.focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });

  // --- lookups chosen by name: an ARIA 1.2 combobox over /crm/api/<module>/lookup/ ---------
  // The server renders a text input for the related record's id (what works without
  // JavaScript). Here it becomes a hidden input that keeps the id (still what is sent),
  // and a visible combobox searches the related module by name.
  var comboCount = 0;
  function enhanceLookup(idInput) {
    comboCount += 1;
    var form = idInput.form;
    var target = idInput.getAttribute("data-lookup");
    var label = idInput.getAttribute("data-lookup-label") || "record";
    var moduleSelect = target === "se_module" && form ? form.elements["$se_module"] : null;
    var listId = "lookup-list-" + comboCount;
    var wrap = el("div", { "class": "combobox" });
    var box = el("input", {
      type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": listId, autocomplete: "off", name: idInput.name + "__name",
      placeholder: "Type to search by name",
    });
    var list = el("ul", { role: "listbox", id: listId, "class": "listbox", "aria-label": label + " matches" });
    list.hidden = true;
    // The visible box takes the id (so the field's label names it) and the descriptions.
    var ownId = idInput.id;
    idInput.id = ownId + "_value";
    box.id = ownId;
    ["aria-describedby", "aria-invalid", "aria-required", "required"].forEach(function (attr) {
      if (idInput.hasAttribute(attr)) { box.setAttribute(attr, idInput.getAttribute(attr)); }
    });
    idInput.parentNode.insertBefore(wrap, idInput);
    wrap.appendChild(box);
    wrap.appendChild(list);
    wrap.appendChild(idInput);
    idInput.type = "hidden";
    var help = document.getElementById(ownId + "_helptext");
    if (help) { help.textContent = "Type part of a name and choose from the list (arrow keys and Enter)."; }

    var chosenId = idInput.value;
    var chosenName = idInput.getAttribute("data-lookup-id") === idInput.value ? (idInput.getAttribute("data-lookup-name") || "") : "";
    box.value = chosenName || chosenId;
    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function moduleName() {
      if (!moduleSelect) { return target; }
      return moduleSelect.value;
    }
    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function open() {
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    }
    function status(text) {
      list.textContent = "";
      options = [];
      list.appendChild(el("li", { "class": "status", role: "option", "aria-disabled": "true" }, text));
      open();
    }
    function highlight(index) {
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        box.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }
    function choose(option) {
      chosenId = option.getAttribute("data-id");
      chosenName = option.textContent;
      idInput.value = chosenId;
      box.value = chosenName;
      close();
    }
    function search() {
      var module = moduleName();
      if (!module) { status("Choose the module first."); return; }
      var query = box.value.trim();
      if (query === chosenName) { query = ""; }
      var ticket = ++asked;
      status("Searching…");
      api("GET", "/crm/api/" + encodeURIComponent(module) + "/lookup/?q=" + encodeURIComponent(query)).then(function (answer) {
        if (ticket !== asked) { return; }  // an older answer than the one on screen
        if (!answer.ok) { status(answer.data.error ? answer.data.error.message : "Search failed."); return; }
        if (answer.data.hint) { status(answer.data.hint); return; }
        list.textContent = "";
        options = answer.data.data.map(function (item, i) {
          var option = el("li", { role: "option", id: listId + "-" + i, "data-id": item.id, "aria-selected": "false" }, item.name || item.id);
          option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(option); });
          list.appendChild(option);
          return option;
        });
        if (!options.length) { status("No " + label.toLowerCase() + " matches “" + query + "”."); return; }
        open();
        highlight(-1);
      }).catch(function () { if (ticket === asked) { status("The portal could not be reached."); } });
    }
    // What is sent follows the box: the chosen record's id, an id typed, or the text typed
    // (a name: the server takes the one record of that name, or says there is none or
    // several; crm/lookup_text.py). Typed text is never dropped.
    function sync() {
      var text = box.value.trim();
      if (text === "") { idInput.value = ""; chosenId = ""; chosenName = ""; }
      else if (chosenName && text === chosenName) { idInput.value = chosenId; }
      else { idInput.value = text; }
    }
    box.addEventListener("input", function () {
      sync();
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden || !options.length) { search(); return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + options.length) % options.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && options[active]) { event.preventDefault(); choose(options[active]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); event.stopPropagation(); close(); }
        else if (box.value) { box.value = ""; idInput.value = ""; chosenId = ""; chosenName = ""; }
      }
    });
    box.addEventListener("blur", function () {
      window.setTimeout(close, 100);
      sync();
    });
    if (moduleSelect) {
      moduleSelect.addEventListener("change", function () { box.value = ""; idInput.value = ""; chosenId = ""; chosenName = ""; });
    }
  }
  document.querySelectorAll("input[data-lookup]").forEach(enhanceLookup);

  // --- a record's related lists: each list's rows are read when it is opened ----------------
  // The page lists every related list closed, with its count; opening one asks the portal
  // for its first rows (an HTML fragment) once. Without JavaScript the list's "View all"
  // link is there instead.
  document.querySelectorAll("details.related-rows[data-rows-url]").forEach(function (details) {
    var loaded = false;
    details.addEventListener("toggle", function () {
      if (!details.open || loaded) { return; }
      loaded = true;
      var body = details.querySelector(".related-body");
      var fallback = body.innerHTML;
      body.setAttribute("aria-busy", "true");
      body.insertBefore(el("p", { "class": "loading" }, "Loading…"), body.firstChild);
      fetch(details.getAttribute("data-rows-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.text().then(function (html) { return { ok: response.ok, html: html }; });
        })
        .then(function (answer) {
          body.removeAttribute("aria-busy");
          if (!answer.ok) { throw new Error("refused"); }
          body.innerHTML = answer.html;
        })
        .catch(function () {
          loaded = false;  // opening it again tries again
          body.removeAttribute("aria-busy");
          body.innerHTML = fallback;
          body.insertBefore(el("p", { "class": "none" }, "These records could not be read just now."), body.firstChild);
        });
    });
  });
  // --- the home dashboard: each tile and the pipeline read after the page is shown ---------
  // The page shows a placeholder per part (its heading and links, aria-busy); each asks the
  // portal for its HTML fragment and is replaced by it. Without JavaScript the page links to
  // "?full=1", the dashboard read whole.
  var parts = document.querySelectorAll("[data-part-url]");
  var partsLeft = parts.length;
  var dashboardStatus = document.getElementById("dashboard-status");
  function partDone() {
    partsLeft -= 1;
    if (partsLeft === 0 && dashboardStatus) { dashboardStatus.textContent = "Dashboard loaded."; }
  }
  // Four at a time: each part's Zoho calls are one after another, so the org never has more
  // than four of the page's calls in flight (crm.zoho.runner.CONCURRENT_CALLS).
  var partQueue = Array.prototype.slice.call(parts);
  function nextPart() {
    var part = partQueue.shift();
    if (!part) { return; }
    fetch(part.getAttribute("data-part-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) { return { ok: response.ok, html: html }; });
      })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("refused"); }
        if (!answer.html.trim()) { part.remove(); return; }  // nothing to show (no pipeline)
        var holder = document.createElement("div");
        holder.innerHTML = answer.html.trim();
        if (holder.querySelector("[data-reconsent]")) {
          // Zoho refused the grant: said once, in place of every part (none is asked again).
          partQueue = [];
          var grid = document.querySelector(".dashboard");
          if (grid) { grid.replaceWith(holder.firstElementChild); }
          document.querySelectorAll("[data-part-url]").forEach(function (other) { other.remove(); });
          return;
        }
        part.replaceWith.apply(part, Array.prototype.slice.call(holder.children));
      })
      .catch(function () {
        part.removeAttribute("aria-busy");
        var body = part.querySelector(".loading");
        if (body) { body.classList.remove("loading"); body.textContent = "This could not be read just now; reload the page to try again."; }
      })
      .then(partDone)
      .then(nextPart);
  }
  for (var p = 0; p < 4; p += 1) { nextPart(); }
  // --- a list's view picker: Zoho's views are read when "View and filters" is opened --------
  // The plain list does not read them; opening the panel asks the portal for the picker (an
  // HTML fragment) once. Without JavaScript the "Choose a view" link reloads the list with it.
  document.querySelectorAll("details.filters-panel").forEach(function (details) {
    var picker = details.querySelector("#view-picker[data-picker-url]");
    if (!picker) { return; }
    var loading = false;
    var load = function () {
      if (!details.open || loading) { return; }
      loading = true;
      var fallback = picker.innerHTML;
      picker.setAttribute("aria-busy", "true");
      fetch(picker.getAttribute("data-picker-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.text().then(function (html) { return { ok: response.ok, html: html }; });
        })
        .then(function (answer) {
          picker.removeAttribute("aria-busy");
          if (!answer.ok) { throw new Error("refused"); }
          picker.innerHTML = answer.html;
          picker.removeAttribute("data-picker-url");
          details.removeEventListener("toggle", load);
        })
        .catch(function () {
          loading = false;  // opening it again tries again; the link still works
          picker.removeAttribute("aria-busy");
          picker.innerHTML = fallback;
        });
    };
    details.addEventListener("toggle", load);
    load();  // opened already (a filter is on)
  });

  // --- a record's Notes and Attachments cards: rows read when the card is seen ---------------
  // The page shows each card's count; its rows (an HTML fragment, crm/views/record_cards.py)
  // are asked for once, when the card scrolls into view or its "Show the …" link is
  // followed. Without JavaScript that link renders them in the page (?notes=shown).
  document.querySelectorAll(".card-rows[data-rows-url]").forEach(function (box) {
    var state = "idle";
    var fallback = box.innerHTML;
    var load = function () {
      if (state !== "idle") { return; }
      state = "loading";
      box.setAttribute("aria-busy", "true");
      box.insertBefore(el("p", { "class": "loading" }, "Loading…"), box.firstChild);
      fetch(box.getAttribute("data-rows-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.text().then(function (html) { return { ok: response.ok, html: html }; });
        })
        .then(function (answer) {
          box.removeAttribute("aria-busy");
          if (!answer.ok) { throw new Error("refused"); }
          box.innerHTML = answer.html;
          state = "loaded";
        })
        .catch(function () {
          state = "failed";  // its link still shows them, read with the page
          box.removeAttribute("aria-busy");
          box.innerHTML = fallback;
          box.insertBefore(el("p", { "class": "none" }, "These could not be read just now."), box.firstChild);
        });
    };
    var link = box.querySelector("a[data-rows-link]");
    if (link) {
      link.addEventListener("click", function (event) {
        if (state === "idle") { event.preventDefault(); load(); }
      });
    }
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; })) {
          seen.disconnect();
          load();
        }
      });
      seen.observe(box);
    }
  });
  // --- bulk edits (templates/records/_bulk_bar.html): "select all on this page" and a count;
  // without JavaScript the bar's "All on this page" does the same. ---------------------------
  var bulkForm = document.getElementById("bulk-form");
  var selectPage = document.getElementById("select-page");
  if (bulkForm && selectPage) {
    var rowBoxes = Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][form=bulk-form][name=ids]"));
    var bulkCount = document.getElementById("bulk-count");
    var scopeSelected = bulkForm.querySelector("input[name=scope][value=selected]");
    var showCount = function () {
      var ticked = rowBoxes.filter(function (box) { return box.checked; }).length;
      selectPage.checked = ticked > 0 && ticked === rowBoxes.length;
      selectPage.indeterminate = ticked > 0 && ticked < rowBoxes.length;
      if (bulkCount) { bulkCount.textContent = ticked ? "(" + ticked + " ticked)" : ""; }
      if (ticked && scopeSelected) { scopeSelected.checked = true; }
    };
    document.getElementById("select-page-label").hidden = false;
    selectPage.addEventListener("change", function () {
      rowBoxes.forEach(function (box) { box.checked = selectPage.checked; });
      showCount();
    });
    rowBoxes.forEach(function (box) { box.addEventListener("change", showCount); });
    showCount();
  }

  // --- a background job's page: its progress followed until it ends, then the result shown --
  var jobCard = document.getElementById("job");
  if (jobCard && ["queued", "running"].indexOf(jobCard.getAttribute("data-job-state")) >= 0) {
    var jobBar = document.getElementById("job-progress");
    var jobState = document.getElementById("job-state");
    var followJob = function () {
      api("GET", jobCard.getAttribute("data-job-api")).then(function (answer) {
        if (!answer.ok || !answer.data.job) { return; }
        var job = answer.data.job;
        if (jobBar) { jobBar.value = job.progress; jobBar.textContent = job.progress + "%"; }
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        if (jobState) { jobState.textContent = job.state === "queued" ? "Waiting for a worker to start it…" : "Running: " + job.progress + "% done."; }
        window.setTimeout(followJob, 1500);
      }).catch(function () { window.setTimeout(followJob, 5000); });
    };
    window.setTimeout(followJob, 1000);
  }

  // --- the data input page: create records and list them through the JSON API ---------------
  var form = document.getElementById("quick-create");
  if (!form) { return; }
  var apiUrl = form.getAttribute("data-api");
  var recordBase = form.getAttribute("data-record-base");
  var singular = form.getAttribute("data-singular") || "Record";
  var holder = document.getElementById("quick-fields");
  var statusLine = document.getElementById("quick-status");
  var table = document.getElementById("quick-list");
  var saveButton = form.querySelector("button[type=submit]");
  var fields = [];
  var saving = false;

  // The server describes each field's input (crm.fields.Field.describe): type, maxlength,
  // min/max/step, choices. The browser checks those before sending; the server checks all.
  var QUICK_INPUTS = ["text", "textarea", "email", "tel", "url", "select", "number", "date",
    "datetime-local", "checkbox"];

  // The server says which fields a short form asks for, in order (module.quick_fields).
  function renderFields(all, module) {
    var byName = {};
    all.forEach(function (f) { byName[f.api_name] = f; });
    fields = (module.quick_fields || []).map(function (name) { return byName[name]; }).filter(function (f) {
      return f && f.editable && f.input && QUICK_INPUTS.indexOf(f.input.type) >= 0;
    });
    holder.textContent = "";
    fields.forEach(function (f) {
      var id = "quick-" + f.api_name;
      var spec = f.input;
      var wrap = el("div", { "class": "field" + (spec.type === "checkbox" ? " checkbox" : "") });
      var label = el("label", { "for": id }, f.label);
      if (f.required) {
        label.appendChild(document.createTextNode(" "));
        label.appendChild(el("span", { "class": "required-mark", "aria-hidden": "true" }, "*"));
        label.appendChild(el("span", { "class": "visually-hidden" }, " (required)"));
      }
      var input;
      if (spec.type === "select") {
        input = el("select", { id: id, name: f.api_name });
        input.appendChild(el("option", { value: "" }, "-None-"));
        // Zoho's value is sent; the label shown is its display value.
        f.picklist.forEach(function (v, i) {
          var labels = f.picklist_labels || [];
          input.appendChild(el("option", { value: v }, labels[i] || v));
        });
      } else if (spec.type === "textarea") {
        input = el("textarea", { id: id, name: f.api_name, rows: "2" });
      } else {
        input = el("input", { id: id, name: f.api_name, type: spec.type });
        if (spec.type === "datetime-local") { input.setAttribute("step", "1"); }
      }
      ["maxlength", "min", "max", "step", "inputmode"].forEach(function (key) {
        if (spec[key] !== undefined && spec[key] !== null) { input.setAttribute(key, String(spec[key])); }
      });
      if (f.required && spec.type !== "checkbox") { input.setAttribute("required", ""); input.setAttribute("aria-required", "true"); }
      var error = el("span", { "class": "field-error", id: id + "-error" });
      input.setAttribute("aria-describedby", id + "-error");
      if (spec.type === "checkbox") { wrap.appendChild(input); wrap.appendChild(label); }
      else { wrap.appendChild(label); wrap.appendChild(input); }
      wrap.appendChild(error);
      holder.appendChild(wrap);
    });
  }

  // A number as the browser's number input reads it ("1e3" is 1000), never a prefix of it
  // (parseInt("1e3") is 1); NaN when it is not a number at all.
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  function number(text) { return NUMBER.test(text) ? Number(text) : NaN; }

  // The record to send, or {problem: {field, message}} for a value that cannot be one.
  function values() {
    var record = {};
    var problem = null;
    fields.forEach(function (f) {
      if (problem) { return; }
      var input = form.elements[f.api_name];
      var type = f.input.type;
      if (type === "checkbox") { if (input.checked) { record[f.api_name] = true; } return; }
      var value = input.value.trim();
      if (value === "") { return; }
      if (type === "number") {
        value = number(value);
        if (!isFinite(value)) { problem = { field: f, message: f.label + " must be a number." }; }
        else if (f.input.step === 1 && !Number.isInteger(value)) { problem = { field: f, message: f.label + " must be a whole number." }; }
      } else if (type === "datetime-local") { value = new Date(value + "Z").toISOString().replace(/\.\d{3}Z$/, "+00:00"); }
      record[f.api_name] = value;
    });
    return problem ? { problem: problem } : { record: record };
  }

  function clearErrors() {
    holder.querySelectorAll(".field-error").forEach(function (span) { span.textContent = ""; });
    holder.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
  }

  function showError(fieldName, message) {
    var span = document.getElementById("quick-" + fieldName + "-error");
    var input = form.elements[fieldName];
    if (span) { span.textContent = message; }
    if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); }
  }

  function loadList() {
    api("GET", apiUrl + "?sort_by=Created_Time&sort_order=desc&per_page=10").then(function (answer) {
      var head = table.querySelector("thead");
      var body = table.querySelector("tbody");
      head.textContent = "";
      body.textContent = "";
      if (!answer.ok) { statusLine.textContent = answer.data.error ? answer.data.error.message : "Could not list records."; return; }
      // The list answers with the fields it returns: show those, not the form's fields.
      var columns = (answer.data.columns || []).slice(0, 4);
      var row = el("tr");
      columns.forEach(function (f) { row.appendChild(el("th", { scope: "col" }, f.label)); });
      head.appendChild(row);
      answer.data.data.forEach(function (record) {
        var tr = el("tr", { "data-id": record.id });
        columns.forEach(function (f, index) {
          var td = el("td");
          if (index === 0) {
            td.className = "name";
            td.appendChild(el("a", { href: recordBase + record.id + "/" }, display(record[f.api_name]) || "(no name)"));
          } else {
            td.textContent = display(record[f.api_name]);
            td.setAttribute("data-label", f.label);
          }
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    });
  }

  // Checks the browser can make before anything is sent (required, email, length).
  function firstInvalid() {
    for (var i = 0; i < fields.length; i += 1) {
      var input = form.elements[fields[i].api_name];
      if (input && input.willValidate && !input.checkValidity()) {
        showError(fields[i].api_name, fields[i].label + ": " + input.validationMessage);
        input.focus();
        return fields[i];
      }
    }
    return null;
  }

  function nameOf(record) {
    var first = fields.length ? fields[0] : null;
    var text = "";
    ["Full_Name", "Last_Name", "Account_Name", "Deal_Name", "Subject", "Name"].some(function (key) {
      if (record[key]) { text = record[key]; return true; }
      return false;
    });
    return text || (first && record[first.api_name]) || "";
  }

  function setSaving(on) {
    saving = on;
    saveButton.disabled = on;
    saveButton.textContent = on ? "Saving…" : saveButton.getAttribute("data-label");
    form.setAttribute("aria-busy", on ? "true" : "false");
    busy(on, "Saving to Zoho…");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saving) { return; }  // Save is disabled while saving; Enter in a field lands here
    clearErrors();
    var invalid = firstInvalid();
    if (invalid) { statusLine.textContent = "Please correct " + invalid.label + "."; return; }
    var built = values();
    if (built.problem) {
      showError(built.problem.field.api_name, built.problem.message);
      statusLine.textContent = "Please correct " + built.problem.field.label + ".";
      return;
    }
    setSaving(true);
    statusLine.textContent = "Saving…";
    // One key per record: if this request is sent again (a retry), Zoho gets it once.
    api("POST", apiUrl, built.record, { "Idempotency-Key": randomKey() }).then(function (answer) {
      setSaving(false);
      if (answer.ok) {
        var id = answer.data.data.id;
        statusLine.textContent = "";
        statusLine.setAttribute("data-record-id", id);
        statusLine.appendChild(document.createTextNode(singular + " created: "));
        statusLine.appendChild(el("a", { href: recordBase + id + "/" }, nameOf(built.record) || "open it"));
        statusLine.appendChild(document.createTextNode("."));
        form.reset();
        loadList();
        return;
      }
      var error = answer.data.error || { message: "Could not create the record." };
      statusLine.textContent = error.message;
      if (error.field) { showError(error.field, error.message); }
    }).catch(function () {
      setSaving(false);
      statusLine.textContent = "The portal could not be reached.";
    });
  });

  holder.textContent = "Loading fields…";
  api("GET", form.getAttribute("data-fields-api")).then(function (answer) {
    if (!answer.ok) { holder.textContent = answer.data.error ? answer.data.error.message : "Could not load fields."; return; }
    renderFields(answer.data.data, answer.data.module || {});
    saveButton.setAttribute("data-label", saveButton.textContent);
    saveButton.hidden = false;
    loadList();
  });
})();
