// docs.js - renders the hive's OpenAPI 3.0 document (/openapi.json) as a reference page:
// operations grouped by tag, their parameters, bodies and responses, then the schemas.
// Text is put in with textContent, never as HTML.
"use strict";

const METHODS = ["get", "head", "post", "put", "patch", "delete"];

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function refName(ref) {
  return ref.split("/").pop();
}

// Follows a local "#/components/..." reference.
function resolve(doc, obj) {
  if (!obj || !obj.$ref) return obj;
  return obj.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o ? o[k] : undefined), doc);
}

// Appends a readable one-schema description to parent: links for references, nested fields
// indented below their object.
function schemaText(parent, s, indent) {
  const pad = "  ".repeat(indent);
  if (!s) { parent.append("any"); return; }
  if (s.$ref) {
    const a = el("a", refName(s.$ref));
    a.href = "#schema-" + refName(s.$ref);
    parent.append(a);
    return;
  }
  if (s.allOf) {
    s.allOf.forEach((part, i) => {
      if (i) parent.append(" + ");
      schemaText(parent, part, indent);
    });
    return;
  }
  let type = s.type || "any";
  if (type === "array") {
    parent.append("array of ");
    schemaText(parent, s.items, indent);
  } else if (type === "object" && s.properties) {
    parent.append("object {\n");
    const req = new Set(s.required || []);
    for (const [name, prop] of Object.entries(s.properties)) {
      parent.append(pad + "  " + name + (req.has(name) ? "" : "?") + ": ");
      schemaText(parent, prop, indent + 1);
      if (prop && prop.description) parent.append("  — " + prop.description);
      parent.append("\n");
    }
    if (s.additionalProperties === false) parent.append(pad + "  (no other fields)\n");
    parent.append(pad + "}");
  } else {
    parent.append(type + (s.format ? " (" + s.format + ")" : ""));
  }
  if (s.enum) parent.append(" one of " + s.enum.map((v) => JSON.stringify(v)).join(" | "));
  if (s.pattern) parent.append(" matching " + s.pattern);
  if (s.minimum !== undefined || s.maximum !== undefined)
    parent.append(" in " + (s.minimum ?? "…") + ".." + (s.maximum ?? "…"));
  if (s.default !== undefined) parent.append(" (default " + JSON.stringify(s.default) + ")");
  if (s.nullable) parent.append(" or null");
}

function schemaBlock(s) {
  const pre = el("div", null, "schema");
  schemaText(pre, s, 0);
  return pre;
}

function contentList(doc, content) {
  const frag = document.createDocumentFragment();
  for (const [type, media] of Object.entries(content || {})) {
    frag.append(el("p", type, "muted"), schemaBlock(media.schema));
  }
  return frag;
}

function securityText(doc, op) {
  const sec = op.security !== undefined ? op.security : doc.security || [];
  if (sec.length === 0) return "no token";
  return sec.map((req) => Object.keys(req).join(" + ")).join(" or ");
}

function renderParams(doc, params) {
  const table = el("table");
  const head = el("tr");
  ["name", "in", "required", "schema", "description"].forEach((h) => head.append(el("th", h)));
  table.append(head);
  params.map((p) => resolve(doc, p)).forEach((p) => {
    const tr = el("tr"), sc = el("td");
    sc.append(schemaBlock(p.schema));
    tr.append(el("td", p.name), el("td", p.in), el("td", p.required ? "yes" : "no"), sc,
      el("td", p.description || ""));
    table.append(tr);
  });
  return table;
}

function renderResponses(doc, responses) {
  const table = el("table");
  const head = el("tr");
  ["status", "description", "body"].forEach((h) => head.append(el("th", h)));
  table.append(head);
  for (const [code, raw] of Object.entries(responses)) {
    const r = resolve(doc, raw), tr = el("tr"), body = el("td");
    body.append(contentList(doc, r.content));
    for (const [name, h] of Object.entries(r.headers || {}))
      body.append(el("p", "header " + name + ": " + (h.description || ""), "muted"));
    tr.append(el("td", code), el("td", r.description || ""), body);
    table.append(tr);
  }
  return table;
}

function opId(path, method) {
  return "op-" + method + "-" + path.replace(/[^A-Za-z0-9]+/g, "-");
}

function renderOperation(doc, path, method, op) {
  const box = el("section", null, "op");
  box.id = opId(path, method);
  const h = el("h3");
  h.append(el("span", method, "method method-" + method), path);
  box.append(h, el("p", op.summary || "", ""), el("p", op.description || "", "muted"),
    el("p", "Auth: " + securityText(doc, op)));
  if (op.parameters && op.parameters.length) box.append(el("h4", "Parameters"), renderParams(doc, op.parameters));
  if (op.requestBody) {
    const rb = resolve(doc, op.requestBody);
    box.append(el("h4", "Request body" + (rb.required ? "" : " (optional)")));
    if (rb.description) box.append(el("p", rb.description));
    box.append(contentList(doc, rb.content));
  }
  box.append(el("h4", "Responses"), renderResponses(doc, op.responses || {}));
  return box;
}

function render(doc) {
  const main = document.getElementById("doc");
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.title = doc.info.title + " API reference";
  main.append(el("p", doc.info.description || ""));

  const schemes = (doc.components || {}).securitySchemes || {};
  main.append(el("h2", "Authentication"));
  const ul = el("ul");
  for (const [name, s] of Object.entries(schemes))
    ul.append(el("li", name + ": " + s.type + (s.scheme ? " " + s.scheme : "") + " — " + (s.description || "")));
  main.append(ul);

  const tags = (doc.tags || []).map((t) => t.name);
  const byTag = new Map(tags.map((t) => [t, []]));
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS)
      if (item[m]) {
        const tag = (item[m].tags || ["other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push([path, m, item[m]]);
      }
  main.append(el("h2", "Routes"));
  const toc = el("ul", null, "toc");
  for (const [tag, ops] of byTag)
    ops.forEach(([path, m, op]) => {
      const li = el("li"), a = el("a");
      a.href = "#" + opId(path, m);
      a.append(el("span", m, "method method-" + m), path);
      li.append(a, el("span", op.summary ? " — " + op.summary : "", "muted"));
      toc.append(li);
    });
  main.append(toc);
  for (const [tag, ops] of byTag) {
    const info = (doc.tags || []).find((t) => t.name === tag);
    main.append(el("h2", tag + " API"));
    if (info && info.description) main.append(el("p", info.description, "muted"));
    ops.forEach(([path, m, op]) => main.append(renderOperation(doc, path, m, op)));
  }

  main.append(el("h2", "Schemas"));
  for (const [name, s] of Object.entries((doc.components || {}).schemas || {})) {
    const h = el("h3", name);
    h.id = "schema-" + name;
    main.append(h);
    if (s.description) main.append(el("p", s.description, "muted"));
    main.append(schemaBlock(s));
  }
}

fetch("/openapi.json", { cache: "no-store" })
  .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
  .then((doc) => { render(doc); document.getElementById("conn").textContent = ""; })
  .catch((e) => {
    const c = document.getElementById("conn");
    c.textContent = "cannot load /openapi.json: " + e.message;
    c.classList.add("error");
  });
