// HookRelay's page: the cluster's and one instance's timeline, each sink's delivery status and the
// dead letters with replay, from the daemon's own API (docs/observability.md). Plain JavaScript,
// bundled into the daemon: nothing is fetched from elsewhere. Text from events is only ever set
// as textContent, never parsed as HTML.
"use strict";

const TokenKey = "hookrelay.web.token";
const PageLimit = 500;
const MaxEvents = 2000;
const MaxLanes = 40;
const RefreshMs = 10000;

const state = {
  token: sessionStorage.getItem(TokenKey),
  items: [],          // newest first: {row, text, event, deliveries}
  selected: null,     // the selected event's row
  instance: null,     // the instance whose timeline is shown, or null for the whole cluster
  loading: null,
};

class Unauthorized extends Error {}

const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "style") Object.assign(node.style, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The token as every request to the daemon carries it (no cookie: see docs/observability.md).
function authorization() {
  return state.token ? { Authorization: "Bearer " + state.token } : {};
}

async function api(path, options) {
  const headers = Object.assign({}, (options && options.headers) || {}, authorization());
  const response = await fetch(path, Object.assign({ cache: "no-store" }, options, { headers }));
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${(await response.text()).trim()}`);
  return response.json();
}

// ---- what an event is, for drawing ----

function hookOf(event) {
  const match = /^org\.ganeti\.(.+)\.(pre|post)$/.exec(event.type || "");
  return match ? { hook: match[1], phase: match[2] } : { hook: null, phase: null };
}

const Kinds = [
  ["move", /^(instance-(migrate|failover|move)|node-(migrate|evacuate)|master-ip-turn(up|down))$/],
  ["disk", /^(disk-grow|instance-(activate|deactivate|recreate)-disks)$/],
  ["power", /^instance-(start|stop|reboot)$/],
  ["life", /^(instance-(add|modify|rename|remove|reinstall|change-group|export)|node-(add|modify|remove))$/],
];

function kindOf(item) {
  const event = item.event;
  const data = event.data || {};
  if ((event.type || "").startsWith("org.hookrelay.")) {
    return /failed|dead/.test(event.type) ? "failed" : "action";
  }
  // A step of a job in Ganeti's queue: its failure is news, the rest is how it went.
  if ((event.type || "").startsWith("org.ganeti.job.")) {
    return /\.(error|canceled)$/.test(event.type) ? "failed" : "other";
  }
  if ((data.gates || []).some((g) => g.allowed === false)) return "deny";
  const { hook } = hookOf(event);
  for (const [kind, pattern] of Kinds) if (hook && pattern.test(hook)) return kind;
  return "other";
}

function laneOf(event) {
  return event.subject || (event.data && event.data.target) || (event.data && event.data.cluster) || "cluster";
}

function timeOf(event) {
  return Date.parse(event.time);
}

// An operation with a measured duration (the post hook's timing) is a bar from its start to its end.
// HookRelay's own events (an action's outcome) carry their trigger's data, timing included: a dot.
function spanOf(item) {
  const own = (item.event.type || "").startsWith("org.hookrelay.");
  const timing = !own && item.event.data && item.event.data.timing;
  const end = timeOf(item.event);
  if (timing && typeof timing.duration_ms === "number") {
    const start = timing.started_at ? Date.parse(timing.started_at) : end - timing.duration_ms;
    return { start: Math.min(start, end), end, duration: timing.duration_ms };
  }
  return { start: end, end, duration: null };
}

// ---- formatting ----

const pad = (n, width = 2) => String(n).padStart(width, "0");

function clock(ms, withSeconds = true) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? ":" + pad(d.getSeconds()) : ""}`;
}

function day(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function when(ms) {
  return day(ms) === day(Date.now()) ? clock(ms) : `${day(ms)} ${clock(ms, false)}`;
}

function duration(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
  if (ms < 3600000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  return `${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
}

// ---- loading ----

function rangeQuery() {
  const range = Number($("range").value);
  return range > 0 ? `&since=${encodeURIComponent(new Date(Date.now() - range).toISOString())}` : "";
}

async function loadEvents() {
  if (state.instance) {
    const page = await api(`/api/instances/${encodeURIComponent(state.instance)}/timeline?limit=${PageLimit}${rangeQuery()}`);
    return page.events.slice().reverse();
  }
  let items = [];
  let next = `/api/events?limit=${PageLimit}${rangeQuery()}`;
  while (next && items.length < MaxEvents) {
    const page = await api(next);
    items = items.concat(page.events);
    next = page.next;
  }
  return items;
}

async function refresh() {
  // One refresh at a time; a request for another while one runs is folded into it.
  if (state.loading) {
    state.again = true;
    return state.loading;
  }
  state.loading = (async () => {
    try {
      const [items, sinks, dead] = await Promise.all([loadEvents(), api("/api/sinks"), api("/api/dead-letters")]);
      showMain();
      // Drawn again only when something changed: a mark under the pointer or being clicked stays put.
      const drawn = JSON.stringify([state.instance, $("range").value, items, sinks, dead]);
      if (drawn !== state.drawn) {
        state.drawn = drawn;
        state.items = items;
        renderTimeline();
        renderSinks(sinks.sinks);
        renderDeadLetters(dead.dead_letters);
      }
    } finally {
      state.loading = null;
    }
    if (state.again) {
      state.again = false;
      await refresh();
    }
  })();
  return state.loading;
}

// ---- the timeline ----

const Steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);

function renderTimeline() {
  const items = state.items;
  $("timeline-title").textContent = state.instance ? `Timeline of ${state.instance}` : "Timeline";
  $("back").hidden = !state.instance;
  $("instance").value = state.instance || "";
  const names = [...new Set(items.filter((i) => i.event.data && i.event.data.instance).map((i) => laneOf(i.event)))].sort();
  $("instances").replaceChildren(...names.map((n) => el("option", { value: n })));
  const cluster = items.map((i) => i.event.data && i.event.data.cluster).find((c) => c);
  $("cluster").textContent = cluster ? `cluster ${cluster}` : "";
  document.title = `HookRelay${state.instance ? ` · ${state.instance}` : ""}${cluster ? ` · ${cluster}` : ""}`;
  $("events-empty").hidden = items.length > 0;
  $("events-capped").hidden = items.length < (state.instance ? PageLimit : MaxEvents);
  renderChart(items);
  renderList(items);
  renderDetail();
}

function renderChart(items) {
  const chart = $("chart");
  if (items.length === 0) {
    chart.replaceChildren();
    return;
  }
  // A pre event inside the span of its operation's post (same hook and subject) is drawn as that
  // bar, not as a dot of its own. (Pre and post have opkeys of their own: receivers deduplicate per phase.)
  const bars = items.filter((i) => hookOf(i.event).phase === "post").map((i) => [hookOf(i.event).hook, laneOf(i.event), spanOf(i)]);
  const covered = (item) => {
    const { hook, phase } = hookOf(item.event);
    const at = timeOf(item.event);
    return phase === "pre" && kindOf(item) !== "deny" && bars.some(([h, lane, span]) =>
      h === hook && lane === laneOf(item.event) && span.duration !== null && at >= span.start - 1000 && at <= span.end);
  };
  const drawn = items.filter((i) => !covered(i));
  const spans = drawn.map(spanOf);
  let start = Math.min(...spans.map((s) => s.start));
  let end = Math.max(...spans.map((s) => s.end));
  const margin = Math.max((end - start) * 0.04, 1000);
  start -= margin;
  end += margin;
  const width = end - start;
  const at = (ms) => ((ms - start) / width) * 100;

  // As many time labels as fit: about one per 110 pixels of chart (a phone gets two or three).
  const labels = Math.max(2, Math.floor(chart.clientWidth / 110));
  const step = Steps.find((s) => width / s <= labels) || Steps[Steps.length - 1];
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    const label = step >= 86400000 ? day(t) : clock(t, step < 60000);
    // Centred on its time, but a label near either end stays inside the chart.
    const edge = at(t) < 6 ? "first" : at(t) > 94 ? "last" : null;
    ticks.push(el("span", { class: edge, style: { left: `${at(t)}%` } }, label));
  }
  const axis = el("div", { class: "axis", "aria-hidden": "true" }, ticks);

  const lanes = new Map();
  const lastSeen = new Map();
  drawn.forEach((item, index) => {
    const lane = laneOf(item.event);
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane).push([item, spans[index]]);
    lastSeen.set(lane, Math.max(lastSeen.get(lane) ?? -Infinity, spans[index].end));
  });
  // More subjects than lanes: the most recently active ones are drawn (what an operator just
  // did must be on the page), then listed by name.
  const names = [...lanes.keys()];
  const shown = names.sort((a, b) => lastSeen.get(b) - lastSeen.get(a)).slice(0, MaxLanes).sort((a, b) => a.localeCompare(b));
  const rows = shown.map((name) => {
    const marks = lanes.get(name).map(([item, span]) => {
      const kind = kindOf(item);
      const phase = hookOf(item.event).phase;
      const bar = span.duration !== null;
      return el("button", {
        type: "button",
        // A pre event is drawn lighter (the operation began), unless a gate stopped it there.
        class: `mark k-${kind}${bar ? "" : " point"}${phase === "pre" && kind !== "deny" ? " pre" : ""}`,
        style: bar ? { left: `${at(span.start)}%`, width: `${Math.max(at(span.end) - at(span.start), 0.4)}%` } : { left: `${at(span.end)}%` },
        title: `${when(span.end)} ${item.text}`,
        "aria-label": item.text,
        "aria-pressed": String(item.row === state.selected),
        "data-row": item.row,
        onclick: () => select(item.row),
      });
    });
    const isInstance = lanes.get(name).some(([item]) => item.event.data && item.event.data.instance);
    const label = isInstance && !state.instance
      ? el("a", { href: `#instance=${encodeURIComponent(name)}`, title: `${name}: its own timeline` }, name)
      : el("a", { title: name }, name);
    return el("div", { class: "lane", "data-lane": name }, label, el("div", { class: "track" }, marks));
  });
  const more = names.length > MaxLanes ? el("p", { class: "muted" }, `${names.length - MaxLanes} more subjects not drawn: pick an instance above.`) : null;
  chart.replaceChildren(axis, ...rows, ...(more ? [more] : []));
}

function pills(deliveries) {
  return el("span", { class: "pills" }, deliveries.map((d) =>
    el("span", { class: `pill ${d.state}`, title: d.last_error || `${d.sink}: ${d.state}` }, `${d.sink}: ${d.state}`)));
}

function renderList(items) {
  $("events").replaceChildren(...items.map((item) => {
    const span = spanOf(item);
    // The sentence of a denial names the gate and its reason already; a gate's reason it lacks is added.
    const denial = (item.event.data && item.event.data.gates || []).filter((g) => g.allowed === false && !item.text.includes(g.reason));
    return el("li", { "data-row": item.row, class: item.row === state.selected ? "selected" : null },
      el("time", { datetime: item.event.time, title: item.event.time }, when(span.end)),
      el("span", { class: "text", onclick: () => select(item.row) },
        el("i", { class: `k-${kindOf(item)}` }), item.text,
        denial.map((g) => el("span", { class: "gate" }, `gate '${g.name}': ${g.reason}`))),
      pills(item.deliveries));
  }));
}

function select(row) {
  state.selected = state.selected === row ? null : row;
  for (const mark of document.querySelectorAll(".mark")) mark.setAttribute("aria-pressed", String(Number(mark.dataset.row) === state.selected));
  for (const li of $("events").children) li.classList.toggle("selected", Number(li.dataset.row) === state.selected);
  renderDetail();
}

function renderDetail() {
  const detail = $("detail");
  const item = state.items.find((i) => i.row === state.selected);
  if (!item) {
    detail.hidden = true;
    return;
  }
  const event = item.event;
  const data = event.data || {};
  const span = spanOf(item);
  const rows = [
    ["type", event.type],
    ["time", event.time],
    span.duration !== null ? ["took", duration(span.duration)] : null,
    data.node && data.node.name ? ["node", data.node.name] : null,
    ...(data.gates || []).map((g) => [`gate ${g.name}`, `${g.verdict}: ${g.reason}`]),
    data.hookrelay && data.hookrelay.reason ? [`${data.hookrelay.action || data.hookrelay.kind}`, `${data.hookrelay.outcome}: ${data.hookrelay.reason}`] : null,
    ...item.deliveries.map((d) => [`to ${d.sink}`, `${d.state}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ""}${d.last_error ? `: ${d.last_error}` : ""}`]),
    ["event id", event.id],
    event.opkey ? ["opkey", event.opkey] : null,
  ].filter((r) => r);
  const instance = data.instance ? laneOf(event) : null;
  detail.replaceChildren(
    el("strong", {}, item.text),
    instance && state.instance !== instance ? el("a", { href: `#instance=${encodeURIComponent(instance)}`, style: { marginLeft: "0.8rem" } }, `${instance}'s timeline`) : null,
    el("dl", {}, rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)])));
  detail.style.borderLeftColor = getComputedStyle(document.documentElement).getPropertyValue(`--${kindOf(item)}`);
  detail.hidden = false;
}

// ---- sinks and dead letters ----

function renderSinks(sinks) {
  $("sinks").tBodies[0].replaceChildren(...sinks.map((s) => el("tr", { "data-sink": s.name },
    el("td", { class: "name" }, s.name),
    el("td", { "data-label": "health" }, el("span", { class: `pill ${s.health.replace(/\s+/g, "-")}` }, s.health)),
    el("td", { class: "num", "data-label": "waiting", title: s.oldest_pending ? `oldest since ${s.oldest_pending}` : null }, s.pending + s.in_flight + s.retrying),
    el("td", { class: "num", "data-label": "dead" }, s.dead),
    el("td", { class: "num", "data-label": "delivered", title: "since the daemon started" }, s.since_daemon_start ? s.since_daemon_start.delivered : "–"),
    el("td", { class: "err" }, s.last_error || ""))));
}

function renderDeadLetters(dead) {
  $("dead-empty").hidden = dead.length > 0;
  $("dead").hidden = dead.length === 0;
  $("replay-all").hidden = dead.length < 2;
  $("dead").tBodies[0].replaceChildren(...dead.map((d) => {
    const { hook, phase } = hookOf(d);
    return el("tr", { "data-id": d.id },
      el("td", { class: "name" }, `${hook ? `${hook} ${phase}` : d.type} ${d.subject || ""}`),
      el("td", { "data-label": "sink" }, d.sink),
      el("td", { "data-label": "given up", title: d.given_up }, d.given_up ? when(Date.parse(d.given_up)) : ""),
      el("td", { class: "err" }, d.last_error || ""),
      el("td", {}, el("button", { type: "button", class: "secondary replay", onclick: (e) => replay({ ids: [d.id] }, e.target) }, "Replay")));
  }));
}

async function replay(request, button) {
  button.disabled = true;
  try {
    const answer = await api("/api/dead-letters/replay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    $("dead-result").textContent = `${answer.replayed} ${answer.replayed === 1 ? "delivery" : "deliveries"} queued again.`;
  } catch (e) {
    if (e instanceof Unauthorized) return askForToken(true);
    $("dead-result").textContent = `Replay refused: ${e.message}`;
  } finally {
    button.disabled = false;
  }
  setTimeout(refresh, 1000);
}

// ---- live: the event stream, read with fetch so the token can go along ----

async function follow() {
  const live = $("live");
  let wait = 1000;
  for (;;) {
    try {
      const response = await fetch("/api/events/stream", { headers: authorization(), cache: "no-store" });
      if (response.status === 401) throw new Unauthorized();
      if (!response.ok || !response.body) throw new Error(String(response.status));
      live.dataset.state = "on";
      live.textContent = "live";
      wait = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const frames = buffer.split("\n\n");
        buffer = frames.pop();
        if (frames.some((f) => /^event: cloudevent$/m.test(f))) refreshSoon();
      }
    } catch (e) {
      if (e instanceof Unauthorized) {
        live.dataset.state = "off";
        live.textContent = "offline";
        return;
      }
    }
    live.dataset.state = "retrying";
    live.textContent = "reconnecting";
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 30000);
  }
}

let soon = null;
function refreshSoon() {
  clearTimeout(soon);
  soon = setTimeout(() => refresh().catch(report), 300);
}

// ---- the token ----

function askForToken(refused) {
  $("main").hidden = true;
  $("login").hidden = false;
  $("forget").hidden = true;
  $("login-error").hidden = !refused;
  $("login-error").textContent = refused ? "The daemon refused that token." : "";
  $("token").focus();
}

function showMain() {
  $("login").hidden = true;
  $("main").hidden = false;
  $("forget").hidden = !state.token;
}

function report(e) {
  if (e instanceof Unauthorized) {
    askForToken(Boolean(state.token));
    return;
  }
  $("live").dataset.state = "retrying";
  $("live").textContent = `error: ${e.message}`;
}

let following = false;
async function start() {
  try {
    await refresh();
    if (!following) {
      following = true;
      follow().finally(() => { following = false; });
    }
  } catch (e) {
    report(e);
  }
}

function readHash() {
  const match = /^#instance=(.+)$/.exec(location.hash);
  state.instance = match ? decodeURIComponent(match[1]) : null;
  state.selected = null;
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem(TokenKey, state.token);
    $("token").value = "";
    start();
  });
  $("forget").addEventListener("click", (e) => {
    e.preventDefault();
    sessionStorage.removeItem(TokenKey);
    state.token = null;
    location.reload();
  });
  $("range").addEventListener("change", () => refresh().catch(report));
  $("instance").addEventListener("change", () => {
    const name = $("instance").value.trim();
    location.hash = name ? `#instance=${encodeURIComponent(name)}` : "";
  });
  $("replay-all").addEventListener("click", (e) => {
    if (confirm("Queue every dead letter again?")) replay({ all: true }, e.target);
  });
  window.addEventListener("hashchange", () => {
    readHash();
    refresh().catch(report);
  });
  readHash();
  start();
  // The time axis has as many labels as the width takes: drawn again when the window changes.
  let resized = null;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => renderChart(state.items), 150);
  });
  setInterval(() => {
    if (!$("main").hidden) refresh().catch(report);
  }, RefreshMs);
});
