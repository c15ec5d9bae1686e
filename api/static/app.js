/* memqa web page: asks POST /ask and shows cited passages as cards.
 *
 * Every piece of server text goes into the page through textContent or text nodes, never
 * innerHTML, so a report (or a question) containing markup cannot run script in the page.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  const form = $("ask-form");
  const question = $("question");
  const kSelect = $("k");
  const objectiveSelect = $("objective");
  const kindSelect = $("kind");
  const errorBox = $("error");
  const statusBox = $("status");
  const results = $("results");
  const summary = $("summary");
  const notice = $("notice");
  const cards = $("cards");

  const KIND_NAMES = {
    priority_action: "Priority action",
    evaluative_summary: "Evaluative summary",
    preface: "Preface",
  };

  let current = null; // AbortController of the request in flight
  const sectionCache = new Map(); // section id -> Promise of GET /sections/{id}

  /* ---------- small DOM helpers ---------- */

  /** Build an element; string children become text nodes (never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "hidden") node.hidden = true;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /* ---------- wording ---------- */

  /** "mexico-2022" -> "MEM 2022 Mexico" (report ids are "<country>-<year>"). */
  function reportName(reportId) {
    const parts = String(reportId || "").split("-");
    const year = /^\d{4}$/.test(parts[parts.length - 1]) ? parts.pop() : "";
    const country = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join(" ");
    return ["MEM", year, country].filter(Boolean).join(" ");
  }

  function lines(c) {
    return c.start_line === c.end_line ? `line ${c.start_line}` : `lines ${c.start_line}–${c.end_line}`;
  }

  /** The text the "Copy citation" button puts on the clipboard. */
  function citationText(c, passage) {
    const title = String(c.title || "").trim().replace(/[.;:]+$/, "");
    const named = title && title !== c.label ? `${c.label} — ${title}` : c.label;
    const head = `${reportName(c.report)} (${c.report}), ${named}, ${c.source} ${lines(c)}`;
    return passage ? `${head}\n“${passage.trim()}”` : head;
  }

  function shorten(text, max) {
    const t = String(text || "").trim();
    return t.length <= max ? t : t.slice(0, max - 1).replace(/\s+\S*$/, "") + "…";
  }

  /* ---------- highlighting ---------- */

  /**
   * Split ``text`` into plain and highlighted runs. The API's offsets count Unicode code points
   * (Python strings), so slicing is done on code points, not UTF-16 units.
   */
  function runs(text, highlights) {
    const chars = Array.from(text);
    const spans = (highlights || [])
      .map((h) => [Number(h.start), Number(h.end)])
      .filter(([s, e]) => Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s && s < chars.length)
      .map(([s, e]) => [s, Math.min(e, chars.length)])
      .sort((a, b) => a[0] - b[0]);
    const out = [];
    let pos = 0;
    for (const [s, e] of spans) {
      const start = Math.max(s, pos);
      if (e <= start) continue; // overlaps one already marked
      if (start > pos) out.push({ text: chars.slice(pos, start).join(""), mark: false });
      out.push({ text: chars.slice(start, e).join(""), mark: true });
      pos = e;
    }
    if (pos < chars.length) out.push({ text: chars.slice(pos).join(""), mark: false });
    return out;
  }

  /** Where the highlighted sentences occur in a longer text (the full section), by exact match. */
  function findHighlights(text, highlights) {
    const chars = Array.from(text);
    const found = [];
    for (const h of highlights || []) {
      const needle = String(h.text || "");
      if (!needle) continue;
      const at = text.indexOf(needle);
      if (at < 0) continue;
      const start = Array.from(text.slice(0, at)).length;
      found.push({ start, end: Math.min(start + Array.from(needle).length, chars.length) });
    }
    return found;
  }

  /** Text nodes and <mark>s; a highlight is marked line by line so blank lines stay unmarked. */
  function markedText(text, highlights) {
    const nodes = [];
    for (const r of runs(text, highlights)) {
      if (!r.mark) {
        nodes.push(document.createTextNode(r.text));
        continue;
      }
      for (const piece of r.text.split(/(\s*\n\s*)/)) {
        if (!piece) continue;
        nodes.push(piece.trim() ? el("mark", {}, piece) : document.createTextNode(piece));
      }
    }
    return nodes;
  }

  /* ---------- API ---------- */

  class ApiError extends Error {}

  async function readJson(response) {
    const type = response.headers.get("content-type") || "";
    if (!type.includes("json")) return null;
    try {
      return await response.json();
    } catch (_) {
      return null;
    }
  }

  /** The message to show for a failed response: the API's {"error": ...}, else something useful. */
  function errorMessage(data, response) {
    if (data && typeof data.error === "string" && data.error) return data.error;
    if (data && data.detail) {
      if (typeof data.detail === "string") return data.detail;
      if (Array.isArray(data.detail)) {
        return data.detail.map((d) => (d && d.msg ? d.msg : JSON.stringify(d))).join("; ");
      }
    }
    return `The server answered ${response.status} ${response.statusText || ""}`.trim() + ". Try again.";
  }

  async function getJson(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options));
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("Could not reach the memqa server. Check that “memqa serve” is still running, then try again.");
    }
    const data = await readJson(response);
    if (!response.ok) throw new ApiError(errorMessage(data, response));
    if (data === null) throw new ApiError("The server sent an answer that is not JSON. Reload the page and try again.");
    return data;
  }

  /** GET /sections/{id}; ids contain a slash ("mexico-2022/pa-2.4"), so encode each part. */
  function fetchSection(id) {
    if (!sectionCache.has(id)) {
      const path = String(id).split("/").map(encodeURIComponent).join("/");
      const promise = getJson(`/sections/${path}`);
      promise.catch(() => sectionCache.delete(id)); // let a later click retry
      sectionCache.set(id, promise);
    }
    return sectionCache.get(id);
  }

  /* ---------- page states ---------- */

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function hideError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function setBusy(busy) {
    results.setAttribute("aria-busy", busy ? "true" : "false");
    form.classList.toggle("is-busy", busy);
    clear(statusBox);
    if (busy) {
      statusBox.append(el("span", { className: "spinner", "aria-hidden": "true" }), "Searching the report…");
    }
  }

  function clearResults() {
    clear(cards);
    clear(summary);
    clear(notice);
    summary.hidden = true;
    notice.hidden = true;
  }

  /* ---------- rendering ---------- */

  function renderAnswer(answer) {
    clearResults();
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    const answerable = answer.answerable !== false;

    if (!answerable || answer.notice) {
      notice.append(el("p", { className: "notice-title" }, answerable ? "Note" : "No direct answer in the report"));
      if (answer.notice) notice.append(el("p", {}, answer.notice));
      else {
        notice.append(el("p", {},
          "The report does not seem to answer this question" +
          (passages.length ? "; the passages below are the nearest ones, shown for reference only." : ".")));
      }
      notice.classList.toggle("notice-warning", !answerable);
      notice.hidden = false;
    }

    const confidence = String(answer.confidence || "unknown");
    summary.append(
      el("h3", { className: "summary-title" }, answerable ? "Cited passages" : "Nearest passages"),
      el("span", { className: `badge confidence confidence-${confidence}` }, `Confidence: ${confidence}`),
    );
    if (answer.language) {
      summary.append(el("span", { className: "badge" }, `Question language: ${answer.language}`));
    }
    summary.hidden = false;

    if (!passages.length) {
      cards.append(
        el("li", { className: "empty" },
          "No passages matched this question. Try other words, or set the filters back to “All”."),
      );
      statusBox.textContent = "No passages found.";
      return;
    }
    passages.forEach((hit, i) => cards.append(renderCard(hit, i, answerable)));
    statusBox.textContent = `${passages.length} ${answerable ? "cited" : "nearest"} passage${passages.length === 1 ? "" : "s"} found.`;
  }

  function renderCard(hit, index, answerable) {
    const c = hit.citation || {};
    const id = `card-${index + 1}`;
    const fullId = `${id}-full`;

    const heading = el("h4", { className: "citation", id: `${id}-title`, title: c.title || null },
      el("span", { className: "citation-label" }, c.label || "Passage"),
      c.title && c.title !== c.label ? el("span", { className: "citation-title" }, ` — ${c.title}`) : null,
    );
    const meta = el("p", { className: "citation-meta" },
      el("span", {}, `${reportName(c.report)} (${c.report})`),
      el("span", {}, `${c.source}, ${lines(c)}`),
      KIND_NAMES[c.kind] ? el("span", {}, KIND_NAMES[c.kind]) : null,
      typeof hit.score === "number" ? el("span", { className: "score" }, `score ${hit.score.toFixed(4)}`) : null,
    );

    const passage = el("blockquote", { className: "passage" }, markedText(String(hit.text || ""), hit.highlights));

    const full = el("div", { className: "full-section", id: fullId, hidden: true });
    const expand = el("button", { type: "button", className: "button button-expand", "aria-expanded": "false", "aria-controls": fullId },
      "Show full section");
    expand.addEventListener("click", () => toggleSection(expand, full, c, hit.highlights));

    const feedback = el("span", { className: "copy-feedback", role: "status", "aria-live": "polite" });
    const copy = el("button", { type: "button", className: "button button-copy" }, "Copy citation");
    copy.addEventListener("click", () => copyCitation(copy, feedback, citationText(c, hit.text)));

    return el("li", { className: answerable ? "card" : "card card-nearest" },
      el("article", { "aria-labelledby": `${id}-title` },
        el("header", { className: "card-header" },
          el("span", { className: "rank", "aria-label": `Result ${hit.rank || index + 1}` }, String(hit.rank || index + 1)),
          el("div", { className: "card-heading" }, heading, meta),
        ),
        passage,
        el("div", { className: "card-actions" }, expand, copy, feedback),
        full,
      ),
    );
  }

  async function toggleSection(button, box, citation, highlights) {
    const open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = "Show full section";
      return;
    }
    if (!box.dataset.loaded) {
      button.disabled = true;
      button.textContent = "Loading section…";
      box.setAttribute("aria-busy", "true");
      try {
        const section = await fetchSection(citation.section_id);
        clear(box);
        const text = String(section.text || "");
        box.append(
          el("h5", { className: "full-title" },
            `Full section: ${section.label || citation.label}, ${section.source || citation.source} ${lines(section.start_line ? section : citation)}`),
          el("div", { className: "full-text" }, markedText(text, findHighlights(text, highlights))),
        );
        box.dataset.loaded = "1";
      } catch (err) {
        clear(box);
        box.append(el("p", { className: "error error-inline", role: "alert" }, err.message || String(err)));
      } finally {
        box.removeAttribute("aria-busy");
        button.disabled = false;
      }
    }
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = "Hide full section";
  }

  /* ---------- clipboard ---------- */

  function copyWithTextarea(text) {
    const area = el("textarea", { readonly: true, "aria-hidden": "true", className: "copy-buffer" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (_) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  async function copyCitation(button, feedback, text) {
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch (_) {
        ok = false;
      }
    }
    if (!ok) ok = copyWithTextarea(text);
    button.focus();
    feedback.textContent = ok ? "Copied" : "Could not copy: select the passage and copy it by hand.";
    feedback.classList.toggle("copy-failed", !ok);
    clearTimeout(feedback._timer);
    feedback._timer = setTimeout(() => { feedback.textContent = ""; }, ok ? 2500 : 8000);
  }

  /* ---------- asking ---------- */

  function requestBody() {
    return {
      question: question.value,
      k: Number(kSelect.value) || 5,
      objective: objectiveSelect.value ? Number(objectiveSelect.value) : null,
      kind: kindSelect.value || null,
      report: null,
    };
  }

  function rememberInUrl(body) {
    const params = new URLSearchParams();
    params.set("q", body.question);
    if (body.k !== 5) params.set("k", String(body.k));
    if (body.objective !== null) params.set("objective", String(body.objective));
    if (body.kind) params.set("kind", body.kind);
    history.replaceState(null, "", `${location.pathname}?${params}`);
  }

  async function ask() {
    if (current) current.abort();
    const controller = new AbortController();
    current = controller;
    const body = requestBody();
    hideError();
    setBusy(true);
    try {
      const answer = await getJson("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (current !== controller) return;
      setBusy(false);
      renderAnswer(answer);
      rememberInUrl(body);
    } catch (err) {
      if (current !== controller || (err && err.name === "AbortError")) return;
      setBusy(false);
      clearResults();
      showError(err.message || String(err));
    } finally {
      if (current === controller) {
        current = null;
        results.setAttribute("aria-busy", "false");
        form.classList.remove("is-busy");
      }
    }
  }

  /* ---------- filters ---------- */

  async function loadObjectives() {
    let sections;
    try {
      sections = await getJson("/sections");
    } catch (err) {
      objectiveSelect.title = `Objectives could not be loaded: ${err.message}`;
      return;
    }
    const titles = new Map();
    for (const s of sections) {
      if (!Number.isInteger(s.objective)) continue;
      if (!titles.has(s.objective)) titles.set(s.objective, "");
      if (s.kind === "evaluative_summary" && s.title) titles.set(s.objective, s.title);
    }
    const chosen = objectiveSelect.value || objectiveSelect.dataset.wanted || "";
    for (const n of [...titles.keys()].sort((a, b) => a - b)) {
      const title = titles.get(n);
      const option = el("option", { value: n, title: title || null },
        title ? `${n} — ${shorten(title, 60)}` : `Objective ${n}`);
      objectiveSelect.append(option);
    }
    objectiveSelect.value = chosen;
    if (objectiveSelect.value !== chosen) objectiveSelect.value = "";
    const kinds = new Set(sections.map((s) => s.kind));
    for (const option of Array.from(kindSelect.options)) {
      if (option.value && !kinds.has(option.value)) option.remove();
    }
  }

  /** A link like /?q=...&objective=2 fills the form and asks at once. */
  function restoreFromUrl() {
    const params = new URLSearchParams(location.search);
    const q = params.get("q");
    if (params.get("k") && [...kSelect.options].some((o) => o.value === params.get("k"))) kSelect.value = params.get("k");
    if (params.get("kind")) kindSelect.value = params.get("kind");
    if (params.get("objective")) objectiveSelect.dataset.wanted = params.get("objective");
    if (q !== null) question.value = q;
    return q !== null && q.trim() !== "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask();
  });

  const askNow = restoreFromUrl();
  const objectivesReady = loadObjectives();
  if (askNow) objectivesReady.then(ask);
  else question.focus();
})();
