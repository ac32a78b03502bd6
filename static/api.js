// The API reference (api.html): the operations and schemas of /api/v1/openapi.json, listed
// as text. Everything is written with textContent: nothing in the document is markup.
(function () {
  "use strict";

  var DOCUMENT = "/api/v1/openapi.json";
  var METHODS = ["get", "post", "put", "patch", "delete"];

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function schemaName(ref) {
    return ref.split("/").pop();
  }

  // A schema in a few words: a link to a named one, "array of X", "X or null", a type.
  function typeOf(schema) {
    if (!schema) return el("span", "any");
    if (schema.$ref) {
      var link = el("a", schemaName(schema.$ref));
      link.href = "#schema-" + schemaName(schema.$ref);
      return link;
    }
    var span = el("span");
    var options = schema.anyOf || schema.oneOf;
    if (options) {
      options.forEach(function (option, i) {
        if (i) span.append(" or ");
        span.append(typeOf(option));
      });
      return span;
    }
    if (schema.type === "array") {
      span.append("array of ");
      span.append(typeOf(schema.items));
      return span;
    }
    var text = schema.type || "object";
    if (schema.format) text += " (" + schema.format + ")";
    if (schema.enum) text += ": " + schema.enum.join(", ");
    var limits = [];
    if (schema.minimum !== undefined) limits.push("≥ " + schema.minimum);
    if (schema.maximum !== undefined) limits.push("≤ " + schema.maximum);
    if (schema.maxLength !== undefined) limits.push("at most " + schema.maxLength + " characters");
    if (limits.length) text += ", " + limits.join(", ");
    span.textContent = text;
    return span;
  }

  function table(headings, rows) {
    var wrap = el("table", null, "table");
    var head = el("tr");
    headings.forEach(function (h) {
      var th = el("th", h);
      th.scope = "col";
      head.append(th);
    });
    var thead = el("thead");
    thead.append(head);
    wrap.append(thead);
    var body = el("tbody");
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell, i) {
        var td = el("td");
        td.setAttribute("data-label", headings[i]);
        td.append(cell instanceof Node ? cell : String(cell));
        tr.append(td);
      });
      body.append(tr);
    });
    wrap.append(body);
    return wrap;
  }

  function operation(path, method, op) {
    var section = el("article", null, "api-operation");
    var title = el("h3");
    title.append(el("span", method.toUpperCase(), "badge"), " ", el("code", "/api/v1" + path));
    section.append(title);
    if (op.summary) section.append(el("p", op.summary, "api-summary"));
    if (op.description) section.append(el("p", op.description, "hint"));
    var params = op.parameters || [];
    if (params.length) {
      section.append(el("h4", "Parameters"));
      section.append(table(["Name", "In", "Required", "Type", "About"], params.map(function (p) {
        return [el("code", p.name), p.in, p.required ? "yes" : "no", typeOf(p.schema), p.description || ""];
      })));
    }
    var body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    if (body) {
      var p = el("p");
      p.append("Body (application/json): ", typeOf(body.schema));
      section.append(el("h4", "Request body"), p);
    }
    var answers = Object.keys(op.responses || {}).map(function (status) {
      var answer = op.responses[status];
      var content = answer.content || {};
      var type = Object.keys(content)[0];
      var cell = el("span");
      if (type) cell.append(el("code", type), " ", typeOf(content[type].schema));
      return [status, answer.description || "", cell];
    });
    section.append(el("h4", "Answers"), table(["Status", "Meaning", "Body"], answers));
    return section;
  }

  function schema(name, s) {
    var section = el("article", null, "api-schema");
    var title = el("h3", name);
    title.id = "schema-" + name;
    section.append(title);
    if (s.description) section.append(el("p", s.description, "hint"));
    var required = s.required || [];
    var props = s.properties || {};
    section.append(table(["Field", "Type", "Required", "About"], Object.keys(props).map(function (key) {
      var prop = props[key];
      return [el("code", key), typeOf(prop), required.indexOf(key) >= 0 ? "yes" : "no", prop.description || ""];
    })));
    return section;
  }

  function show(doc) {
    var ops = document.getElementById("api-operations");
    Object.keys(doc.paths || {}).forEach(function (path) {
      METHODS.forEach(function (method) {
        var op = doc.paths[path][method];
        if (op) ops.append(operation(path, method, op));
      });
    });
    var schemas = (doc.components && doc.components.schemas) || {};
    var list = document.getElementById("api-schemas");
    Object.keys(schemas).sort().forEach(function (name) {
      list.append(schema(name, schemas[name]));
    });
    document.getElementById("api-status").textContent =
      (doc.info ? doc.info.title + ", version " + doc.info.version : "The API") + ".";
  }

  document.addEventListener("DOMContentLoaded", function () {
    fetch(DOCUMENT, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(show)
      .catch(function (error) {
        console.error("api.html:", error);
        document.getElementById("api-status").textContent =
          "The API's description could not be read; open " + DOCUMENT + " instead.";
      });
  });
})();
