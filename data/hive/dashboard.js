// dashboard.js - the hive's dashboard: status, runners, running jobs, the queue by priority
// and finished jobs, polled from the JSON API every 1.5 s; #job-ID shows one job (its loss and
// metric charts, attempts and its log, followed while it runs) and cancels it.
//
// Every value from the hive is put in with textContent or setAttribute, never as HTML: job
// errors, module and runner names come from the outside.  Rows are keyed by id and rebuilt
// only when what they show changed.
//
// One update fetches /status, /runners and /jobs?state=running, and at most one of the two
// longer lists: the queue (/jobs?state=pending) on even updates, the finished jobs
// (/jobs?state=S&limit=FINISHED_LIMIT for completed, failed and cancelled) on odd ones, each
// only when the counts in /status (or the set of running jobs) say it changed, or every
// STALE_EVERY updates regardless.  The first update after a page load fetches both.  That keeps
// one update well under 100 ms of the daemon's time with 50 runners and 1,000 queued jobs
// (tests/bench/bench-dashboard.sh measures these sets).
"use strict";

const REFRESH_MS = 1500;
const STALE_EVERY = 10;
const QUEUE_SHOWN = 200;
const FINISHED_LIMIT = 30;
const LOG_KEEP = 2 * 1024 * 1024;   // characters of log kept in the page
const TOKEN_KEY = "qtm-hive-operator-token";
const PRIORITY_RANK = { high: 0, medium: 1, low: 2 };
const FINAL = new Set(["completed", "failed", "cancelled"]);

const view = {
  polls: 0,
  queueKey: null,    // what the queue list was fetched for: pending count + running ids
  finishedKey: null, // and the finished lists: the finished counts
  running: new Map(),
  detail: null,      // { id, job, attempt, offset, decoder, done, lossKey, metricsKey }
  busy: false,
  sayUntil: 0,       // Date.now() until which a message stays in the status line
};

// ---- small helpers -------------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function setText(e, text) {
  text = String(text);
  if (e.textContent !== text) e.textContent = text;
}

function isNum(v) { return typeof v === "number" && Number.isFinite(v); }

function fmtTime(t) {
  return isNum(t) ? new Date(t * 1000).toLocaleString() : "–";
}

function fmtAgo(t) {
  if (!isNum(t)) return "–";
  const s = Math.max(0, Date.now() / 1000 - t);
  if (s < 60) return Math.round(s) + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function fmtDuration(s) {
  if (!isNum(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + (s % 60) + " s";
}

function pct(v) { return isNum(v) ? v.toFixed(1) + " %" : "–"; }

function jobLink(id) {
  const a = el("a", "#" + id);
  a.href = "#job-" + id;
  return a;
}

function linkCell(id) {
  const td = el("td");
  td.append(jobLink(id));
  return td;
}

function stateText(j) {
  return j.cancel_requested && j.state === "running" ? "cancelling" : j.state;
}

function stateCell(text, state) {
  return el("td", text, "state state-" + state);
}

function capabilityText(c) {
  c = c || {};
  let s = (c.cores ?? "?") + " cores, " + (isNum(c.memory_mb) ? Math.round(c.memory_mb / 1024 * 10) / 10 + " GiB" : "? GiB");
  if (c.cuda || c.gpus) s += ", " + (c.gpus || 0) + " GPU" + (isNum(c.vram_mib) ? " (" + Math.round(c.vram_mib / 1024) + " GiB)" : "");
  return s;
}

function resourcesText(r) {
  r = r || {};
  const parts = [];
  if (isNum(r.cpus)) parts.push(r.cpus + " CPU");
  if (isNum(r.memory_mb)) parts.push(r.memory_mb + " MB");
  if (r.gpu && r.gpu !== "none") parts.push("GPU " + r.gpu + (r.min_vram_gib ? " ≥ " + r.min_vram_gib + " GiB" : ""));
  return parts.join(", ") || "–";
}

function progressCell(j) {
  const td = el("td");
  if (!isNum(j.progress)) { td.textContent = "–"; return td; }
  const p = el("progress");
  p.max = 1;
  p.value = j.progress;
  p.setAttribute("aria-label", "job " + j.id + " progress");
  td.append(p, " " + Math.round(j.progress * 100) + " %");
  if (isNum(j.eta_s)) td.append(el("span", " (" + fmtDuration(j.eta_s) + " left)", "muted"));
  return td;
}

function lossKey(loss) {
  const n = (loss || []).length;
  return n ? n + ":" + loss[n - 1].join(",") : "0";
}

function sparkCell(j) {
  const td = el("td", null, "spark-cell");
  if ((j.loss || []).length) td.append(sparkline(j.loss, "job " + j.id + " loss"));
  else td.textContent = "–";
  return td;
}

function metricsText(m) {
  if (!m || typeof m !== "object") return "–";
  return Object.entries(m).filter(([, v]) => isNum(v))
    .map(([k, v]) => k + " " + (+v.toPrecision(4))).join(", ") || "–";
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

// ---- keyed tables ----------------------------------------------------------------------------

// Shows items in tbody in order, one row each: a row is rebuilt (build(item)) only when
// sig(item) changed since it was drawn; refresh(tr, item) updates the cheap volatile cells of
// kept rows (times "ago").
function syncRows(tbody, items, key, sig, build, refresh, emptyText) {
  const old = tbody._rows || new Map(), rows = new Map();
  items.forEach((item, i) => {
    const k = key(item), s = sig(item), prev = old.get(k);
    let tr;
    if (prev && prev.sig === s) {
      tr = prev.tr;
      if (refresh) refresh(tr, item);
    } else {
      tr = build(item);
      tr.dataset.key = k;
      if (prev) prev.tr.replaceWith(tr);
    }
    rows.set(k, { sig: s, tr });
    const at = tbody.children[i];
    if (at !== tr) tbody.insertBefore(tr, at || null);
  });
  for (const [k, r] of old) if (!rows.has(k)) r.tr.remove();
  while (tbody.children.length > items.length) tbody.lastElementChild.remove();
  tbody._rows = rows;
  if (items.length === 0) {
    const tr = el("tr"), td = el("td", emptyText, "empty");
    td.colSpan = tbody.parentElement.querySelectorAll("thead th").length;
    tr.append(td);
    tbody.append(tr);
  }
}

function tbodyOf(id) { return document.querySelector("#" + id + " tbody"); }

// ---- the overview --------------------------------------------------------------------------

function renderStatus(s) {
  const items = [
    ["orchestrator", s.orchestrator], ["version", s.version], ["uptime", fmtDuration(s.uptime_s)],
    ["executor", s.executor],
    ["CPU", pct(s.system.cpu_percent)], ["memory", pct(s.system.memory_percent)],
    ["disk", pct(s.system.disk_percent)],
    ["runners busy / total", s.runners.busy + " / " + s.runners.total],
    ["runners min / max", s.runners.min + " / " + s.runners.max],
    ["pending", s.queue.pending], ["running", s.queue.running], ["completed", s.queue.completed],
    ["failed", s.queue.failed], ["cancelled", s.queue.cancelled],
  ];
  const dl = $("status");
  if (dl.children.length !== items.length) {
    dl.replaceChildren(...items.map(([k]) => {
      const d = el("div");
      d.append(el("dt", k), el("dd"));
      return d;
    }));
  }
  items.forEach(([, v], i) => setText(dl.children[i].lastElementChild, v ?? "–"));
}

function runnerRow(r) {
  const tr = el("tr"), job = el("td");
  if (r.job !== null && r.job !== undefined) job.append(jobLink(r.job)); else job.textContent = "–";
  const j = view.running.get(r.job);
  tr.append(el("th", r.id), stateCell(r.state, r.state), job,
    j ? progressCell(j) : el("td", "–"), el("td", r.host), el("td", r.executor),
    el("td", capabilityText(r.capability)), el("td", fmtAgo(r.last_seen), "ago"));
  tr.firstChild.scope = "row";
  return tr;
}

function runnerSig(r) {
  const j = view.running.get(r.job);
  return JSON.stringify([r.state, r.job, r.host, r.executor, r.capability,
    j ? [j.progress, j.eta_s] : null]);
}

function refreshAgo(tr, r) { setText(tr.querySelector(".ago"), fmtAgo(r.last_seen)); }

function cancelButton(j) {
  const b = el("button", "Cancel…", "danger small");
  b.type = "button";
  b.dataset.job = j.id;
  b.setAttribute("aria-label", "Cancel job " + j.id + " (" + j.module + ")");
  b.disabled = !!j.cancel_requested;
  b.addEventListener("click", () => cancelJob(j));
  return b;
}

function runningRow(j) {
  const tr = el("tr"), act = el("td"), prog = progressCell(j);
  act.append(cancelButton(j));
  if (j.cancel_requested) prog.prepend(el("span", "cancelling ", "state-cancelled"));
  tr.append(linkCell(j.id), el("td", j.module + " " + j.version),
    el("td", j.priority, "prio-" + j.priority), el("td", j.runner || "–"), prog, sparkCell(j),
    el("td", fmtTime(j.started_at)), el("td", j.attempts + " / " + j.max_attempts, "num"), act);
  return tr;
}

function runningSig(j) {
  return JSON.stringify([j.progress, j.eta_s, j.runner, j.cancel_requested, j.attempts, lossKey(j.loss)]);
}

function queueNote(j) {
  const now = Date.now() / 1000, notes = [];
  if (isNum(j.not_before) && j.not_before > now) notes.push("retry after " + new Date(j.not_before * 1000).toLocaleTimeString());
  if ((j.depends_on || []).length) notes.push("needs " + j.depends_on.length + " build" + (j.depends_on.length > 1 ? "s" : ""));
  if (j.attempts > 0) notes.push("attempt " + (j.attempts + 1) + " of " + j.max_attempts);
  if (j.error) notes.push(j.error);
  return notes.join("; ");
}

function queueRow(j, pos) {
  const tr = el("tr"), act = el("td");
  act.append(cancelButton(j));
  tr.append(el("td", pos, "num"), linkCell(j.id),
    el("td", j.module + " " + j.version), el("td", j.priority, "prio-" + j.priority),
    el("td", fmtDuration(j.estimate_s)), el("td", resourcesText(j.resources)),
    el("td", fmtTime(j.submitted_at)), el("td", queueNote(j)), act);
  return tr;
}

function byPriority(a, b) {
  return (PRIORITY_RANK[a.priority] ?? 1) - (PRIORITY_RANK[b.priority] ?? 1) ||
    a.submitted_at - b.submitted_at || a.id - b.id;
}

function finishedRow(j) {
  const tr = el("tr");
  const took = isNum(j.finished_at) && isNum(j.started_at) ? fmtDuration(j.finished_at - j.started_at) : "–";
  tr.append(linkCell(j.id), el("td", j.module + " " + j.version),
    stateCell(j.state, j.state), el("td", j.runner || "–"), sparkCell(j), el("td", metricsText(j.metrics)),
    el("td", fmtTime(j.finished_at)), el("td", took), el("td", j.error || "", "error-text"));
  return tr;
}

function renderQueue(pending) {
  pending.sort(byPriority);
  const shown = pending.slice(0, QUEUE_SHOWN);
  const pos = new Map(shown.map((j, i) => [j.id, i + 1]));
  syncRows(tbodyOf("queue"), shown, (j) => j.id,
    (j) => JSON.stringify([pos.get(j.id), j.not_before, j.attempts, j.error, j.cancel_requested]),
    (j) => queueRow(j, pos.get(j.id)), null, "the queue is empty");
  setText($("queue-count"), pending.length > QUEUE_SHOWN ? "(by priority, first " + QUEUE_SHOWN + " of " +
    pending.length + ")" : "(" + pending.length + ", by priority)");
}

function renderFinished(lists) {
  const all = [].concat(...lists.map((l) => l.jobs));
  all.sort((a, b) => (b.finished_at || 0) - (a.finished_at || 0) || b.id - a.id);
  const shown = all.slice(0, FINISHED_LIMIT);
  syncRows(tbodyOf("finished"), shown, (j) => j.id,
    (j) => JSON.stringify([j.state, j.finished_at, j.error, j.metrics, lossKey(j.loss)]),
    finishedRow, null, "no finished jobs");
  setText($("finished-count"), "(newest " + shown.length + ")");
}

async function refreshOverview() {
  const [status, runners, running] = await Promise.all([
    getJSON("/status"), getJSON("/runners"), getJSON("/jobs?state=running")]);
  view.running = new Map(running.jobs.map((j) => [j.id, j]));
  const q = status.queue, n = view.polls % STALE_EVERY, first = view.queueKey === null || view.finishedKey === null;
  const queueKey = JSON.stringify([q.pending, running.jobs.map((j) => j.id)]);
  const finishedKey = JSON.stringify([q.completed, q.failed, q.cancelled]);
  const wantQueue = first || (n % 2 === 0 && (queueKey !== view.queueKey || n === 0));
  const wantFinished = first || (n % 2 === 1 && (finishedKey !== view.finishedKey || n === 5));
  const [pending, ...finished] = await Promise.all([
    wantQueue ? getJSON("/jobs?state=pending") : null,
    ...(wantFinished ? ["completed", "failed", "cancelled"] : []).map((s) =>
      getJSON("/jobs?state=" + s + "&limit=" + FINISHED_LIMIT))]);
  renderStatus(status);
  syncRows(tbodyOf("runners"), runners.runners, (r) => r.id, runnerSig, runnerRow, refreshAgo, "no runners");
  setText($("runners-count"), "(" + runners.runners.length + ")");
  syncRows(tbodyOf("running"), running.jobs, (j) => j.id, runningSig, runningRow, null, "nothing is running");
  setText($("running-count"), "(" + running.jobs.length + ")");
  if (pending) {
    renderQueue(pending.jobs);
    view.queueKey = queueKey;
  }
  if (finished.length) {
    renderFinished(finished);
    view.finishedKey = finishedKey;
  }
}

// ---- one job ---------------------------------------------------------------------------------

function openDetail(id) {
  view.detail = { id, job: null, attempt: 0, offset: 0, decoder: null, done: false, lossKey: null, metricsKey: null };
  $("overview").hidden = true;
  $("detail").hidden = false;
  setText($("detail-h"), "Job #" + id);
  document.title = "job " + id + " · qtm hive";
  $("detail-facts").replaceChildren();
  $("detail-loss").replaceChildren();
  $("detail-metrics").replaceChildren();
  tbodyOf("attempts").replaceChildren();
  $("log").textContent = "";
  setText($("log-state"), "");
  $("detail-h").focus();
}

function closeDetail() {
  view.detail = null;
  $("detail").hidden = true;
  $("overview").hidden = false;
  document.title = "qtm hive";
  view.queueKey = view.finishedKey = null;   // fetch the lists at once
}

function renderFacts(j) {
  const facts = [
    ["module", j.module + " " + j.version], ["state", stateText(j)], ["priority", j.priority],
    ["runner", j.runner || "–"], ["progress", isNum(j.progress) ? Math.round(j.progress * 100) + " %" : "–"],
    ["time left", fmtDuration(j.eta_s)], ["estimate", fmtDuration(j.estimate_s)],
    ["attempts", j.attempts + " / " + j.max_attempts], ["resources", resourcesText(j.resources)],
    ["submitted", fmtTime(j.submitted_at)], ["started", fmtTime(j.started_at)],
    ["finished", fmtTime(j.finished_at)], ["build id", j.build_id],
    ["artifact", j.artifact ? j.artifact.size + " bytes, sha256 " + j.artifact.sha256 : "–"],
    ["error", j.error || "–"],
  ];
  const dl = $("detail-facts");
  if (dl.children.length !== facts.length)
    dl.replaceChildren(...facts.map(([k]) => { const d = el("div"); d.append(el("dt", k), el("dd")); return d; }));
  facts.forEach(([k, v], i) => {
    const dd = dl.children[i].lastElementChild;
    setText(dd, v);
    if (k === "state") dd.className = "state-" + j.state;
    if (k === "build id" || k === "artifact") dd.classList.add("mono");
  });
}

function renderJob(j) {
  const d = view.detail;
  d.job = j;
  setText($("detail-h"), "Job #" + j.id + " · " + j.module + " " + j.version);
  renderFacts(j);
  const cancel = $("detail-cancel");
  cancel.hidden = FINAL.has(j.state);
  cancel.disabled = !!j.cancel_requested;
  setText(cancel, j.cancel_requested ? "Cancel requested" : "Cancel job…");
  const lk = lossKey(j.loss);
  if (lk !== d.lossKey) {
    $("detail-loss").replaceChildren(lineChart(j.loss, { label: "loss of job " + j.id, relative: true,
      xLabel: "seconds since the first point" }));
    d.lossKey = lk;
  }
  const mk = JSON.stringify(j.metrics);
  if (mk !== d.metricsKey) {
    const charts = metricCharts(j.metrics);
    $("detail-metrics").replaceChildren(...(charts.length ? charts : [el("p", FINAL.has(j.state) ?
      "no metrics reported" : "metrics come when the training ends", "muted")]));
    d.metricsKey = mk;
  }
  syncRows(tbodyOf("attempts"), j.attempt_log || [], (a) => a.attempt, (a) => JSON.stringify(a), (a) => {
    const tr = el("tr");
    tr.append(el("td", a.attempt, "num"), el("td", a.runner || "–"), el("td", fmtTime(a.started_at)),
      el("td", fmtTime(a.finished_at)), stateCell(a.outcome || "running", a.outcome || "running"),
      el("td", a.error || "", "error-text"));
    return tr;
  }, null, "not started yet");
}

// Appends the log's new bytes; a new attempt starts a new section.
async function followLog() {
  const d = view.detail, j = d.job;
  if (!j || j.attempts < 1 || d.done) return;
  const log = $("log");
  if (j.attempts !== d.attempt) {
    if (d.attempt) log.append("\n");
    log.append("── attempt " + j.attempts + " ──\n");
    d.attempt = j.attempts;
    d.offset = 0;
    d.decoder = new TextDecoder("utf-8");
  }
  const r = await fetch("/jobs/" + d.id + "/logs?attempt=" + d.attempt + "&offset=" + d.offset, { cache: "no-store" });
  if (!r.ok) throw new Error("log of job " + d.id + ": HTTP " + r.status);
  const text = d.decoder.decode(await r.arrayBuffer(), { stream: true });
  const next = Number(r.headers.get("X-Qtm-Log-Offset")), state = r.headers.get("X-Qtm-Job-State");
  if (view.detail !== d) return;
  if (Number.isFinite(next)) d.offset = next;
  if (text) {
    log.append(text);
    if (log.textContent.length > LOG_KEEP) log.textContent = "…\n" + log.textContent.slice(-LOG_KEEP);
    if ($("log-follow").checked) log.scrollTop = log.scrollHeight;
  }
  d.done = FINAL.has(state) && j.attempts === d.attempt && FINAL.has(j.state);
  setText($("log-state"), d.done ? "(" + state + ", complete)" : "(" + (state || "?") + ", following)");
}

async function refreshDetail() {
  const d = view.detail;
  const j = await getJSON("/jobs/" + d.id);
  if (view.detail !== d) return;
  renderJob(j);
  await followLog();
}

// ---- cancel and the operator token ------------------------------------------------------------

function ask(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
    dialog.showModal();
  });
}

async function askToken() {
  $("token-input").value = "";
  if (await ask($("token-dialog")) !== "ok") return null;
  const t = $("token-input").value.trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  updateTokenButton();
  return t || null;
}

function updateTokenButton() {
  setText($("token-btn"), sessionStorage.getItem(TOKEN_KEY) ? "Operator token set (change)" : "Set operator token");
}

// A message in the status line, kept there for 10 s (or until the next failed update).
function say(text, error) {
  const c = $("conn");
  c.textContent = text;
  c.classList.toggle("error", !!error);
  view.sayUntil = Date.now() + 10000;
}

async function cancelJob(j) {
  setText($("confirm-text"), "Cancel job #" + j.id + " (" + j.module + " " + j.version + ", " + j.state +
    (j.runner ? " on " + j.runner : "") + ")?" + (j.state === "running" ?
    " Its runner stops the training at its next heartbeat." : ""));
  if (await ask($("confirm-dialog")) !== "ok") return;
  for (let tries = 0; tries < 2; tries++) {
    const token = sessionStorage.getItem(TOKEN_KEY) || await askToken();
    if (!token) { say("job #" + j.id + " not cancelled: no operator token", true); return; }
    let r;
    try {
      r = await fetch("/jobs/" + j.id + "/cancel", { method: "POST", headers: { Authorization: "Bearer " + token } });
    } catch (e) {
      say("job #" + j.id + " not cancelled: " + e.message, true);
      return;
    }
    if (r.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      updateTokenButton();
      say("the operator token was refused", true);
      continue;
    }
    let body = {};
    try { body = await r.json(); } catch (e) { /* an empty or broken body: the status says enough */ }
    if (!r.ok) { say("job #" + j.id + " not cancelled: " + (body.error || "HTTP " + r.status), true); return; }
    say("job #" + j.id + (body.state === "cancelled" ? " cancelled" : ": cancel requested"), false);
    view.queueKey = view.finishedKey = null;
    tick();
    return;
  }
}

// ---- the loop --------------------------------------------------------------------------------

async function tick() {
  if (view.busy) return;
  view.busy = true;
  try {
    if (view.detail) await refreshDetail(); else await refreshOverview();
    view.polls++;
    if (Date.now() > view.sayUntil) {
      $("conn").classList.remove("error");
      setText($("conn"), "updated " + new Date().toLocaleTimeString());
    }
  } catch (e) {
    say("cannot reach the hive: " + e.message, true);
    view.sayUntil = 0;
  } finally {
    view.busy = false;
  }
}

function route() {
  const m = /^#job-(\d+)$/.exec(location.hash);
  if (m) openDetail(Number(m[1]));
  else if (view.detail) closeDetail();
  tick();
}

$("token-btn").addEventListener("click", askToken);
$("detail-cancel").addEventListener("click", () => { if (view.detail && view.detail.job) cancelJob(view.detail.job); });
$("log").addEventListener("scroll", () => {
  const log = $("log");
  $("log-follow").checked = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
});
window.addEventListener("hashchange", route);
updateTokenButton();
route();
setInterval(tick, REFRESH_MS);
