/* memqa web page: asks POST ask and shows cited passages as cards; its scorecard view (#scorecard)
 * shows CICAD's verdict on every priority action from GET scorecard.
 *
 * Every piece of server text goes into the page through text nodes, never innerHTML, so a report
 * (or a question) containing markup cannot run script in the page.
 *
 * Display versus source: the API's text is the exact source slice and its offsets index it. The
 * page only changes how it *looks*: leftovers of the PDF conversion (HTML tags such as
 * <ul style=...> or </li>, markdown emphasis asterisks) are not shown, tab-separated rows become
 * tables, "- " lines become lists, and the heading line the card title already shows is skipped.
 * Highlights are positioned on the source characters, so they stay exact.
 *
 * URLs are relative ("ask", not "/ask") so the page works under a sub-path behind a proxy.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  const form = $("ask-form");
  const question = $("question");
  const kSelect = $("k");
  const objectiveSelect = $("objective");
  const kindSelect = $("kind");
  const reportSelect = $("report");
  const scopeLine = $("scope");
  const errorBox = $("error");
  const statusBox = $("status");
  const results = $("results");
  const summary = $("summary");
  const notice = $("notice");
  const directAnswer = $("direct-answer");
  const cardsTitle = $("cards-title");
  const cards = $("cards");
  const viewSearch = $("view-search");
  const viewScorecard = $("view-scorecard");
  const board = $("verdicts");
  const boardBody = $("scorecard-body");
  const legend = $("scorecard-legend");
  const skipLink = document.querySelector(".skip-link");

  const KIND_NAMES = {
    priority_action: "Priority action",
    evaluative_summary: "Evaluative summary",
    preface: "Preface",
  };
  const LANGUAGE_NAMES = { en: "English", es: "Spanish", pt: "Portuguese", fr: "French" };
  /* What the answerability verdict means for a reader (the API's "confidence"). */
  const MATCH = {
    high: ["Strong match", "The quotations below answer the question directly."],
    medium: ["Probable match", "Check that the quotations answer your question."],
    low: ["Weak match", "The report may not answer this; treat the quotations with care."],
  };

  /* CICAD's verdict on a priority action (the API's assessment status): a visible mark and word, never
   * colour alone; ``spoken`` is what the accessible name says. */
  const STATUS = {
    positive: { mark: "✓", word: "met", spoken: "met", help: "CICAD notes it is done" },
    partial: { mark: "◐", word: "partial", spoken: "partially met", help: "done in part" },
    gap: { mark: "✗", word: "gap", spoken: "gap", help: "CICAD notes a shortfall" },
    not_applicable: { mark: "", word: "n/a", spoken: "not applicable", help: "does not apply to the country" },
    none: { mark: "—", word: "none", spoken: "no verdict", help: "no clause judges it" },
  };

  let current = null; // AbortController of the request in flight
  const sectionCache = new Map(); // section id -> Promise of GET sections/{id}
  const reports = new Map(); // report id -> metadata from GET reports
  let reportList = []; // the reports in the selector's order
  let toc = []; // GET sections (objective titles for the scorecard)
  let view = "search"; // "search" or "scorecard"

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

  function isObject(x) {
    return x !== null && typeof x === "object" && !Array.isArray(x);
  }

  /* ---------- wording ---------- */

  /** "mexico-2022" -> "Mexico 2022": from GET reports when loaded, else from the id. */
  function reportName(reportId) {
    const meta = reports.get(reportId);
    if (meta && meta.country) return [meta.country, meta.year].filter(Boolean).join(" ");
    const parts = String(reportId || "").split("-");
    const year = /^\d{4}$/.test(parts[parts.length - 1]) ? parts.pop() : "";
    const country = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join(" ");
    return [country, year].filter(Boolean).join(" ");
  }

  function lines(c) {
    // A report ingested from PDF is cited by its printed pages; a text report by its lines.
    if (c.page_start) {
      return c.page_start === c.page_end ? `p. ${c.page_start}` : `pp. ${c.page_start}–${c.page_end}`;
    }
    if (c.start_column && c.start_line === c.end_line) {
      // part of one long source line (an evaluative summary is one paragraph on one line)
      return `line ${c.start_line}, characters ${c.start_column}–${c.end_column}`;
    }
    return c.start_line === c.end_line ? `line ${c.start_line}` : `lines ${c.start_line}–${c.end_line}`;
  }

  /** Plain text of a reference written with *italics* (the API's ``cite``). */
  function plain(text) {
    return String(text || "").replace(/\*/g, "");
  }

  /** The full reference: the API's ``cite`` (OAS style), or one built from the citation's fields. */
  function fullReference(c) {
    if (c.cite) return String(c.cite);
    const meta = reports.get(c.report) || {};
    const parts = ["CICAD", meta.title ? `*${meta.title}*` : `MEM report ${c.report}`];
    if (meta.round) parts.push(`MEM ${meta.round}`);
    if (meta.document_code) parts.push(meta.document_code);
    return [...parts, c.label, lines(c)].join(", ");
  }

  /** "CICAD, Mexico 2022, Priority Action 2.4, line 261" — to follow a quoted sentence. */
  function shortReference(c, range) {
    return ["CICAD", reportName(c.report), c.label, lines(range || c)].filter(Boolean).join(", ");
  }

  function shorten(text, max) {
    const t = String(text || "").trim();
    return t.length <= max ? t : t.slice(0, max - 1).replace(/\s+\S*$/, "") + "…";
  }

  /* ---------- the display model of a source text ---------- */

  /**
   * Code points of ``text`` (the API's offsets count code points, as Python does), which of them
   * are conversion leftovers to hide (HTML tags, emphasis asterisks), and the code-point index of
   * every UTF-16 index (to place regular-expression matches).
   */
  function model(text) {
    const chars = Array.from(text);
    const cpOf = new Array(text.length + 1);
    let cp = 0;
    for (let i = 0; i < text.length; i++) {
      cpOf[i] = cp;
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) cpOf[++i] = cp;
      cp++;
    }
    cpOf[text.length] = cp;
    const hidden = new Uint8Array(chars.length);
    for (const m of text.matchAll(/<\/?[A-Za-z][^<>\n]{0,300}>|\*+/g)) {
      hidden.fill(1, cpOf[m.index], cpOf[m.index + m[0].length]);
    }
    return { text, chars, hidden, cpOf, marks: new Uint8Array(chars.length) };
  }

  /** Mark the highlighted code points ``[start, end)`` of the model. */
  function mark(m, highlights) {
    for (const h of highlights || []) {
      const s = Number(h.start);
      const e = Math.min(Number(h.end), m.chars.length);
      if (Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s) m.marks.fill(1, s, e);
    }
    return m;
  }

  /** Where the highlighted sentences occur in another text (the full section), by exact match. */
  function findHighlights(text, highlights) {
    const found = [];
    for (const h of highlights || []) {
      const needle = String(h.text || "");
      const at = needle ? text.indexOf(needle) : -1;
      if (at < 0) continue;
      const start = Array.from(text.slice(0, at)).length;
      found.push({ start, end: start + Array.from(needle).length });
    }
    return found;
  }

  function normal(text) {
    return plain(text).replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim().replace(/[.:;\s]+$/, "").toLowerCase();
  }

  /**
   * Code-point offset where the body starts: after the leading heading paragraphs that the card
   * title already shows ("Priority Action 2.4: <title>", "Objective 1" + the objective's title,
   * "PREFACE"). The heading of a second priority action sharing the body is kept.
   */
  function bodyStart(text, c) {
    let pos = 0;
    for (let n = 0; n < 3; n++) {
      const lead = text.slice(pos).search(/\S/);
      if (lead < 0) break;
      const start = pos + lead;
      const cut = text.indexOf("\n\n", start);
      if (cut < 0) break;
      const para = normal(text.slice(start, cut));
      const title = normal(c.title);
      const heading =
        (c.priority_action && para.startsWith(`priority action ${String(c.priority_action).toLowerCase()}:`)) ||
        para === normal(c.label) ||
        (c.kind === "evaluative_summary" && /^objective \d+$/.test(para)) ||
        (title && (para === title || (title.length > 40 && para.startsWith(title))));
      if (!heading) break;
      pos = cut;
    }
    const lead = text.slice(pos).search(/\S/);
    return lead < 0 ? 0 : Array.from(text.slice(0, pos + lead)).length;
  }

  const BULLET = /^[\s]*[-•·▪●◦]\s+/;
  const ENDS_SENTENCE = /[.!?:;]['"”’)\]]*$/;

  /**
   * Split code points ``[from, chars.length)`` into display blocks: paragraphs (runs of prose
   * lines), lists ("- " lines) and tables (lines with tabs or " | " between cells), each holding
   * code-point ranges into the source.
   */
  function blocks(m, from) {
    const out = [];
    let pos = from;
    const text = m.chars.join("");
    const all = text.split("\n");
    let offset = 0;
    const linesCp = [];
    for (const line of all) {
      const len = Array.from(line).length;
      linesCp.push([offset, offset + len, line]);
      offset += len + 1;
    }
    let last = null;
    let broken = null; // the block before a blank line, which a PDF page break may have cut
    for (const [a, b, line] of linesCp) {
      if (b <= pos) continue;
      const start = Math.max(a, pos);
      const visible = visibleText(m, start, b);
      if (!visible.trim()) {
        if (last) broken = last;
        last = null;
        continue;
      }
      if (broken && continues(m, broken, visible)) {
        // "... and the Tax" / blank / "Administration Service": one sentence cut by a page break.
        if (broken.type === "list") broken.items[broken.items.length - 1][1] = b;
        else broken.lines.push([start, b, " "]);
        last = broken;
        broken = null;
        pos = b;
        continue;
      }
      broken = null;
      if (line.includes("\t") || / \| \S/.test(line)) {
        const cells = splitCells(m, start, b, line.includes("\t") ? "\t" : "|");
        if (last && last.type === "table") last.rows.push(cells);
        else out.push((last = { type: "table", rows: [cells], first: out.length === 0 }));
      } else if (BULLET.test(visible)) {
        const skip = visible.match(BULLET)[0].length;
        const item = [advanceVisible(m, start, b, skip), b];
        if (last && last.type === "list") last.items.push(item);
        else out.push((last = { type: "list", items: [item] }));
      } else if (last && last.type === "paragraph") {
        last.lines.push([start, b]);
      } else if (last && last.type === "list" && !ENDS_SENTENCE.test(visibleText(m, ...last.items[last.items.length - 1]).trim())) {
        last.items[last.items.length - 1][1] = b; // a list item wrapped onto the next line
      } else {
        out.push((last = { type: "paragraph", lines: [[start, b]] }));
      }
      pos = b;
    }
    return out;
  }

  /** Whether ``next`` continues the sentence a page break cut at the end of ``block`` (as the
   *  server's sentence splitter decides it, in short: no closing punctuation, and a lower-case
   *  continuation or a short fragment). */
  function continues(m, block, next) {
    if (block.type !== "paragraph" && block.type !== "list") return false;
    const range = block.type === "list" ? block.items[block.items.length - 1] : block.lines[block.lines.length - 1];
    const end = visibleText(m, range[0], range[1]).trim();
    const head = next.trim();
    if (!end || ENDS_SENTENCE.test(end) || BULLET.test(next) || /^(Priority Action|OBJECTIVE|Objective \d)/.test(head)) {
      return false;
    }
    if (/^[a-z(,;]/.test(head)) return true;
    const fragment = head.split(/\s+/).length <= 6 && !ENDS_SENTENCE.test(head);
    return block.type === "list" ? fragment : end.split(/\s+/).length > 8;
  }

  function visibleText(m, a, b) {
    let s = "";
    for (let i = a; i < b; i++) if (!m.hidden[i]) s += m.chars[i];
    return s;
  }

  /** The code point after skipping ``count`` visible characters from ``a``. */
  function advanceVisible(m, a, b, count) {
    let i = a;
    let seen = 0;
    while (i < b && seen < count) {
      if (!m.hidden[i]) seen++;
      i++;
    }
    while (i < b && m.hidden[i]) i++;
    return i;
  }

  function splitCells(m, a, b, sep) {
    const cells = [];
    let start = a;
    for (let i = a; i < b; i++) {
      if (m.chars[i] === sep && !m.hidden[i]) {
        cells.push([start, i]);
        start = i + 1;
      }
    }
    cells.push([start, b]);
    return cells;
  }

  /** Text nodes and <mark>s for the visible code points of ``[a, b)``, trimmed. */
  function runNodes(m, a, b) {
    while (a < b && (m.hidden[a] || /\s/.test(m.chars[a]))) a++;
    while (b > a && (m.hidden[b - 1] || /\s/.test(m.chars[b - 1]))) b--;
    const nodes = [];
    let buf = "";
    let marked = false;
    const flush = () => {
      if (!buf) return;
      nodes.push(marked && buf.trim() ? el("mark", {}, buf) : document.createTextNode(buf));
      buf = "";
    };
    for (let i = a; i < b; i++) {
      if (m.hidden[i]) continue;
      const on = m.marks[i] === 1;
      if (on !== marked) {
        flush();
        marked = on;
      }
      buf += m.chars[i];
    }
    flush();
    return nodes;
  }

  /** A table cell: its text, or a list when the cell holds "•" bullets (an HTML list in the PDF). */
  function cellNodes(m, a, b) {
    const bullets = [];
    for (let i = a; i < b; i++) if (m.chars[i] === "•" && !m.hidden[i]) bullets.push(i);
    if (!bullets.length) return runNodes(m, a, b);
    const items = [];
    const lead = runNodes(m, a, bullets[0]);
    bullets.forEach((at, j) => {
      const end = j + 1 < bullets.length ? bullets[j + 1] : b;
      const nodes = runNodes(m, at + 1, end);
      if (nodes.length) items.push(el("li", {}, nodes));
    });
    return [...lead, el("ul", { className: "cell-list" }, items)];
  }

  /** The display of code points ``[from, end)`` of a model: paragraphs, lists and tables. */
  function render(m, from) {
    const out = [];
    for (const block of blocks(m, from)) {
      if (block.type === "paragraph") {
        const p = el("p", {});
        block.lines.forEach(([a, b, join], i) => {
          if (i) p.append(document.createTextNode(join || "\n"));
          p.append(...runNodes(m, a, b));
        });
        out.push(p);
      } else if (block.type === "list") {
        out.push(el("ul", {}, block.items.map(([a, b]) => el("li", {}, runNodes(m, a, b)))));
      } else {
        const width = Math.max(...block.rows.map((r) => r.length));
        // The first row is a header when the table starts after some text (as the report's tables do);
        // a window that begins inside a table starts with a data row.
        const header = !block.first && block.rows.length > 1 ? block.rows[0] : null;
        const names = header ? header.map(([a, b]) => visibleText(m, a, b).trim()) : [];
        const body = header ? block.rows.slice(1) : block.rows;
        const cell = (tag, range, i) => el(tag, { "data-label": tag === "td" && names[i] ? names[i] : null },
          cellNodes(m, range[0], range[1]));
        const pad = (row) => row.concat(Array(width - row.length).fill([0, 0]));
        out.push(el("div", { className: "table-wrap" },
          el("table", { className: header ? "report-table has-header" : "report-table" },
            header ? el("thead", {}, el("tr", {}, pad(header).map((r, i) => cell("th", r, i)))) : null,
            el("tbody", {}, body.map((row) => el("tr", {}, pad(row).map((r, i) => cell("td", r, i))))),
          )));
      }
    }
    return out;
  }

  /** The visible text of the highlighted sentences (for "copy the quotation"), with their lines. */
  function quotation(m, c, highlights) {
    const spans = (highlights || []).filter((h) => Number.isInteger(h.start) && h.end > h.start)
      .sort((x, y) => x.start - y.start);
    if (!spans.length) return null;
    const lineAt = (cp) => c.start_line + m.chars.slice(0, cp).filter((ch) => ch === "\n").length;
    const parts = spans.map((h) => visibleText(m, h.start, Math.min(h.end, m.chars.length))
      .replace(/\t+/g, " — ").replace(/\s+/g, " ").replace(/^[-•]\s+/, "").trim()).filter(Boolean);
    if (!parts.length) return null;
    return {
      text: parts.join(" […] "),
      range: { start_line: lineAt(spans[0].start), end_line: lineAt(spans[spans.length - 1].end - 1) },
    };
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

  /** GET sections/{id}; ids contain a slash ("mexico-2022/pa-2.4"), so encode each part. */
  function fetchSection(id) {
    if (!sectionCache.has(id)) {
      const path = String(id).split("/").map(encodeURIComponent).join("/");
      const promise = getJson(`sections/${path}`);
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
    for (const box of [cards, summary, notice, directAnswer, cardsTitle]) clear(box);
    cardsTitle.hidden = true;
    summary.hidden = true;
    notice.hidden = true;
    directAnswer.hidden = true;
  }

  /** Bring the results into view when the form left less than ~200 px of the first one on screen
   *  (phones); on a desktop screen the page stays put, with the question in sight. */
  function revealResults() {
    const first = directAnswer.hidden ? cards.firstElementChild || summary : directAnswer;
    const target = notice.hidden ? summary : notice;
    const top = first.getBoundingClientRect().top;
    if (top > window.innerHeight - 200 || top < 0) {
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
    }
  }

  /* ---------- rendering ---------- */

  function renderAnswer(answer) {
    clearResults();
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    const answerable = answer.answerable !== false;

    // An answerable result's notice ("the match is not certain ...") goes on the summary line; a box
    // is kept for the warning that the report does not seem to answer.
    if (!answerable) {
      notice.append(el("p", { className: "notice-title" }, "No direct answer in the report"));
      if (answer.notice) notice.append(el("p", {}, answer.notice));
      else {
        notice.append(el("p", {},
          "The report does not seem to answer this question" +
          (passages.length ? "; the passages below are the nearest ones, shown for reference only." : ".")));
      }
      notice.classList.add("notice-warning");
      notice.hidden = false;
    }

    if (answerable && isObject(answer.answer)) renderDirectAnswer(answer.answer);

    const [matchName, matchText] = MATCH[answer.confidence] || ["Match unknown", "Check the quotations."];
    summary.append(
      el("span", { className: `badge confidence confidence-${answer.confidence || "unknown"}`, title: matchText },
        matchName),
      el("span", { className: "summary-hint" }, answerable && answer.notice ? answer.notice : matchText),
    );
    cardsTitle.textContent = answerable ? "Cited passages" : "Nearest passages";
    cardsTitle.hidden = false;
    const lang = LANGUAGE_NAMES[answer.language];
    if (lang && answer.language !== "en") {
      summary.append(el("span", { className: "summary-hint" }, `Asked in ${lang}; the report is quoted as published.`));
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

  /** The API's direct answer (when present): verbatim text and the units it is quoted from. */
  function renderDirectAnswer(direct) {
    const text = typeof direct.text === "string" ? direct.text : "";
    const units = Array.isArray(direct.units) ? direct.units.filter(isObject) : [];
    if (!text.trim() && !units.length) return;
    const m = model(text);
    const body = text.trim() ? render(m, 0) : [];
    // One source line per cited unit, spanning the lines its pieces come from.
    const bySection = new Map();
    for (const u of units) {
      const c = isObject(u.citation) ? u.citation : null;
      if (!c) continue;
      const key = c.section_id || c.label;
      const seen = bySection.get(key);
      if (!seen) bySection.set(key, Object.assign({}, c));
      else {
        seen.start_line = Math.min(seen.start_line, c.start_line);
        seen.end_line = Math.max(seen.end_line, c.end_line);
      }
    }
    const sources = [...bySection.values()].map((c) => el("li", {},
      el("span", { className: "citation-label" }, c.label || "Source"),
      ` — ${reportName(c.report)}, ${c.source ? `${c.source}, ` : ""}${lines(c)}`));
    const verdict = { yes: "Yes", no: "No" }[direct.polarity];
    directAnswer.append(
      el("p", { className: "direct-title" }, "Answer quoted from the report",
        verdict ? el("span", { className: `badge polarity polarity-${direct.polarity}` }, verdict) : null,
        direct.count != null ? el("span", { className: "badge count", title: "counted from the list or table quoted below" },
          `${direct.count} listed`) : null),
      el("blockquote", { className: "passage direct-text" }, body),
      sources.length ? el("ul", { className: "direct-sources", "aria-label": "Quoted from" }, sources) : null,
    );
    directAnswer.hidden = false;
  }

  /** The display of a status: STATUS's entry, or the API's word for a status this page does not know. */
  function statusInfo(status) {
    const key = String(status || "none");
    if (Object.prototype.hasOwnProperty.call(STATUS, key)) return Object.assign({ key }, STATUS[key]);
    const word = key.replace(/_/g, " ");
    return { key: "unknown", mark: "", word, spoken: word, help: "" };
  }

  /** "✓ met" as a coloured badge (the mark is decoration; the word is read). */
  function statusBadge(info, className) {
    return el("span", { className: `${className} status-${info.key}` },
      info.mark ? el("span", { className: "status-mark", "aria-hidden": "true" }, info.mark) : null,
      info.mark ? " " : null, info.word);
  }

  /** CICAD's assessment of a passage's objective (when the API sends one), set apart from the quote. */
  function renderAssessment(a) {
    if (!isObject(a) || typeof a.text !== "string" || !a.text.trim()) return null;
    const c = isObject(a.citation) ? a.citation : null;
    const status = typeof a.status === "string" && a.status ? statusInfo(a.status) : null;
    return el("aside", { className: "assessment", "aria-label": "CICAD's assessment" },
      el("p", { className: "assessment-title" }, "CICAD's assessment",
        status ? statusBadge(status, "badge assessment-status") : null),
      el("div", { className: "assessment-text" }, render(model(a.text), 0)),
      c ? el("p", { className: "assessment-source" }, `${c.label || ""}, ${lines(c)}`.replace(/^, /, "")) : null,
    );
  }

  function renderCard(hit, index, answerable) {
    const c = isObject(hit.citation) ? hit.citation : {};
    const rank = hit.rank || index + 1;
    const id = `card-${index + 1}`;
    const fullId = `${id}-full`;
    const text = String(hit.text || "");
    const m = mark(model(text), hit.highlights);

    const heading = el("h4", { className: "citation", id: `${id}-title` },
      el("span", { className: "citation-label" }, c.label || "Passage"),
      c.title && c.title !== c.label ? el("span", { className: "citation-title" }, ` — ${plain(c.title)}`) : null,
    );
    const meta = el("p", { className: "citation-meta" },
      el("span", {}, `${reportName(c.report)}${reports.get(c.report) ? "" : ` (${c.report})`}`),
      el("span", {}, `${c.source}, ${lines(c)}`),
      KIND_NAMES[c.kind] ? el("span", {}, KIND_NAMES[c.kind]) : null,
    );

    const passage = el("blockquote", { className: "passage" },
      hit.continues_above === true ? el("p", { className: "continues" }, "[…] The section continues above.") : null,
      render(m, bodyStart(text, c)),
      hit.continues_below === true ? el("p", { className: "continues" }, "[…] The section continues below: “Show full section”.") : null);

    const full = el("div", { className: "full-section", id: fullId, hidden: true });
    const expand = el("button", { type: "button", className: "button button-expand", "aria-expanded": "false", "aria-controls": fullId },
      "Show full section");
    expand.addEventListener("click", () => toggleSection(expand, full, c, hit.highlights));

    return el("li", { className: answerable ? "card" : "card card-nearest" },
      el("article", { "aria-labelledby": `${id}-title` },
        el("header", { className: "card-header" },
          el("span", { className: "rank", title: `Result ${rank}`, "aria-label": `Result ${rank}` }, String(rank)),
          el("div", { className: "card-heading" }, heading, meta),
        ),
        passage,
        renderAssessment(hit.assessment),
        el("div", { className: "card-actions" }, expand, copyControl(id, c, quotation(m, c, hit.highlights), text)),
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
        box.append(...sectionNodes(section, citation, highlights));
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

  /** A section from GET sections/{id} as the page shows it: its title line and its text after the
   *  heading (highlighting the sentences of ``highlights`` found in it). */
  function sectionNodes(section, citation, highlights) {
    const text = String(section.text || "");
    const m = mark(model(text), findHighlights(text, highlights));
    return [
      el("h5", { className: "full-title" },
        `Full section: ${section.label || citation.label}, ${section.source || citation.source} ${lines(section.start_line ? section : citation)}`),
      el("div", { className: "full-text" }, render(m, bodyStart(text, citation))),
    ];
  }

  /* ---------- copy citation ---------- */

  /** "Copy citation" and its menu: the full reference, or the highlighted sentence with a short one. */
  function copyControl(id, c, quote, text) {
    const menuId = `${id}-copy`;
    const reference = fullReference(c);
    const quoteText = quote
      ? `“${quote.text}” (${shortReference(c, quote.range)})`
      : `“${shorten(text.replace(/[*]|<[^>]*>/g, "").replace(/\s+/g, " "), 400)}” (${shortReference(c)})`;
    const feedback = el("span", { className: "copy-feedback", role: "status", "aria-live": "polite" });
    const button = el("button", {
      type: "button", className: "button button-copy", "aria-haspopup": "menu", "aria-expanded": "false",
      "aria-controls": menuId,
    }, "Copy citation");
    const option = (kind, title, preview) => el("button", { type: "button", role: "menuitem", className: "copy-option", "data-copy": kind },
      el("span", { className: "copy-option-title" }, title),
      el("span", { className: "copy-option-preview" }, preview));
    const menu = el("div", { className: "copy-menu", id: menuId, role: "menu", "aria-label": "Copy citation", hidden: true },
      option("reference", "Full reference", italics(reference)),
      option("quote", quote ? "Highlighted sentence with a short reference" : "Passage with a short reference",
        shorten(quoteText, 160)));

    const close = (focusButton) => {
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
      document.removeEventListener("click", outside, true);
      if (focusButton) button.focus();
    };
    const outside = (event) => {
      if (!menu.contains(event.target) && event.target !== button) close(false);
    };
    button.addEventListener("click", () => {
      if (!menu.hidden) return close(false);
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      menu.querySelector("[role=menuitem]").focus();
      document.addEventListener("click", outside, true);
    });
    menu.addEventListener("keydown", (event) => {
      const items = [...menu.querySelectorAll("[role=menuitem]")];
      const at = items.indexOf(document.activeElement);
      if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        items[(at + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length].focus();
      }
    });
    menu.addEventListener("click", async (event) => {
      const item = event.target.closest("[role=menuitem]");
      if (!item) return;
      const isReference = item.dataset.copy === "reference";
      const ok = await copyText(isReference ? plain(reference) : quoteText,
        isReference ? referenceHtml(reference) : null);
      close(true);
      feedback.textContent = ok ? (isReference ? "Reference copied" : "Quotation copied")
        : "Could not copy: select the text and copy it by hand.";
      feedback.classList.toggle("copy-failed", !ok);
      clearTimeout(feedback._timer);
      feedback._timer = setTimeout(() => { feedback.textContent = ""; }, ok ? 2500 : 8000);
    });
    return el("span", { className: "copy" }, button, menu, feedback);
  }

  /** Nodes of a reference written with *title* in italics markup. */
  function italics(reference) {
    return String(reference).split(/(\*[^*]+\*)/).filter(Boolean)
      .map((part) => (/^\*[^*]+\*$/.test(part) ? el("i", {}, part.slice(1, -1)) : document.createTextNode(part)));
  }

  /** The reference as HTML with its title in italics (what a word processor pastes). */
  function referenceHtml(reference) {
    return el("span", {}, italics(reference)).outerHTML;
  }

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

  async function copyText(text, html) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        if (html && window.ClipboardItem) {
          await navigator.clipboard.write([new ClipboardItem({
            "text/plain": new Blob([text], { type: "text/plain" }),
            "text/html": new Blob([html], { type: "text/html" }),
          })]);
        } else {
          await navigator.clipboard.writeText(text);
        }
        return true;
      } catch (_) {
        try {
          await navigator.clipboard.writeText(text);
          return true;
        } catch (__) { /* fall through to the textarea */ }
      }
    }
    return copyWithTextarea(text);
  }

  /* ---------- asking ---------- */

  function requestBody() {
    return {
      question: question.value,
      k: Number(kSelect.value) || 5,
      objective: objectiveSelect.value ? Number(objectiveSelect.value) : null,
      kind: kindSelect.value || null,
      report: reportSelect.value || null,
    };
  }

  function rememberInUrl(body) {
    const params = new URLSearchParams();
    params.set("q", body.question);
    if (body.k !== 5) params.set("k", String(body.k));
    if (body.objective !== null) params.set("objective", String(body.objective));
    if (body.kind) params.set("kind", body.kind);
    if (body.report) params.set("report", body.report);
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
      const answer = await getJson("ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (current !== controller) return;
      setBusy(false);
      renderAnswer(isObject(answer) ? answer : {});
      rememberInUrl(body);
      revealResults();
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

  /* ---------- views: search and scorecard ---------- */

  let pendingAsk = false;

  /** The view a URL hash asks for: "" or #search, #scorecard, #scorecard=<report>[&pa=N.M]; null for
   *  another anchor (the skip link's), which keeps the current view. */
  function hashState() {
    const raw = location.hash.replace(/^#/, "");
    if (!raw || raw === "search") return { view: "search" };
    const params = new URLSearchParams(raw);
    if (!params.has("scorecard")) return null;
    return { view: "scorecard", report: params.get("scorecard") || "", pa: params.get("pa") || "" };
  }

  function applyHash() {
    const state = hashState();
    if (!state) return;
    if (state.view === "search") {
      if (view !== "search") setView("search");
      return;
    }
    if (state.report && reports.has(state.report) && reportList.length > 1) {
      reportSelect.value = state.report;
      syncScorecardLink();
    }
    if (view !== "scorecard") setView("scorecard");
    else if (reportList.length) updateScope(reportList);
    showScorecard(state.pa, state.report);
  }

  function setView(name) {
    view = name;
    const scorecard = name === "scorecard";
    if (scorecard && current) current.abort(); // a question in flight is not shown in this view
    form.classList.toggle("mode-scorecard", scorecard);
    results.hidden = scorecard;
    board.hidden = !scorecard;
    (scorecard ? viewScorecard : viewSearch).setAttribute("aria-current", "page");
    (scorecard ? viewSearch : viewScorecard).removeAttribute("aria-current");
    skipLink.textContent = scorecard ? "Skip to the scorecard" : "Skip to results";
    document.title = scorecard ? "memqa — scorecard of CICAD’s verdicts" : "memqa — ask the MEM evaluation reports";
    hideError();
    clear(statusBox);
    if (reportList.length) updateScope(reportList); // (before GET reports answers, the scope line says so)
    if (!scorecard && pendingAsk) {
      pendingAsk = false;
      filtersReady.then(ask);
    }
  }

  /** The report the scorecard shows: the selector's, the only one, or "" (every report). */
  function scorecardReport() {
    if (reportSelect.value) return reportSelect.value;
    return reportList.length === 1 ? reportList[0].report_id : "";
  }

  function scorecardHash(report, pa) {
    const params = new URLSearchParams();
    params.set("scorecard", report || "");
    if (pa) params.set("pa", pa);
    return `#${params}`.replace(/^#scorecard=(&|$)/, "#scorecard$1");
  }

  /** Put the scorecard's state in the address (no history entry; no hashchange). */
  function writeHash(pa) {
    history.replaceState(null, "", `${location.pathname}${location.search}${scorecardHash(scorecardReport(), pa)}`);
  }

  function syncScorecardLink() {
    viewScorecard.setAttribute("href", scorecardHash(reportSelect.value, ""));
  }

  /* ---------- the scorecard ---------- */

  const scorecardCache = new Map(); // report id ("" = all) -> Promise of GET scorecard
  let scorecardTicket = 0; // the latest scorecard request; older answers are dropped
  let openCell = null; // the cell whose detail is open

  function fetchScorecard(report) {
    if (!scorecardCache.has(report)) {
      const promise = getJson(report ? `scorecard?report=${encodeURIComponent(report)}` : "scorecard");
      promise.catch(() => scorecardCache.delete(report));
      scorecardCache.set(report, promise);
    }
    return scorecardCache.get(report);
  }

  /** Load and draw the scorecard of the chosen report; ``openPa`` ("5.4") opens that cell. */
  async function showScorecard(openPa, askedReport) {
    const ticket = ++scorecardTicket;
    board.setAttribute("aria-busy", "true");
    clear(statusBox);
    statusBox.append(el("span", { className: "spinner", "aria-hidden": "true" }), "Loading CICAD’s verdicts…");
    try {
      await filtersReady;
      if (ticket !== scorecardTicket) return;
      const report = scorecardReport();
      const rows = await fetchScorecard(report);
      if (ticket !== scorecardTicket || view !== "scorecard") return;
      const list = Array.isArray(rows) ? rows.filter((r) => isObject(r) && r.priority_action) : [];
      renderScorecard(list);
      statusBox.textContent = scorecardSummary(list, report);
      if (askedReport && !reports.has(askedReport)) {
        showError(`There is no report “${askedReport}” in this index; showing ${report ? reportName(report) : "every report"}.`);
      }
      const cell = openPa ? boardBody.querySelector(`.sc-cell[data-pa="${CSS.escape(openPa)}"]`) : null;
      if (cell) {
        cell.click();
      } else {
        writeHash("");
        if (openPa) showError(`There is no Priority Action ${openPa} in the scorecard; choose a cell below.`);
      }
    } catch (err) {
      if (ticket !== scorecardTicket || view !== "scorecard") return;
      clear(boardBody);
      clear(legend);
      clear(statusBox);
      showError(err.message || String(err));
    } finally {
      if (ticket === scorecardTicket) board.setAttribute("aria-busy", "false");
    }
  }

  function statusCounts(rows) {
    const counts = new Map(Object.keys(STATUS).map((k) => [k, 0]));
    for (const r of rows) {
      const key = statusInfo(r.assessment && r.assessment.status).key;
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    return counts;
  }

  /** "65 priority actions of Mexico 2022: 52 met, 3 partial, 8 gap, 2 n/a." */
  function scorecardSummary(rows, report) {
    const parts = [...statusCounts(rows)].filter(([, n]) => n).map(([k, n]) => `${n} ${(STATUS[k] || { word: k }).word}`);
    const whose = report ? ` of ${reportName(report)}` : "";
    return `${rows.length} priority action${rows.length === 1 ? "" : "s"}${whose}${parts.length ? ": " : "."}${parts.join(", ")}${parts.length ? "." : ""}`;
  }

  /** [objective, minor] of "10.6", to sort 12.4 after 12.3 (the report may print it with 12.1). */
  function paKey(pa) {
    return String(pa).split(".").map((x) => Number.parseInt(x, 10) || 0);
  }

  function byPa(a, b) {
    const [x, y] = [paKey(a.priority_action), paKey(b.priority_action)];
    return x[0] - y[0] || (x[1] || 0) - (y[1] || 0);
  }

  /** The objective's title (from its evaluative summary in GET sections), whole and short. */
  function objectiveTitle(report, n) {
    const summaries = toc.filter((s) => s.kind === "evaluative_summary" && s.objective === n && s.title);
    const s = summaries.find((x) => x.report === report) || summaries[0];
    const whole = s ? plain(s.title) : "";
    const comma = whole.search(/[,;]/);
    const short = comma >= 30 && comma <= 110 ? whole.slice(0, comma) : shorten(whole, 100);
    return { whole, short };
  }

  function slug(text) {
    return String(text).replace(/[^A-Za-z0-9_-]+/g, "-");
  }

  function renderScorecard(rows) {
    openCell = null;
    clear(boardBody);
    clear(legend);
    const counts = statusCounts(rows);
    for (const key of Object.keys(STATUS)) {
      const info = statusInfo(key);
      legend.append(el("li", {}, statusBadge(info, "sc-swatch"),
        el("span", { className: "sc-legend-help" }, `${info.help} (${counts.get(key)})`)));
    }
    if (counts.get("unknown")) {
      legend.append(el("li", {}, statusBadge(statusInfo("other"), "sc-swatch"),
        el("span", { className: "sc-legend-help" }, `another status, named in the cell (${counts.get("unknown")})`)));
    }
    if (!rows.length) {
      boardBody.append(el("p", { className: "empty" }, "This report has no priority actions to show."));
      return;
    }
    const byReport = new Map();
    for (const r of rows) {
      if (!byReport.has(r.report)) byReport.set(r.report, []);
      byReport.get(r.report).push(r);
    }
    const several = byReport.size > 1;
    for (const [report, list] of byReport) {
      const headingId = `sc-${slug(report)}-heading`;
      const objectives = renderObjectives(report, list, several ? 4 : 3);
      boardBody.append(several
        ? el("section", { className: "sc-report", "aria-labelledby": headingId },
          el("h3", { className: "sc-report-heading", id: headingId }, reportName(report),
            el("span", { className: "sc-report-counts" }, ` — ${scorecardSummary(list, "")}`)),
          objectives)
        : objectives);
    }
  }

  /** One row per objective (every objective of the report, even one without priority actions). */
  function renderObjectives(report, rows, level) {
    const numbers = new Set(rows.map((r) => r.objective).filter(Number.isInteger));
    for (const s of toc) {
      if (s.report === report && s.kind === "evaluative_summary" && Number.isInteger(s.objective)) numbers.add(s.objective);
    }
    const sharing = new Map(); // section id -> the priority actions it holds (joint units: 8.1 and 8.2)
    for (const r of rows) {
      if (!sharing.has(r.section_id)) sharing.set(r.section_id, []);
      sharing.get(r.section_id).push(r.priority_action);
    }
    const list = el("ol", { className: "sc-objectives" });
    const groups = [...numbers].sort((a, b) => a - b).map((n) => [n, rows.filter((r) => r.objective === n)]);
    const loose = rows.filter((r) => !Number.isInteger(r.objective));
    if (loose.length) groups.push([null, loose]);
    for (const [n, members] of groups) {
      const title = n === null ? { whole: "", short: "" } : objectiveTitle(report, n);
      const headingId = `sc-${slug(report)}-objective-${n === null ? "other" : n}`;
      const cells = members.slice().sort(byPa).map((r) => scorecardCell(r,
        (sharing.get(r.section_id) || []).filter((pa) => pa !== r.priority_action), level + 1));
      list.append(el("li", { className: "sc-objective" },
        el(`h${level}`, { className: "sc-objective-head", id: headingId, title: title.whole || null },
          el("span", { className: "sc-objective-number" }, n === null ? "Other priority actions" : `Objective ${n}`),
          title.short ? el("span", { className: "sc-objective-title" }, title.short) : null),
        cells.length
          ? el("ul", { className: "sc-cells", "aria-labelledby": headingId }, cells)
          : el("p", { className: "sc-none" }, "No priority action of this objective in the report.")));
    }
    return list;
  }

  /** A cell: a button named by its priority action, title and verdict; it opens the detail below its row. */
  function scorecardCell(row, partners, level) {
    const info = statusInfo(row.assessment && row.assessment.status);
    const pa = String(row.priority_action);
    const title = plain(row.title).trim().replace(/[.;:\s]+$/, "");
    const joint = partners.length
      ? ` Reported in one section with Priority Action${partners.length > 1 ? "s" : ""} ${partners.join(" and ")}.` : "";
    const button = el("button", {
      type: "button", id: `sc-${slug(row.report)}-${slug(pa)}`, className: `sc-cell status-${info.key}`,
      "aria-label": `Priority Action ${pa}, ${info.spoken}${title ? `: ${title}` : ""}.${joint}`, title: title || null,
      "aria-expanded": "false", "data-pa": pa, "data-status": info.key,
    },
    el("span", { className: "sc-num" }, pa),
    el("span", { className: "sc-label" },
      info.mark ? el("span", { className: "status-mark", "aria-hidden": "true" }, info.mark) : null,
      info.mark ? " " : null, info.word),
    partners.length ? el("span", { className: "sc-joint" }, `with ${partners.join(", ")}`) : null);
    button.addEventListener("click", () => {
      if (openCell === button) closeDetail(true);
      else openDetail(button, row, partners, level);
    });
    return el("li", {}, button);
  }

  function closeDetail(focusCell) {
    const cell = openCell;
    if (!cell) return;
    const box = document.getElementById(cell.getAttribute("aria-controls"));
    if (box) box.remove();
    cell.setAttribute("aria-expanded", "false");
    cell.removeAttribute("aria-controls");
    cell.classList.remove("is-open");
    openCell = null;
    writeHash("");
    if (focusCell) cell.focus();
  }

  /** Below the cell's objective: CICAD's clause on the action (with its citation) and the report's
   *  section in full (GET sections/{id}, as "Show full section" shows it). Focus moves to its heading. */
  function openDetail(cell, row, partners, level) {
    closeDetail(false);
    const info = statusInfo(row.assessment && row.assessment.status);
    const pa = String(row.priority_action);
    const id = `${cell.id}-detail`;
    const heading = el(`h${level}`, { className: "sc-detail-heading", id: `${id}-title`, tabindex: "-1" },
      `Priority Action ${pa} `, statusBadge(info, "badge assessment-status"));
    const section = el("div", { className: "full-section sc-section", "aria-busy": "true" },
      el("p", { className: "sc-loading" }, "Loading the section…"));
    const close = el("button", { type: "button", className: "button" }, "Close");
    const box = el("div", { className: "sc-detail", id, role: "region", "aria-labelledby": `${id}-title` },
      heading,
      row.title ? el("p", { className: "sc-detail-title" }, plain(row.title)) : null,
      partners.length ? el("p", { className: "sc-detail-joint" },
        `The report answers Priority Actions ${[pa, ...partners].sort((a, b) => byPa({ priority_action: a }, { priority_action: b })).join(" and ")} ` +
        `in one section; CICAD’s verdict here is the one on ${pa}.`) : null,
      renderAssessment(row.assessment) ||
        el("p", { className: "sc-no-clause" }, "No clause of CICAD’s evaluative summary judges this priority action."),
      section,
      el("div", { className: "sc-detail-actions" }, close));
    close.addEventListener("click", () => closeDetail(true));
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeDetail(true);
      }
    });
    cell.closest(".sc-objective").append(box);
    cell.setAttribute("aria-expanded", "true");
    cell.setAttribute("aria-controls", id);
    cell.classList.add("is-open");
    openCell = cell;
    writeHash(pa);
    heading.focus();
    fetchSection(row.section_id).then((s) => {
      clear(section);
      section.append(...sectionNodes(s, isObject(s.citation) ? s.citation : s, []));
    }, (err) => {
      clear(section);
      section.append(el("p", { className: "error error-inline", role: "alert" }, err.message || String(err)));
    }).finally(() => section.removeAttribute("aria-busy"));
  }

  /* ---------- reports, scope and filters ---------- */

  /** The reports in the index: GET reports, else the ids of GET health, else those of the sections. */
  async function loadReports(sections) {
    let list = [];
    try {
      const data = await getJson("reports");
      if (Array.isArray(data)) list = data.filter((r) => isObject(r) && r.report_id);
    } catch (_) {
      try {
        const health = await getJson("health");
        const ids = health && health.index && Array.isArray(health.index.reports) ? health.index.reports : [];
        list = ids.map((id) => ({ report_id: String(id) }));
      } catch (__) { /* use the sections below */ }
    }
    if (!list.length && Array.isArray(sections)) {
      list = [...new Set(sections.map((s) => s.report).filter(Boolean))].map((id) => ({ report_id: id }));
    }
    for (const r of list) reports.set(r.report_id, r);
    reportList = list;
    return list;
  }

  /** "MEM Eighth Evaluation Round, CICAD/doc.2676/22" */
  function about(r) {
    return [r.round ? `MEM ${r.round}` : "", r.document_code].filter(Boolean).join(", ");
  }

  function describe(r) {
    return (r.title || `${reportName(r.report_id)} report`) + (about(r) ? ` (${about(r)})` : "");
  }

  function fillReports(list) {
    clear(reportSelect);
    if (list.length !== 1) reportSelect.append(el("option", { value: "" }, `All reports (${list.length})`));
    for (const r of list) {
      reportSelect.append(el("option", { value: list.length === 1 ? "" : r.report_id, title: describe(r) },
        reportName(r.report_id)));
    }
    reportSelect.disabled = list.length <= 1;
    const wanted = reportSelect.dataset.wanted || "";
    if (wanted && list.some((r) => r.report_id === wanted) && list.length > 1) reportSelect.value = wanted;
    updateScope(list);
  }

  /** The line that says which report(s) a question searches. */
  function updateScope(list) {
    clear(scopeLine);
    const chosen = reportSelect.value ? reports.get(reportSelect.value) : null;
    if (view === "scorecard" && (chosen || list.length === 1)) {
      const r = chosen || list[0];
      scopeLine.append("Scorecard of ", el("strong", {}, r.title || `the ${reportName(r.report_id)} report`),
        about(r) ? ` (${about(r)})` : "", list.length > 1 ? ` — 1 of ${list.length} reports.` : ".");
    } else if (view === "scorecard" && list.length > 1) {
      scopeLine.append("Scorecards of ", el("strong", {}, `all ${list.length} reports`),
        ", one after another. Choose a report to see one.");
    } else if (chosen || list.length === 1) {
      const r = chosen || list[0];
      scopeLine.append("Searching ", el("strong", {}, r.title || `the ${reportName(r.report_id)} report`),
        about(r) ? ` (${about(r)})` : "", list.length > 1 ? ` — 1 of ${list.length} reports.` : ".");
    } else if (list.length > 1) {
      scopeLine.append("Searching ", el("strong", {}, `all ${list.length} reports`), ": ",
        list.map((r) => reportName(r.report_id)).join(", "),
        ". Results may come from different countries; each card names its report.");
    } else {
      scopeLine.append("The list of reports could not be loaded.");
    }
  }

  async function loadFilters() {
    let sections = null;
    try {
      sections = await getJson("sections");
    } catch (err) {
      objectiveSelect.title = `Objectives could not be loaded: ${err.message}`;
    }
    const list = await loadReports(sections);
    fillReports(list);
    reportSelect.addEventListener("change", () => {
      updateScope(list);
      syncScorecardLink();
      if (view === "scorecard") {
        writeHash("");
        showScorecard("");
      }
    });
    syncScorecardLink();
    if (!Array.isArray(sections)) return;
    toc = sections.filter(isObject);
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

  /** A link like ?q=...&objective=2 fills the form and asks at once. */
  function restoreFromUrl() {
    const params = new URLSearchParams(location.search);
    const q = params.get("q");
    if (params.get("k") && [...kSelect.options].some((o) => o.value === params.get("k"))) kSelect.value = params.get("k");
    if (params.get("kind")) kindSelect.value = params.get("kind");
    if (params.get("objective")) objectiveSelect.dataset.wanted = params.get("objective");
    if (params.get("report")) reportSelect.dataset.wanted = params.get("report");
    if (q !== null) question.value = q;
    return q !== null && q.trim() !== "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask();
  });

  const askNow = restoreFromUrl();
  const start = hashState() || { view: "search" };
  if (start.view === "scorecard" && start.report) reportSelect.dataset.wanted = start.report;
  const filtersReady = loadFilters();
  pendingAsk = askNow && start.view === "scorecard"; // asked when the reader goes back to the search
  if (start.view === "scorecard") {
    setView("scorecard");
    showScorecard(start.pa, start.report);
  } else if (askNow) filtersReady.then(ask);
  else question.focus();
  window.addEventListener("hashchange", () => applyHash());
  skipLink.addEventListener("click", (event) => {
    if (view !== "scorecard") return;
    event.preventDefault(); // keep #scorecard=... in the address
    board.focus();
  });
})();
