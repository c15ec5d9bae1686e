"""Report text -> citable sections (preface, priority actions, evaluative-summary blocks). Pure.

The input is text extracted from a MEM report PDF, in English, Spanish, Portuguese or French
(``Acción prioritaria 2.4:``, ``Ação prioritária``, ``Action prioritaire``; ``OBJETIVO``,
``OBJECTIF``; ``RESUMEN EVALUATIVO``, ``RESUMO AVALIATIVO``, ``RÉSUMÉ D'ÉVALUATION``). The parser
recognises, with the English words standing for all four:

* ``PREFACE`` up to the first ``OBJECTIVE`` marker;
* ``OBJECTIVE`` / ``N`` / TITLE blocks (the number may sit on the marker's line or below it);
* ``Priority Action N.M: title`` headings; a heading with no body shares the body of the
  heading(s) after it (8.1 then 8.2; 12.1 then 12.4), which makes one citable unit;
* ``EVALUATIVE SUMMARY`` with ``Objective N`` / title / body blocks, ending at back matter.

Offsets refer to the normalised text (BOM removed, CRLF/CR turned into LF); for a plain LF
file that is the file itself, so ``text[start_char:end_char]`` is the quotation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import NotAReportError
from .types import Heading, ReportMeta, Section

# Headings of the English, Spanish, Portuguese and French editions (any case, with or without accents).
PA_WORDS = r"(?:Priority\s+Action|Acci[oó]n\s+Prioritaria|A[cç][aã]o\s+Priorit[aá]ria|Action\s+Prioritaire)"
OBJ_WORDS = r"(?:OBJECTIVE|OBJETIVO|OBJECTIF)"
PA_RE = re.compile(rf"^\s*\**\s*{PA_WORDS}\s+(\d{{1,2}})\.(\d{{1,2}})\s*\**\s*[:.\-–]\s*(.*\S)?\s*$", re.I)
OBJ_MARK_RE = re.compile(rf"^\s*{OBJ_WORDS}\s*(\d{{1,2}})?\s*$", re.I)
NUM_RE = re.compile(r"^\s*(\d{1,2})\s*$")
SUMMARY_RE = re.compile(
    r"^\s*\**\s*(?:EVALUATIVE\s+SUMMARY|RESUMEN\s+EVALUATIVO|RESUMO\s+AVALIATIVO|"
    r"R[EÉ]SUM[EÉ]\s+(?:D['’]\s*[EÉ]VALUATION|[EÉ]VALUATIF))\s*\**\s*$", re.I)
SUMMARY_OBJ_RE = re.compile(rf"^\s*\**\s*{OBJ_WORDS}\s+(\d{{1,2}})\s*\**\s*$", re.I)
PREFACE_RE = re.compile(r"^\s*\**\s*(?:PREFACE|PREFACIO|PREF[AÁ]CIO|PR[EÉ]FACE|PR[OÓ]LOGO)\s*\**\s*$", re.I)
# Back matter after the last summary block: the OAS/CICAD address block.
BACK_MATTER_RE = re.compile(
    r"^\s*\**\s*(ORGANIZATION OF AMERICAN STATES|ORGANIZACI[OÓ]N DE LOS ESTADOS AMERICANOS|"
    r"ORGANIZA[CÇ][AÃ]O DOS ESTADOS AMERICANOS|ORGANISATION DES [EÉ]TATS AM[EÉ]RICAINS)", re.I)
FOOTNOTE_RE = re.compile(r"\s+\d{1,3}\)\s*$")  # dangling footnote marker: "... member states. 27)"


def normalise(raw: str) -> str:
    """Drop a UTF-8 BOM and turn CRLF/CR into LF, so every platform's file parses the same."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    return raw.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class ParsedReport:
    meta: ReportMeta
    text: str  # normalised source text
    objectives: dict[int, str]  # number -> full title
    sections: tuple[Section, ...]  # preface, priority-action units, summary blocks, in reading order
    headings: tuple[Heading, ...]  # every priority-action heading in reading order

    def unit_of(self) -> dict[str, str]:
        """Map every heading id ("mexico-2022/pa-8.2") to the id of the unit that holds it."""
        out: dict[str, str] = {}
        for s in self.sections:
            for h in s.headings:
                out[f"{self.meta.report_id}/pa-{h.number}"] = s.id
            out[s.id] = s.id
        return out


class _Lines:
    """Lines of the text with their start offsets (1-based line numbers in the API)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts: list[int] = []
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line) + 1

    def __len__(self) -> int:
        return len(self.lines)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character span of 0-based lines first..last inclusive (without the final newline)."""
        return self.starts[first], self.starts[last] + len(self.lines[last])

    def blank(self, i: int) -> bool:
        return not self.lines[i].strip()

    def next_nonblank(self, i: int, stop: int) -> int | None:
        while i < stop and self.blank(i):
            i += 1
        return i if i < stop else None

    def trim(self, first: int, last: int) -> tuple[int, int] | None:
        """Shrink first..last (inclusive) to exclude blank lines at both ends; None if all blank."""
        while first <= last and self.blank(first):
            first += 1
        while last >= first and self.blank(last):
            last -= 1
        return (first, last) if first <= last else None

    def paragraph(self, i: int, stop: int) -> int:
        """Last line of the paragraph that starts at line i (paragraphs end at a blank line)."""
        j = i
        while j + 1 < stop and not self.blank(j + 1):
            j += 1
        return j


def clean_title(title: str) -> str:
    """Strip footnote markers, emphasis and surplus spaces from a heading title."""
    title = FOOTNOTE_RE.sub("", title or "")
    title = re.sub(r"\*+", "", title)
    return re.sub(r"\s+", " ", title).strip()


def _sentence_case(title: str) -> str:
    """Objective titles are printed in capitals; keep them as printed (the summary has the cased form)."""
    return re.sub(r"\s+", " ", title).strip()


def parse_report(raw: str, meta: ReportMeta) -> ParsedReport:
    """Parse one report's text into sections.

    Raises NotAReportError (naming ``meta.source``) when the text has no objectives or no
    priority-action headings.
    """
    text = normalise(raw)
    L = _Lines(text)
    n = len(L)
    rid = meta.report_id

    # --- locate the landmarks -------------------------------------------------------------
    preface_line = next((i for i in range(n) if PREFACE_RE.match(L.lines[i])), None)
    summary_line = next((i for i in range(n) if SUMMARY_RE.match(L.lines[i])), None)
    body_end = summary_line if summary_line is not None else n
    pa_lines = [i for i in range(body_end) if PA_RE.match(L.lines[i])]
    obj_marks: list[tuple[int, int, int]] = []  # (marker line, number, last line of the block)
    for i in range(body_end):
        m = OBJ_MARK_RE.match(L.lines[i])
        if not m:
            continue
        num_line = i
        number = m.group(1)
        if number is None:
            j = L.next_nonblank(i + 1, body_end)
            if j is None or not NUM_RE.match(L.lines[j]):
                continue
            number, num_line = NUM_RE.match(L.lines[j]).group(1), j
        obj_marks.append((i, int(number), num_line))

    if not pa_lines or not obj_marks:
        missing = "no 'Priority Action N.M: ...' headings" if not pa_lines else "no 'OBJECTIVE' blocks"
        raise NotAReportError(
            f"{meta.source}: does not look like a MEM evaluation report ({missing} found). "
            "Expected the text of a CICAD MEM report with OBJECTIVE blocks and numbered priority actions; "
            "remove the file from corpus/ or fix its text, then run `memqa build`."
        )

    # Objective titles: the paragraph after the number, up to the first heading.
    objectives: dict[int, str] = {}
    obj_title_end: dict[int, int] = {}  # marker line -> last line of title
    for mark, number, num_line in obj_marks:
        t = L.next_nonblank(num_line + 1, body_end)
        if t is None or PA_RE.match(L.lines[t]):
            objectives[number] = ""
            obj_title_end[mark] = num_line
            continue
        last = L.paragraph(t, body_end)
        objectives[number] = _sentence_case(" ".join(L.lines[t : last + 1]))
        obj_title_end[mark] = last

    # Boundaries that end a priority-action body.
    stops = sorted(set(pa_lines) | {m for m, _, _ in obj_marks} | {body_end})

    def next_stop(i: int) -> int:
        return next(s for s in stops if s > i)

    def objective_at(i: int) -> int | None:
        before = [num for mark, num, _ in obj_marks if mark < i]
        return before[-1] if before else None

    sections: list[Section] = []
    headings: list[Heading] = []

    # --- preface ----------------------------------------------------------------------------
    first_obj = obj_marks[0][0]
    if preface_line is not None and preface_line < first_obj:
        span = L.trim(preface_line, first_obj - 1)
        if span:
            a, b = L.span(*span)
            body = L.trim(preface_line + 1, first_obj - 1)
            sections.append(
                Section(
                    id=f"{rid}/preface", report=rid, kind="preface", objective=None, priority_action=None,
                    headings=(), title="Preface", objective_title=None, source=meta.source,
                    start_line=span[0] + 1, end_line=span[1] + 1, start_char=a, end_char=b,
                    text=text[a:b], body_start=(L.starts[body[0]] - a) if body else b - a,
                )
            )

    # --- priority actions -------------------------------------------------------------------
    pending: list[tuple[int, Heading]] = []  # headings waiting for a body
    for i in pa_lines:
        m = PA_RE.match(L.lines[i])
        number = f"{int(m.group(1))}.{int(m.group(2))}"
        h = Heading(number=number, title=clean_title(m.group(3) or ""), line=i + 1)
        headings.append(h)
        stop = next_stop(i)
        body = L.trim(i + 1, stop - 1)
        obj = objective_at(i)
        if pending and objective_at(pending[0][0]) != obj:
            pending = []  # never join across objectives; an orphan heading stands alone (below)
        pending.append((i, h))
        if body is None and stop in pa_lines:
            continue  # no body: shares the next heading's body
        first_line = pending[0][0]
        last_line = body[1] if body else i
        a, b = L.span(first_line, last_line)
        hs = tuple(p[1] for p in pending)
        title = hs[0].title if len(hs) == 1 else " / ".join(x.title for x in hs)
        sections.append(
            Section(
                id=f"{rid}/pa-{hs[0].number}", report=rid, kind="priority_action", objective=obj,
                priority_action=hs[0].number, headings=hs, title=title,
                objective_title=objectives.get(obj) if obj is not None else None, source=meta.source,
                start_line=first_line + 1, end_line=last_line + 1, start_char=a, end_char=b,
                text=text[a:b], body_start=(L.starts[body[0]] - a) if body else b - a,
            )
        )
        pending = []

    # --- evaluative summary -----------------------------------------------------------------
    if summary_line is not None:
        marks = [i for i in range(summary_line + 1, n) if SUMMARY_OBJ_RE.match(L.lines[i])]
        back = next((i for i in range(summary_line + 1, n) if BACK_MATTER_RE.match(L.lines[i])), n)
        for k, i in enumerate(marks):
            if i >= back:
                break
            number = int(SUMMARY_OBJ_RE.match(L.lines[i]).group(1))
            end = min(marks[k + 1] if k + 1 < len(marks) else n, back)
            span = L.trim(i, end - 1)
            t = L.next_nonblank(i + 1, end)
            title = ""
            body_first = None
            if t is not None:
                last = L.paragraph(t, end)
                title = _sentence_case(" ".join(L.lines[t : last + 1]))
                body_first = L.next_nonblank(last + 1, end)
            a, b = L.span(*span)
            sections.append(
                Section(
                    id=f"{rid}/summary-{number}", report=rid, kind="evaluative_summary", objective=number,
                    priority_action=None, headings=(), title=title or objectives.get(number, ""),
                    objective_title=objectives.get(number), source=meta.source,
                    start_line=span[0] + 1, end_line=span[1] + 1, start_char=a, end_char=b, text=text[a:b],
                    body_start=(L.starts[body_first] - a) if body_first is not None else b - a,
                )
            )

    ids = [s.id for s in sections]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise NotAReportError(
            f"{meta.source}: the same heading appears twice ({', '.join(dupes)}); "
            "fix the duplicated heading in the corpus file, then run `memqa build`."
        )
    return ParsedReport(meta=meta, text=text, objectives=objectives, sections=tuple(sections),
                        headings=tuple(headings))
