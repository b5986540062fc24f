// zohoportal front end: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function api(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
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

  // The connection switcher (and any select marked data-autosubmit) submits once chosen;
  // without JavaScript their buttons do the same.
  var switcher = document.getElementById("switch-connection");
  if (switcher) {
    switcher.addEventListener("change", function () { switcher.form.submit(); });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Forms that ask before doing something irreversible (e.g. disconnect).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // The data input page: create records and list them through the JSON API.
  var form = document.getElementById("quick-create");
  if (!form) { return; }
  var apiUrl = form.getAttribute("data-api");
  var holder = document.getElementById("quick-fields");
  var statusLine = document.getElementById("quick-status");
  var table = document.getElementById("quick-list");
  var fields = [];

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
      var wrap = el("div", { "class": "field" });
      var label = el("label", { "for": id }, f.label + (f.required ? " *" : ""));
      var input;
      if (spec.type === "select") {
        input = el("select", { id: id, name: f.api_name });
        input.appendChild(el("option", { value: "" }, "—"));
        f.picklist.forEach(function (v) { input.appendChild(el("option", { value: v }, v)); });
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
      var error = el("span", { "class": "field-error", id: id + "-error", role: "alert" });
      input.setAttribute("aria-describedby", id + "-error");
      wrap.appendChild(label);
      wrap.appendChild(input);
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
            var link = el("a", { href: apiUrl.replace("/api/", "/") + record.id + "/" }, display(record[f.api_name]) || record.id);
            td.appendChild(link);
          } else {
            td.textContent = display(record[f.api_name]);
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
        var span = document.getElementById("quick-" + fields[i].api_name + "-error");
        if (span) { span.textContent = fields[i].label + ": " + input.validationMessage; }
        input.focus();
        return fields[i];
      }
    }
    return null;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var invalid = firstInvalid();
    if (invalid) { statusLine.textContent = "Please correct " + invalid.label + "."; return; }
    var built = values();
    if (built.problem) {
      var problemSpan = document.getElementById("quick-" + built.problem.field.api_name + "-error");
      if (problemSpan) { problemSpan.textContent = built.problem.message; }
      statusLine.textContent = "Please correct " + built.problem.field.label + ".";
      return;
    }
    statusLine.textContent = "Saving…";
    api("POST", apiUrl, built.record).then(function (answer) {
      if (answer.ok) {
        statusLine.textContent = "Created record " + answer.data.data.id + ".";
        form.reset();
        loadList();
        return;
      }
      var error = answer.data.error || { message: "Could not create the record." };
      statusLine.textContent = error.message;
      if (error.field) {
        var span = document.getElementById("quick-" + error.field + "-error");
        if (span) { span.textContent = error.message; }
      }
    }).catch(function () { statusLine.textContent = "The portal could not be reached."; });
  });

  holder.textContent = "Loading fields…";
  api("GET", form.getAttribute("data-fields-api")).then(function (answer) {
    if (!answer.ok) { holder.textContent = answer.data.error ? answer.data.error.message : "Could not load fields."; return; }
    renderFields(answer.data.data, answer.data.module || {});
    form.querySelector("button[type=submit]").hidden = false;
    loadList();
  });
})();
