// The annotation page: keyboard-first, corpus text only ever set with textContent.
(function () {
  "use strict";
  const codebook = JSON.parse(document.getElementById("codebook-data").textContent);
  const keyMap = new Map();
  const multi = new Map();
  for (const dim of codebook.dimensions) {
    multi.set(dim.name, dim.multi);
    for (const v of dim.values) keyMap.set(v.key, { dim: dim.name, value: v.name });
  }
  const $ = (id) => document.getElementById(id);
  const note = $("note");
  let searchFields = []; // from /api/fields: the corpus's fields and values arrive through the API
  const q = $("q"), fField = $("f-field"), fOp = $("f-op"), fValue = $("f-value"), fUnlabelled = $("f-unlabelled");
  let task = null;
  let sel = {};
  let busy = false;
  let lastId = null;
  let matches = null; // the last search: {ids, count, truncated}

  function say(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = "status " + (kind || "");
  }

  async function api(method, url, body) {
    const resp = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (resp.status === 401) { window.location.href = "/login"; }
    if (!resp.ok) throw new Error((data && data.error) || resp.status + " " + resp.statusText);
    return data;
  }

  function paragraphs(container, texts) {
    container.replaceChildren();
    for (const t of texts) {
      const p = document.createElement("p");
      p.textContent = t;
      container.appendChild(p);
    }
  }

  function paintChoices() {
    const sugg = (task && task.suggestion) || {};
    for (const btn of document.querySelectorAll("button.choice")) {
      const d = btn.dataset.dim, v = btn.dataset.value;
      const cur = sel[d];
      const on = Array.isArray(cur) ? cur.includes(v) : cur === v;
      btn.classList.toggle("on", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      const s = sugg[d];
      const suggested = !!s && (Array.isArray(s.value) ? s.value.includes(v) : s.value === v);
      btn.classList.toggle("suggested", suggested);
      btn.querySelector(".sugg").hidden = !suggested;
    }
  }

  function render(t) {
    task = t;
    if (t.passage) lastId = t.passage.id;
    const p = $("progress");
    const pr = t.progress;
    p.textContent = pr.done + " done / " + pr.assigned + " assigned" + (pr.skipped ? " · " + pr.skipped + " skipped" : "");
    $("progressbar").max = Math.max(pr.assigned, 1);
    $("progressbar").value = pr.done + pr.skipped;
    const noteEl = $("order-note");
    noteEl.hidden = !t.order_note;
    noteEl.textContent = t.order_note || "";
    const rf = t.refresh;
    $("refresh").hidden = !rf;
    if (rf) {
      let text = rf.running ? "Retraining the queue's model in the background; the order changes when it is ready."
        : rf.refreshed_at ? "Order last refreshed at " + rf.refreshed_at.slice(11, 19) + " UTC, from " + rf.labels
          + " labelled passages." : "The order has not been refreshed from the labels yet.";
      if (rf.every) text += " It refreshes every " + rf.every + " labels.";
      if (rf.message && !rf.running) text += " " + rf.message;
      $("refresh-text").textContent = text;
      $("refresh-now").disabled = rf.running;
    }
    $("finished").hidden = !t.finished;
    $("doc").hidden = t.finished;
    $("labels").hidden = t.finished;
    if (t.finished) { sel = {}; return; }
    const ps = t.passage;
    $("doc-title").textContent = ps.title || ps.doc_id;
    $("doc-meta").textContent = [ps.author, ps.date, ps.outlet].filter(Boolean).join(" · ");
    const place = t.in_document;
    $("doc-place").textContent = (place ? "passage " + place.position + " of " + place.passages + " in this document · " : "")
      + t.position + " of " + pr.assigned + " in your queue";
    paragraphs($("before"), t.before);
    paragraphs($("after"), t.after);
    $("text").textContent = ps.text;
    $("text").dataset.passageId = ps.id;
    sel = {};
    const source = t.labels || t.draft;
    if (source) {
      sel = JSON.parse(JSON.stringify(source));
    } else if (t.suggestion) {
      for (const [d, s] of Object.entries(t.suggestion)) sel[d] = Array.isArray(s.value) ? s.value.slice() : s.value;
    }
    note.value = t.note || "";
    paintChoices();
    showMatches();
    if (t.status === "labelled") say("saved earlier; Enter saves a change", "old");
    else if (t.status === "skipped") say("skipped earlier", "old");
    else if (t.draft) say("retracted; relabel and press Enter", "warn");
    else if (t.suggestion) say("model suggestion pre-selected: Enter accepts, keys change it", "");
    else say("", "");
  }

  function choose(dim, value) {
    if (!task || task.finished) return;
    if (multi.get(dim)) {
      const cur = Array.isArray(sel[dim]) ? sel[dim] : [];
      sel[dim] = cur.includes(value) ? cur.filter((x) => x !== value) : cur.concat([value]).sort();
    } else {
      sel[dim] = value;
    }
    paintChoices();
  }

  async function run(action, fn) {
    if (busy) return;
    busy = true;
    try { await fn(); } catch (err) { say(action + " failed: " + err.message + " (nothing lost: try again)", "error"); }
    finally { busy = false; }
  }

  function submit(action) {
    if (!task || task.finished) return;
    const missing = codebook.dimensions.map((d) => d.name)
      .filter((d) => sel[d] === undefined || sel[d] === null || (Array.isArray(sel[d]) && !sel[d].length));
    if (action === "label" && missing.length) { say("choose a value for: " + missing.join(", "), "warn"); return; }
    const pid = task.passage.id;
    run(action === "label" ? "save" : "skip", async () => {
      say("saving…", "");
      const body = { passage_id: pid, action, note: note.value };
      if (action === "label") body.labels = sel;
      const data = await api("POST", "/api/annotations", body);
      const i = matches ? matches.ids.indexOf(pid) : -1;
      if (i >= 0 && i + 1 < matches.ids.length) render(await openPassage(matches.ids[i + 1]));
      else render(data.task);
      say((action === "label" ? "saved " : "skipped ") + pid + (i >= 0 && i + 1 === matches.ids.length ?
        " · that was the last match" : ""), "ok");
    });
  }

  function undo() {
    run("undo", async () => {
      const data = await api("POST", "/api/undo", {});
      render(data.task);
      say("undone: " + data.retracted + " retracted", "warn");
    });
  }

  function step(dir) {
    if (!task || (task.finished && dir === "next")) return;
    run("navigation", async () => {
      let url = "/api/task";
      if (task.finished) url += lastId ? "?passage_id=" + encodeURIComponent(lastId) : "?step=last";
      else url += "?step=" + dir + "&passage_id=" + encodeURIComponent(task.passage.id);
      render(await api("GET", url));
    });
  }

  // -- search: the passages of your queue by keyword, field, predicted value, not yet labelled --------

  function openPassage(id) {
    return api("GET", "/api/task?passage_id=" + encodeURIComponent(id));
  }

  function fillOperators() {
    const spec = searchFields.find((f) => f.name === fField.value);
    fOp.replaceChildren();
    $("f-values").replaceChildren();
    for (const op of spec ? spec.ops : []) {
      const o = document.createElement("option");
      o.value = op;
      o.textContent = op;
      fOp.appendChild(o);
    }
    for (const v of spec ? spec.values : []) {
      const o = document.createElement("option");
      o.value = v;
      $("f-values").appendChild(o);
    }
    fOp.disabled = fValue.disabled = !spec;
  }

  function showMatches() {
    const el = $("matches");
    el.hidden = !matches;
    if (!matches) return;
    const i = task && task.passage ? matches.ids.indexOf(task.passage.id) : -1;
    const total = matches.count + (matches.truncated ? " (the first " + matches.ids.length + " listed)" : "");
    el.textContent = !matches.count ? "No passage of your queue matches."
      : (i >= 0 ? "match " + (i + 1) + " of " + total : total + " matches") + " · ] next · [ previous · \\ clear";
  }

  function search() {
    const body = { text: q.value.trim(), unlabelled: fUnlabelled.checked, limit: 500 };
    if (fField.value && fValue.value.trim()) body.filters = [{ field: fField.value, op: fOp.value, value: fValue.value.trim() }];
    if (!body.text && !body.filters && !body.unlabelled) { clearSearch(); return; }
    run("search", async () => {
      const data = await api("POST", "/api/search", body);
      matches = { ids: data.matches.map((m) => m.id), count: data.count, truncated: data.truncated };
      if (document.activeElement) document.activeElement.blur();
      if (matches.ids.length) render(await openPassage(matches.ids[0]));
      showMatches();
      say(matches.ids.length ? "found " + data.count + "; label with the keys, Enter saves and opens the next match" : "", "");
    });
  }

  function clearSearch() {
    matches = null;
    q.value = "";
    fValue.value = "";
    fUnlabelled.checked = false;
    showMatches();
  }

  function stepMatch(delta) {
    if (!matches || !matches.ids.length) return;
    const i = task && task.passage ? matches.ids.indexOf(task.passage.id) : -1;
    const j = i < 0 ? 0 : i + delta;
    if (j < 0 || j >= matches.ids.length) { say(delta > 0 ? "no further match" : "this is the first match", "warn"); return; }
    run("navigation", async () => { render(await openPassage(matches.ids[j])); });
  }

  function toggleHelp(show) {
    $("help").hidden = !show;
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (!$("help").hidden) { // the help overlay takes every key; Esc or ? closes it
      if (e.key === "Escape" || e.key === "?") { e.preventDefault(); toggleHelp(false); }
      return;
    }
    if (e.target.closest && e.target.closest("#search")) {
      if (e.key === "Escape") { e.preventDefault(); e.target.blur(); }
      return; // typing a search never triggers a shortcut; Enter submits the form
    }
    if (e.target === note || e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA"
        || e.target.tagName === "SELECT") {
      if (e.key === "Escape") { e.preventDefault(); note.blur(); }
      else if (e.key === "Enter") { e.preventDefault(); note.blur(); submit("label"); }
      return; // typing in the note never triggers a shortcut
    }
    const k = e.key;
    // a held key repeats: never let that save, skip or undo a run of passages
    if (e.repeat && (k === "Enter" || k === " " || k === "Backspace")) { e.preventDefault(); return; }
    if (k === "Enter") { e.preventDefault(); submit("label"); }
    else if (k === " ") { e.preventDefault(); submit("skip"); }
    else if (k === "Backspace") { e.preventDefault(); undo(); }
    else if (k === "ArrowLeft") { e.preventDefault(); step("prev"); }
    else if (k === "ArrowRight") { e.preventDefault(); step("next"); }
    else if (k === "Tab") { e.preventDefault(); note.focus(); }
    else if (k === "/") { e.preventDefault(); q.focus(); q.select(); }
    else if (k === "?") { e.preventDefault(); toggleHelp(true); }
    else if (k === "]") { e.preventDefault(); stepMatch(1); }
    else if (k === "[") { e.preventDefault(); stepMatch(-1); }
    else if (k === "\\") { e.preventDefault(); clearSearch(); }
    else if (k.length === 1 && keyMap.has(k.toLowerCase())) {
      e.preventDefault();
      const c = keyMap.get(k.toLowerCase());
      choose(c.dim, c.value);
    }
  });

  for (const btn of document.querySelectorAll("button.choice")) {
    btn.addEventListener("click", () => { choose(btn.dataset.dim, btn.dataset.value); btn.blur(); });
  }
  $("save").addEventListener("click", (e) => { e.currentTarget.blur(); submit("label"); });
  $("skip").addEventListener("click", (e) => { e.currentTarget.blur(); submit("skip"); });
  $("undo").addEventListener("click", (e) => { e.currentTarget.blur(); undo(); });
  $("back").addEventListener("click", (e) => { e.currentTarget.blur(); step("prev"); });
  $("forward").addEventListener("click", (e) => { e.currentTarget.blur(); step("next"); });
  $("refresh-now").addEventListener("click", (e) => {
    e.currentTarget.blur();
    run("refresh", async () => {
      const data = await api("POST", "/api/retrain", {});
      const here = task && task.passage ? "?passage_id=" + encodeURIComponent(task.passage.id) : "";
      render(await api("GET", "/api/task" + here));
      say(data.started ? "retraining started: the order changes when the model is ready" : "a retraining is already running", "");
    });
  });

  $("search").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  $("clear-search").addEventListener("click", (e) => { e.currentTarget.blur(); clearSearch(); });
  $("help-open").addEventListener("click", (e) => { e.currentTarget.blur(); toggleHelp(true); });
  $("help").addEventListener("click", (e) => { if (e.target === $("help")) toggleHelp(false); });
  fField.addEventListener("change", fillOperators);
  fillOperators();

  run("loading", async () => {
    render(await api("GET", "/api/task"));
    searchFields = (await api("GET", "/api/fields")).fields;
    for (const f of searchFields) {
      const o = document.createElement("option");
      o.value = f.name;
      o.textContent = f.label;
      fField.appendChild(o);
    }
  });
})();
