// The adjudication page: one disagreement (passage x dimension) at a time; corpus text via textContent.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const note = $("note");
  const rule = $("rule");
  let state = null;
  let sel = null;
  let busy = false;

  function say(text, kind) { $("status").textContent = text; $("status").className = "status " + (kind || ""); }

  async function api(method, url, body) {
    const resp = await fetch(url, {
      method, credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (resp.status === 401) { window.location.href = "/login"; }
    if (!resp.ok) throw new Error((data && data.error) || resp.status + " " + resp.statusText);
    return data;
  }

  const show = (v) => (Array.isArray(v) ? v.join("; ") : String(v));

  function paint() {
    for (const btn of $("choices").querySelectorAll("button")) {
      const v = btn.dataset.value;
      const on = Array.isArray(sel) ? sel.includes(v) : sel === v;
      btn.classList.toggle("on", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function render(s) {
    state = s;
    $("progress").textContent = s.open + (s.open === 1 ? " open disagreement" : " open disagreements") + " · " + s.promoted_total + " unanimous labels made gold";
    $("empty").hidden = !!s.item;
    $("item").hidden = !s.item;
    if (!s.item) return;
    const it = s.item;
    $("doc-title").textContent = it.title || it.passage_id;
    const where = s.index === null || s.index === undefined ? "already decided" : "disagreement " + (s.index + 1) + " of " + s.open;
    $("doc-meta").textContent = [it.outlet, it.date, where].filter(Boolean).join(" · ");
    $("speaker").textContent = it.speaker ? "Speaker: " + it.speaker : "";
    $("ctx-prev").textContent = it.context.previous === null ? "(first passage of the document)" : it.context.previous;
    $("ctx-next").textContent = it.context.next === null ? "(last passage of the document)" : it.context.next;
    $("text").textContent = it.text;
    renderOthers(it);
    renderHistory(it);
    const rules = $("rules");
    rules.replaceChildren();
    for (const r of it.rules) {
      const dt = document.createElement("dt"); dt.textContent = r.id;
      const dd = document.createElement("dd"); dd.textContent = r.text;
      rules.append(dt, dd);
    }
    $("dim-name").textContent = it.dimension;
    $("dim-question").textContent = it.question;
    const tbody = $("votes");
    tbody.replaceChildren();
    for (const c of it.choices) {
      const tr = document.createElement("tr");
      const a = document.createElement("td"); a.textContent = c.annotator;
      const v = document.createElement("td"); v.textContent = show(c.value);
      const n = document.createElement("td"); n.textContent = c.note || "";
      tr.append(a, v, n);
      tbody.appendChild(tr);
    }
    const box = $("choices");
    box.replaceChildren();
    const defs = $("defs");
    defs.replaceChildren();
    for (const v of it.values) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "choice"; b.tabIndex = -1;
      b.dataset.value = v.name; b.title = v.definition;
      const k = document.createElement("kbd"); k.textContent = v.key;
      const votes = it.choices.filter((c) => (Array.isArray(c.value) ? c.value.includes(v.name) : c.value === v.name)).length;
      b.append(k, document.createTextNode(" " + v.name + (votes ? " (" + votes + ")" : "")));
      b.addEventListener("click", () => { choose(v.name); b.blur(); });
      box.appendChild(b);
      const dt = document.createElement("dt"); dt.textContent = v.key + " " + v.name;
      const dd = document.createElement("dd"); dd.textContent = v.definition;
      defs.append(dt, dd);
    }
    sel = it.gold === null || it.gold === undefined ? (it.multi ? [] : null) : it.gold;
    note.value = "";
    rule.value = "";
    paint();
  }

  function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

  function renderOthers(it) {
    const names = it.choices.map((c) => c.annotator);
    for (const o of it.other_dimensions) for (const a of Object.keys(o.labels)) if (!names.includes(a)) names.push(a);
    const head = document.createElement("tr");
    for (const h of ["dimension"].concat(names, ["gold"])) cell(head, h);
    $("others-head").replaceChildren(head);
    const body = $("others");
    body.replaceChildren();
    for (const o of it.other_dimensions) {
      const tr = document.createElement("tr");
      cell(tr, o.dimension);
      for (const a of names) cell(tr, o.labels[a] === undefined || o.labels[a] === null ? "" : show(o.labels[a]));
      cell(tr, o.gold === null ? "" : show(o.gold));
      body.appendChild(tr);
    }
  }

  function renderHistory(it) {
    const list = $("history");
    list.replaceChildren();
    const taken = it.decisions.filter((d) => d.method === "adjudicated");
    $("history-box").hidden = !taken.length;
    for (const d of taken) {
      const li = document.createElement("li");
      li.textContent = show(d.value) + " by " + d.decided_by + (d.rule ? " (" + d.rule + ")" : "") + (d.note ? ": " + d.note : "") + " · " + d.created_at;
      list.appendChild(li);
    }
  }

  async function showBatch(decided) {
    const d = await api("GET", "/api/batch?status=" + (decided ? "decided" : "open") + "&limit=500");
    $("batch").hidden = false;
    $("batch-title").textContent = (decided ? "Decisions taken: " : "Open disagreements: ") + d.total + (d.total > d.items.length ? " (first " + d.items.length + ")" : "");
    const body = $("batch-rows");
    body.replaceChildren();
    for (const r of d.items) {
      const tr = document.createElement("tr");
      cell(tr, r.dimension);
      cell(tr, decided ? show(r.gold) + (r.rule ? " (" + r.rule + ")" : "") : Object.entries(r.choices).map(([a, v]) => a + ": " + v).join(" · "));
      cell(tr, r.text);
      tr.className = "pick";
      tr.addEventListener("click", () => run("navigation", async () => {
        render(await api("GET", "/api/item?passage_id=" + encodeURIComponent(r.passage_id) + "&dimension=" + encodeURIComponent(r.dimension)));
      }));
      body.appendChild(tr);
    }
  }

  function choose(value) {
    if (!state || !state.item) return;
    if (state.item.multi) {
      const cur = Array.isArray(sel) ? sel : [];
      sel = cur.includes(value) ? cur.filter((x) => x !== value) : cur.concat([value]).sort();
    } else { sel = value; }
    paint();
  }

  async function run(what, fn) {
    if (busy) return;
    busy = true;
    try { await fn(); } catch (err) { say(what + " failed: " + err.message, "error"); } finally { busy = false; }
  }

  function resolve() {
    if (!state || !state.item) return;
    if (sel === null || (Array.isArray(sel) && !sel.length)) { say("choose the gold value first", "warn"); return; }
    const it = state.item;
    run("saving", async () => {
      const data = await api("POST", "/api/resolve", { passage_id: it.passage_id, dimension: it.dimension, value: sel,
        note: note.value, rule: rule.value, index: state.index === null ? 0 : state.index });
      render(data);
      say("gold for " + it.passage_id + " / " + it.dimension + ": " + show(sel === null ? "" : sel), "ok");
    });
  }

  function go(delta) {
    if (!state || !state.item) return;
    const from = state.index === null || state.index === undefined ? 0 : state.index;
    run("navigation", async () => { render(await api("GET", "/api/item?index=" + Math.max(0, from + delta))); });
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.target === note || e.target === rule) {
      if (e.key === "Escape") { e.preventDefault(); e.target.blur(); }
      else if (e.key === "Enter") { e.preventDefault(); e.target.blur(); resolve(); }
      return;
    }
    if (e.key === "Enter") { e.preventDefault(); if (!e.repeat) resolve(); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); go(-1); }
    else if (e.key === "ArrowRight") { e.preventDefault(); go(1); }
    else if (e.key === "Tab") { e.preventDefault(); note.focus(); }
    else if (state && state.item && e.key.length === 1) {
      const v = state.item.values.find((x) => x.key === e.key.toLowerCase());
      if (v) { e.preventDefault(); choose(v.name); }
    }
  });
  $("resolve").addEventListener("click", (e) => { e.currentTarget.blur(); resolve(); });
  $("prev").addEventListener("click", (e) => { e.currentTarget.blur(); go(-1); });
  $("next").addEventListener("click", (e) => { e.currentTarget.blur(); go(1); });
  $("promote").addEventListener("click", (e) => {
    e.currentTarget.blur();
    run("promoting", async () => { const d = await api("POST", "/api/promote", {}); render(d); say(d.promoted + " more unanimous labels made gold", "ok"); });
  });
  $("show-batch").addEventListener("click", (e) => { e.currentTarget.blur(); run("listing", () => showBatch(false)); });
  $("show-decided").addEventListener("click", (e) => { e.currentTarget.blur(); run("listing", () => showBatch(true)); });
  run("loading", async () => { render(await api("GET", "/api/item")); });
})();
