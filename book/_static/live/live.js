// The live page ("Re-run it here"): a form of every parameter, and the results recomputed in the
// browser by the book's own Python package (sorabook.results.live) under Pyodide.
//
// The page computes nothing itself: each change sends the fields' texts, as `--set name=value`
// lines, to Python, which validates them as the command line does and returns the results, their
// texts as the book formats them, the changes against the built values, the claims and the
// results.json document. State for tests and assistive technology: the root's data-state is
// "loading", "ready" (the shown results are those of the current fields), "busy", "invalid" (a
// field was refused; the message is shown) or "failed" (Python could not start here).

import { startPython } from "./runtime.js";

const root = document.getElementById("sorabook-live");
const here = new URL(".", import.meta.url);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

function setState(state, message) {
  root.dataset.state = state;
  const status = root.querySelector(".live-status");
  if (status && message !== undefined) status.textContent = message;
}

function rangeText(p) {
  if (p.kind === "choice") return "one of " + p.choices.join(", ");
  if (p.kind === "bool") return "true or false";
  if (p.kind === "mapping") return "a mapping, as JSON";
  const parts = [];
  if (p.low !== null) parts.push((p.low_open ? "> " : "≥ ") + p.low);
  if (p.high !== null) parts.push("≤ " + p.high);
  return parts.join(" and ");
}

// --- the form ------------------------------------------------------------------------------

function field(p, value) {
  const id = "live-" + p.name;
  const help = id + "-help";
  let input;
  if (p.kind === "choice") {
    input = el("select", { id, name: p.name, "aria-describedby": help });
    for (const c of p.choices) input.append(el("option", { value: c, text: c }));
    input.value = value;
  } else if (p.kind === "bool") {
    input = el("select", { id, name: p.name, "aria-describedby": help });
    for (const c of ["false", "true"]) input.append(el("option", { value: c, text: c }));
    input.value = value;
  } else {
    input = el("input", { id, name: p.name, type: "text", value, spellcheck: "false", autocomplete: "off",
                          inputmode: p.kind === "mapping" ? null : "decimal", "aria-describedby": help });
  }
  const label = el("label", { for: id }, el("code", { text: p.name }), p.unit ? ` (${p.unit})` : "");
  const about = el("p", { id: help, class: "live-help" },
                   p.description + ". Allowed: " + rangeText(p) + ". Source: " + p.source + ".");
  return el("div", { class: "live-field" }, label, input, about);
}

function form(spec) {
  const f = el("form", { class: "live-form", "aria-label": "Assumptions" });
  f.addEventListener("submit", (e) => e.preventDefault());
  f.addEventListener("click", (e) => {  // "also uses" links: open the group that holds the field
    const a = e.target.closest("a[href^='#live-']");
    const target = a && document.getElementById(a.getAttribute("href").slice(1));
    if (target) target.closest("details").open = true;
  });
  const wanted = window.location.hash.slice(1);
  spec.groups.forEach((g, i) => {
    const fs = el("fieldset", {}, el("legend", { class: "visually-hidden", text: g.title }));
    if (g.shared.length) {
      fs.append(el("p", { class: "live-help" }, "Also uses, set above: ",
                   ...g.shared.flatMap((n, i) => [i ? ", " : "", el("a", { href: "#live-" + n }, el("code", { text: n }))])));
    }
    for (const name of g.params) fs.append(field(spec.params[name], spec.values[name]));
    const open = wanted ? wanted === g.id : i === 0;
    f.append(el("details", { id: g.id, open }, el("summary", { text: `${g.title} (${g.params.length})` }), fs));
  });
  return f;
}

// --- the tables ----------------------------------------------------------------------------

function scroller(table) {
  return el("div", { class: "live-scroll", tabindex: "0", role: "region",
                     "aria-label": table.querySelector("caption").textContent }, table);
}

function resultsTable(spec) {
  const names = Object.keys(spec.scenarios);
  const head = el("tr", {}, ...["result", "built", "this re-run", "change", ...names, "unit"]
    .map((t) => el("th", { scope: "col", text: t })));
  const body = el("tbody");
  for (const r of spec.results) {
    const link = el("a", { href: "../" + r.anchor }, el("code", { text: r.key }));
    const row = el("tr", { "data-row": r.key },
      el("th", { scope: "row", title: r.description }, link),
      el("td", { class: "num", text: r.built_text }),
      el("td", { class: "num live-new", "data-key": r.key, text: "…" }),
      el("td", { class: "num live-change" }),
      ...names.map((n) => el("td", { class: "num", text: spec.scenarios[n].results[r.key] ?? "" })),
      el("td", { text: r.unit }));
    body.append(row);
  }
  return scroller(el("table", { class: "live-table", id: "live-results" },
    el("caption", { text: "Every result: as this site was built, in your re-run, the change, and in each "
                          + "shipped scenario." }), el("thead", {}, head), body));
}

function claimsTable() {
  const head = el("tr", {}, ...["claim of the article", "printed", "from these inputs", "verdict"]
    .map((t) => el("th", { scope: "col", text: t })));
  return scroller(el("table", { class: "live-table", id: "live-claims" },
    el("caption", { text: "The article's printed numbers against what your inputs give." }),
    el("thead", {}, head), el("tbody")));
}

// --- running ---------------------------------------------------------------------------------

function query() {
  const params = new URLSearchParams(window.location.search);
  return [...params.entries()];
}

function texts(spec, form) {
  const out = {};
  for (const g of spec.groups) for (const name of g.params) out[name] = form.elements[name].value;  // form order
  return out;
}

function changed(spec, values, extra) {
  const sets = [];
  for (const [name, text] of Object.entries(values)) {
    if (text.trim() !== spec.defaults[name]) sets.push([name, text.trim()]);
  }
  return sets.concat(extra);
}

function show(spec, out) {
  for (const cell of root.querySelectorAll(".live-new")) {
    const key = cell.dataset.key;
    const row = cell.parentElement;
    const change = row.querySelector(".live-change");
    if (key in out.results) {
      cell.dataset.value = String(out.results[key]);
      cell.textContent = out.texts[key];
      change.textContent = out.change_texts[key];
      row.classList.toggle("live-moved", out.change_texts[key] !== "same");
    } else {
      delete cell.dataset.value;
      cell.textContent = "needs NumPy";
      change.textContent = "";
    }
  }
  const body = root.querySelector("#live-claims tbody");
  body.replaceChildren(...out.claims.map((c) => el("tr", { "data-claim": c.key },
    el("td", { text: c.text }), el("td", { class: "num", text: c.printed_text }),
    el("td", { class: "num", text: c.recomputed_text }), el("td", { text: c.verdict }))));
  root.querySelector(".live-command code").textContent = out.command;
}

async function main() {
  if (window.location.protocol === "file:") {
    throw new Error("This page cannot run from a file opened on disk: browsers do not let it load "
                    + "WebAssembly that way. Serve the site (for example `python3 -m http.server` in its "
                    + "folder) and open it over http.");
  }
  if (typeof WebAssembly !== "object") {
    throw new Error("This browser has no WebAssembly, which the page needs to run Python.");
  }
  const spec = await (await fetch(new URL("spec.json", here))).json();
  const f = form(spec);
  const unknown = [];
  for (const [name, text] of query()) {
    if (f.elements[name] && spec.params[name]) f.elements[name].value = text;
    else unknown.push([name, text]);
  }
  const error = el("p", { class: "live-error", role: "alert", hidden: true });
  const command = el("p", { class: "live-command" }, "The same re-run on your machine: ", el("code"));
  const copy = el("button", { type: "button", text: "Copy command" });
  const download = el("button", { type: "button", text: "Download results.json" });
  const actions = el("div", { class: "live-actions" }, copy, download);
  root.append(error, f, actions, command, el("h2", { text: "Results" }), resultsTable(spec),
              el("h2", { text: "The article's claims" }), claimsTable());
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target) target.scrollIntoView();
  const progress = el("progress", { max: "1", value: "0", "aria-label": "Loading Python" });
  root.querySelector(".live-status").after(progress);

  setState("loading", "Loading Python in your browser…");
  const phases = { check: "Checking this browser…", runtime: "Loading Python (WebAssembly)…",
                   package: "Loading the book's package…", unpack: "Unpacking the package…", ready: "Python is ready." };
  const order = Object.keys(phases);
  const py = await startPython((phase, detail) => {
    progress.value = (order.indexOf(phase) + 1) / order.length;
    setState("loading", (phases[phase] || phase) + (detail ? ` (${detail})` : ""));
  });
  progress.remove();
  py.runPython("from sorabook.results import live as _live\nimport json as _json");
  const built = {};
  for (const r of spec.results) if (r.built !== null) built[r.key] = r.built;
  py.globals.set("_built_json", JSON.stringify(built));
  py.runPython("_built = _json.loads(_built_json)");

  let latest = null;
  let running = false;
  let pending = false;
  const run = () => {
    if (running) { pending = true; return; }
    running = true;
    setState("busy", "Recomputing…");
    const sets = changed(spec, texts(spec, f), unknown);
    const lines = sets.map(([n, t]) => n + "=" + t);
    const started = performance.now();
    py.globals.set("_sets_json", JSON.stringify(lines));
    const out = JSON.parse(py.runPython("_json.dumps(_live.recompute(_json.loads(_sets_json), built=_built))"));
    for (const input of f.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const search = new URLSearchParams(sets).toString();
    window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
    if (out.ok) {
      latest = out;
      error.hidden = true;
      error.textContent = "";
      show(spec, out);
      // for `make bench`: this recompute (Python and the tables) and, once, navigation to results
      root.dataset.recomputeMs = (performance.now() - started).toFixed(1);
      if (!root.dataset.readyMs) root.dataset.readyMs = performance.now().toFixed(0);
      running = false;
      setState("ready", sets.length ? `Recomputed with ${sets.length} change(s).` : "The built values.");
    } else {
      latest = null;
      error.textContent = out.error;
      error.hidden = false;
      const m = /parameter '([^']+)'/.exec(out.error);
      if (m && f.elements[m[1]]) f.elements[m[1]].setAttribute("aria-invalid", "true");
      running = false;
      setState("invalid", "A value was refused: see the message above the form.");
    }
    if (pending) { pending = false; run(); }
  };
  let timer = null;
  f.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
  f.addEventListener("change", () => { clearTimeout(timer); run(); });
  copy.addEventListener("click", async () => {
    const text = root.querySelector(".live-command code").textContent;
    try { await navigator.clipboard.writeText(text); copy.textContent = "Copied"; }
    catch { copy.textContent = "Select the command below to copy it"; }
  });
  download.addEventListener("click", () => {
    if (!latest) return;
    const blob = new Blob([latest.document_json + "\n"], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: "results.json" });
    document.body.append(a);
    a.click();
    a.remove();
  });
  run();
}

main().catch((err) => {
  setState("failed", err && err.message ? err.message : String(err));
});
