// The adjudication page: one disagreement (passage x dimension) at a time; corpus text via textContent.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const note = $("note");
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
    $("progress").textContent = s.open + (s.open === 1 ? " open disagreement" : " open disagreements") + " · " + s.promoted + " unanimous labels made gold";
    $("empty").hidden = !!s.item;
    $("item").hidden = !s.item;
    if (!s.item) return;
    const it = s.item;
    $("doc-title").textContent = it.title || it.passage_id;
    $("doc-meta").textContent = [it.outlet, it.date, "disagreement " + (s.index + 1) + " of " + s.open].filter(Boolean).join(" · ");
    $("text").textContent = it.text;
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
    paint();
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
        note: note.value, index: state.index });
      render(data);
      say("gold for " + it.passage_id + " / " + it.dimension + ": " + show(sel === null ? "" : sel), "ok");
    });
  }

  function go(delta) {
    if (!state || !state.item) return;
    run("navigation", async () => { render(await api("GET", "/api/item?index=" + Math.max(0, state.index + delta))); });
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.target === note) {
      if (e.key === "Escape") { e.preventDefault(); note.blur(); }
      else if (e.key === "Enter") { e.preventDefault(); note.blur(); resolve(); }
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
  run("loading", async () => { render(await api("GET", "/api/item")); });
})();
