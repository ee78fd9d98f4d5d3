// dashboard.js - the hive's dashboard: /status, /runners and /jobs, refreshed every 2 s.
// Every value is put in with textContent, never as HTML: job errors and runner names come
// from the outside.
"use strict";

const REFRESH_MS = 2000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fmtTime(t) {
  if (t === null || t === undefined) return "–";
  return new Date(t * 1000).toLocaleString();
}

function fmtAgo(t) {
  if (t === null || t === undefined) return "–";
  const s = Math.max(0, Date.now() / 1000 - t);
  if (s < 60) return Math.round(s) + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function fmtDuration(s) {
  if (s === null || s === undefined) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + (s % 60) + " s";
}

function pct(v) {
  return v === null || v === undefined ? "–" : v.toFixed(1) + " %";
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

function renderStatus(s) {
  const items = [
    ["orchestrator", s.orchestrator], ["version", s.version], ["uptime", fmtDuration(s.uptime_s)],
    ["executor", s.executor],
    ["CPU", pct(s.system.cpu_percent)], ["memory", pct(s.system.memory_percent)],
    ["disk", pct(s.system.disk_percent)],
    ["runners active", s.runners.active], ["runners available", s.runners.available],
    ["runners min / max", s.runners.min + " / " + s.runners.max], ["runners total", s.runners.total],
    ["pending", s.queue.pending], ["running", s.queue.running], ["completed", s.queue.completed],
    ["failed", s.queue.failed], ["cancelled", s.queue.cancelled],
  ];
  const dl = document.getElementById("status");
  dl.replaceChildren(...items.map(([k, v]) => {
    const d = el("div");
    d.append(el("dt", k), el("dd", v));
    return d;
  }));
}

function fillTable(id, rows, columns, emptyText) {
  const body = document.querySelector("#" + id + " tbody");
  if (rows.length === 0) {
    const tr = el("tr"), td = el("td", emptyText, "empty");
    td.colSpan = columns;
    tr.append(td);
    body.replaceChildren(tr);
    return;
  }
  body.replaceChildren(...rows);
}

function runnerRow(r) {
  const c = r.capability || {};
  const tr = el("tr");
  const gpu = c.cuda ? (c.gpus || 0) + " × " + Math.round((c.vram_mib || 0) / 1024) + " GiB" : "none";
  tr.append(el("td", r.id), el("td", r.host), el("td", r.executor),
    el("td", r.state, "state-" + r.state), el("td", c.cores, "num"),
    el("td", c.memory_mb !== undefined ? c.memory_mb + " MB" : "–", "num"), el("td", gpu),
    el("td", r.job === null || r.job === undefined ? "–" : "#" + r.job),
    el("td", r.pid === null || r.pid === undefined ? "–" : r.pid, "num"),
    el("td", fmtAgo(r.last_seen)));
  return tr;
}

function jobRow(j) {
  const tr = el("tr"), prog = el("td");
  if (j.progress !== null && j.progress !== undefined) {
    const p = el("progress");
    p.max = 1;
    p.value = j.progress;
    prog.append(p, " " + Math.round(j.progress * 100) + " %");
    if (j.eta_s !== null && j.eta_s !== undefined) prog.append(" (" + fmtDuration(j.eta_s) + " left)");
  } else {
    prog.textContent = "–";
  }
  tr.append(el("td", j.id, "num"), el("td", j.module), el("td", j.version), el("td", j.priority),
    el("td", j.cancel_requested && j.state === "running" ? "cancelling" : j.state, "state-" + j.state),
    el("td", j.runner || "–"), prog, el("td", j.attempts + " / " + j.max_attempts, "num"),
    el("td", fmtTime(j.submitted_at)), el("td", j.error || ""));
  return tr;
}

async function refresh() {
  const conn = document.getElementById("conn");
  try {
    const [status, runners, jobs] = await Promise.all([
      getJSON("/status"), getJSON("/runners"), getJSON("/jobs?limit=100")]);
    renderStatus(status);
    fillTable("runners", runners.runners.map(runnerRow), 10, "no runners");
    fillTable("jobs", jobs.jobs.map(jobRow), 10, "no jobs");
    conn.textContent = "updated " + new Date().toLocaleTimeString();
    conn.classList.remove("error");
  } catch (e) {
    conn.textContent = "cannot reach the hive: " + e.message;
    conn.classList.add("error");
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
