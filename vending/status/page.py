"""The fleet's status as one self-contained HTML page: no external script, style or font, so it
works offline and as a CI artifact. The data is the JSON rendering, embedded; the page's script
draws from it the summary, the customers × environments grid, the table (sorted and filtered by
state, customer and production) and each environment's detail. Every state has a symbol and a
word beside its colour. Text from the data only ever reaches the page as text (``textContent``),
never as markup."""

from __future__ import annotations

import json

from vending.status.model import STATES, Fleet

# The symbol beside each state's colour: the legend does not rely on colour alone.
SYMBOLS = {"failed": "✖", "drifted": "≈", "pending": "●", "retiring": "⌫", "never applied": "○", "applied": "✓"}


def render(fleet: Fleet) -> str:
    data = json.dumps(fleet.data(), sort_keys=True)
    # In a <script> element only "</" can end it early; JSON allows "<\/" for "</".
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")
    legend = json.dumps({"states": list(STATES), "symbols": SYMBOLS}, ensure_ascii=False)
    return TEMPLATE.replace("__LEGEND__", legend).replace("__DATA__", data)


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fleet status</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; background: #fff; }
  body { margin: 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  .muted { color: #57606a; }
  .cards { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
  .card { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .75rem; min-width: 7.5rem; }
  .card .count { font-size: 1.5rem; font-weight: 600; display: block; }
  .state { display: inline-block; border-radius: 4px; padding: 0 .35rem; white-space: nowrap; }
  .s-failed { background: #ffd8d3; color: #82071e; }
  .s-drifted { background: #fff1c2; color: #6c4400; }
  .s-pending { background: #ddf4ff; color: #0a3069; }
  .s-retiring { background: #eaddff; color: #3e1f79; }
  .s-never-applied { background: #eaeef2; color: #424a53; }
  .s-applied { background: #dafbe1; color: #116329; }
  .legend { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; padding: 0; }
  .controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin: .5rem 0; }
  .controls label { display: flex; flex-direction: column; font-size: .85rem; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }
  tbody tr:hover { background: #f6f8fa; }
  tr.selected { outline: 2px solid #0969da; }
  .grid-wrap { overflow: auto; max-height: 24rem; border: 1px solid #d0d7de; border-radius: 6px; }
  .grid { width: auto; }
  .grid td, .grid th { border: 0; padding: .15rem .6rem; }
  .grid button { font: inherit; border: 0; cursor: pointer; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; }
  pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem; border-radius: 6px; }
  #detail { border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem 1rem; }
</style>
</head>
<body>
<h1>Fleet status</h1>
<p class="muted" id="generated"></p>
<section aria-labelledby="summary-title">
  <h2 id="summary-title">Summary</h2>
  <div class="cards" id="summary"></div>
  <ul class="legend" id="legend" aria-label="Legend"></ul>
</section>
<section aria-labelledby="grid-title">
  <h2 id="grid-title">Customers × environments</h2>
  <div class="grid-wrap"><table class="grid" id="grid"></table></div>
</section>
<section aria-labelledby="table-title">
  <h2 id="table-title">Environments</h2>
  <div class="controls">
    <label>State <select id="filter-state"><option value="">any</option></select></label>
    <label>Customer <input id="filter-customer" type="search" placeholder="name contains…"></label>
    <label>Production <select id="filter-production">
      <option value="">any</option><option value="yes">production</option><option value="no">other</option>
    </select></label>
    <span class="muted" id="shown" aria-live="polite"></span>
  </div>
  <table id="environments">
    <thead><tr></tr></thead>
    <tbody></tbody>
  </table>
</section>
<section aria-labelledby="detail-title">
  <h2 id="detail-title">Detail</h2>
  <div id="detail"><p class="muted">Choose an environment in the grid or the table.</p></div>
</section>
<script type="application/json" id="fleet-data">__DATA__</script>
<script>
"use strict";
const LEGEND = __LEGEND__;
const fleet = JSON.parse(document.getElementById("fleet-data").textContent);
const byName = new Map(fleet.environments.map((e) => [e.name, e]));

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value; else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}
function stateBadge(state) {
  return el("span", {class: "state s-" + state.replace(/ /g, "-"), "data-state": state,
    text: LEGEND.symbols[state] + " " + state});
}
function lastApply(env) {
  const tried = env.stacks.map((s) => s.last_apply).filter(Boolean);
  if (!tried.length) return null;
  return tried.reduce((a, b) => (a.at >= b.at ? a : b));
}
function lastApplyText(env) {
  const last = lastApply(env);
  if (!last) return "–";
  return last.commit.slice(0, 8) + " " + last.at.replace("T", " ").slice(0, 16) + (last.ok ? "" : " failed");
}
function driftText(env) {
  const checks = env.stacks.map((s) => s.drift).filter(Boolean);
  if (!checks.length) return "never checked";
  const changed = checks.reduce((n, d) => n + (d.before_last_apply ? 0 : d.resources.length), 0);
  const oldest = checks.reduce((a, b) => (a.at <= b.at ? a : b)).at.slice(0, 10);
  return (changed ? changed + " changed" : "in sync") + " · " + oldest;
}
function imageText(env) {
  const image = env.image;
  if (!image) return "–";
  if (image.origin === "baked") {
    return image.ami_id + " · " + (image.age_days === null ? "" : image.age_days + " d · ") + image.commit.slice(0, 8);
  }
  return image.ami_id + " · " + image.origin;
}

document.getElementById("generated").textContent =
  "At commit " + fleet.commit.slice(0, 12) + ", " + fleet.generated_at + " · " + fleet.environments.length +
  " environment(s)";
const summary = document.getElementById("summary");
const legend = document.getElementById("legend");
const stateFilter = document.getElementById("filter-state");
for (const state of LEGEND.states) {
  summary.append(el("div", {class: "card", "data-state": state},
    el("span", {class: "count", text: String(fleet.summary[state])}), stateBadge(state)));
  legend.append(el("li", {}, stateBadge(state)));
  stateFilter.append(el("option", {value: state, text: LEGEND.symbols[state] + " " + state}));
}

// The grid: a row per customer, a column per environment name.
const columns = [...new Set(fleet.environments.map((e) => e.environment))].sort();
const customers = [...new Set(fleet.environments.map((e) => e.customer))].sort();
const grid = document.getElementById("grid");
grid.append(el("thead", {}, el("tr", {}, el("th", {text: "customer"}),
  ...columns.map((c) => el("th", {scope: "col", text: c})))));
const gridBody = el("tbody");
const cells = new Map(fleet.environments.map((e) => [e.customer + "\\u0000" + e.environment, e]));
for (const customer of customers) {
  const row = el("tr", {}, el("th", {scope: "row", text: customer}));
  for (const column of columns) {
    const env = cells.get(customer + "\\u0000" + column);
    const cell = el("td");
    if (env) {
      const button = el("button", {type: "button", class: "state s-" + env.state.replace(/ /g, "-"),
        title: env.name + ": " + env.state, "aria-label": env.name + ": " + env.state,
        text: LEGEND.symbols[env.state]});
      button.addEventListener("click", () => showDetail(env.name));
      cell.append(button);
    }
    row.append(cell);
  }
  gridBody.append(row);
}
grid.append(gridBody);

// The table: sortable by any column, filtered by state, customer and production.
const COLUMNS = [
  ["environment", (e) => e.name], ["customer", (e) => e.customer], ["production", (e) => (e.production ? "yes" : "no")],
  ["state", (e) => e.state], ["last apply", lastApplyText], ["drift", driftText], ["image", imageText],
  ["priority", (e) => (e.priority === null ? "" : e.priority)],
];
let sortColumn = 0, ascending = true;
const table = document.getElementById("environments");
const headRow = table.tHead.rows[0];
COLUMNS.forEach(([name], index) => {
  const button = el("button", {type: "button", text: name});
  button.addEventListener("click", () => {
    ascending = sortColumn === index ? !ascending : true;
    sortColumn = index;
    draw();
  });
  headRow.append(el("th", {scope: "col", "aria-sort": "none"}, button));
});
function sortKey(env, index) {
  const value = COLUMNS[index][1](env);
  return index === 3 ? LEGEND.states.indexOf(value) : value;
}
function draw() {
  const state = stateFilter.value;
  const customer = document.getElementById("filter-customer").value.trim().toLowerCase();
  const production = document.getElementById("filter-production").value;
  const rows = fleet.environments.filter((e) => (!state || e.state === state) &&
    (!customer || e.customer.toLowerCase().includes(customer)) &&
    (!production || (e.production ? "yes" : "no") === production));
  rows.sort((a, b) => {
    const x = sortKey(a, sortColumn), y = sortKey(b, sortColumn);
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return ascending ? order : -order;
  });
  [...headRow.cells].forEach((cell, index) =>
    cell.setAttribute("aria-sort", index === sortColumn ? (ascending ? "ascending" : "descending") : "none"));
  const body = el("tbody");
  for (const env of rows) {
    const row = el("tr", {"data-environment": env.name, "data-state": env.state, tabindex: "0"});
    COLUMNS.forEach(([name, value], index) => {
      row.append(index === 3 ? el("td", {}, stateBadge(env.state)) : el("td", {text: String(value(env))}));
    });
    row.addEventListener("click", () => showDetail(env.name));
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") showDetail(env.name); });
    body.append(row);
  }
  table.tBodies[0].replaceWith(body);
  document.getElementById("shown").textContent = "showing " + rows.length + " of " + fleet.environments.length;
}
for (const id of ["filter-state", "filter-customer", "filter-production"]) {
  for (const event of ["input", "change"]) document.getElementById(id).addEventListener(event, draw);
}

function showDetail(name) {
  const env = byName.get(name);
  const detail = document.getElementById("detail");
  detail.replaceChildren(
    el("h3", {text: env.name}),
    el("p", {}, stateBadge(env.state), " " + (env.production ? "production" : "not production") +
      (env.priority === null ? "" : " · listener rule priority " + env.priority) +
      (env.shard ? " · shard " + env.shard : "")),
  );
  const stacks = el("table", {}, el("thead", {}, el("tr", {}, ...["stack", "state", "last apply", "applied commit",
    "pending", "drift"].map((h) => el("th", {text: h})))));
  const body = el("tbody");
  for (const stack of env.stacks) {
    const last = stack.last_apply;
    body.append(el("tr", {},
      el("td", {}, el("code", {text: stack.stack})), el("td", {}, stateBadge(stack.state)),
      el("td", {text: last ? last.commit.slice(0, 12) + " · " + last.at + (last.ok ? " · ok" : " · failed") : "never"}),
      el("td", {text: stack.applied_commit ? stack.applied_commit.slice(0, 12) : "–"}),
      el("td", {text: stack.pending ? "yes" : "no"}),
      el("td", {text: stack.drift ? stack.drift.result + " · " + stack.drift.at +
        (stack.drift.resources.length ? " · " + stack.drift.resources.join(", ") : "") +
        (stack.drift.before_last_apply ? " (before the last apply)" : "") : "never checked"})));
    if (last && !last.ok && last.message) detail.append(el("pre", {text: stack.stack + ": " + last.message}));
  }
  stacks.append(body);
  detail.append(stacks);
  if (env.image) {
    const image = env.image;
    detail.append(el("p", {text: "Image " + image.ami_id + " (" + image.origin + ")" +
      (image.commit ? ", baked from " + image.commit.slice(0, 12) : "") +
      (image.built_at ? " at " + image.built_at : "") + (image.warning ? ". " + image.warning : "")}));
  }
  for (const row of table.tBodies[0].rows) row.classList.toggle("selected", row.dataset.environment === name);
}
draw();
</script>
</body>
</html>
"""
