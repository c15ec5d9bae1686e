"""Frozen value types shared by every layer: sections, passages, citations, hits, answers.

No heavy imports here; everything is a frozen dataclass so values compare by content
and ``dataclasses.asdict`` turns them straight into JSON.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, fields

KINDS = ("priority_action", "evaluative_summary", "preface")


@dataclass(frozen=True)
class ReportMeta:
    """What ``corpus/<file>.json`` says about one report."""

    report_id: str  # stable id, e.g. "mexico-2022"
    source: str  # corpus file name, e.g. "mem-2022-mexico.txt"
    country: str
    year: int
    round: str
    thematic_area: str
    document_code: str
    title: str
    language: str = "en"


@dataclass(frozen=True)
class Heading:
    """One "Priority Action N.M: title" heading as it appears in the report."""

    number: str  # "N.M"
    title: str
    line: int  # 1-based line of the heading


@dataclass(frozen=True)
class Section:
    """A citable unit: a priority action (or headings sharing one body), a summary block, the preface.

    ``text`` is exactly ``source_text[start_char:end_char]`` and spans ``start_line..end_line``.
    ``body_start`` is the offset inside ``text`` where the content after the heading(s) begins.
    """

    id: str  # "mexico-2022/pa-2.4", "mexico-2022/summary-3", "mexico-2022/preface"
    report: str
    kind: str
    objective: int | None
    priority_action: str | None  # first heading number, "N.M"
    headings: tuple[Heading, ...]  # every heading this unit answers (2 when headings share a body)
    title: str
    objective_title: str | None
    source: str
    start_line: int
    end_line: int
    start_char: int
    end_char: int
    text: str
    body_start: int = 0

    @property
    def label(self) -> str:
        """Human heading: "Priority Action 2.4", "Priority Actions 8.1 and 8.2", "Evaluative summary, Objective 3"."""
        if self.kind == "priority_action":
            nums = [h.number for h in self.headings]
            if len(nums) == 1:
                return f"Priority Action {nums[0]}"
            return "Priority Actions " + ", ".join(nums[:-1]) + " and " + nums[-1]
        if self.kind == "evaluative_summary":
            return f"Evaluative Summary, Objective {self.objective}"
        return "Preface"


@dataclass(frozen=True)
class Passage:
    """An embeddable window of a section. ``text`` is the source slice; ``embed_text`` adds context."""

    id: str  # "mexico-2022/pa-2.4#0"
    section_id: str
    index: int
    text: str
    embed_text: str
    start_line: int
    end_line: int
    start_char: int  # offsets into the (normalised) source file
    end_char: int
    tokens: int  # cl100k_base tokens of ``text``


@dataclass(frozen=True)
class Citation:
    """Where a text comes from: report, unit and source lines. ``Citation.of(section)`` is the one way to make one."""

    report: str
    kind: str
    objective: int | None
    priority_action: str | None
    title: str
    source: str
    start_line: int
    end_line: int
    label: str = ""  # "Priority Action 2.4"
    section_id: str = ""
    cite: str = ""  # the reference to quote, OAS style (see ``reference``)
    page_start: str | None = None  # page labels, for reports ingested from PDF (None for text reports)
    page_end: str | None = None
    # Characters start_column..end_column (1-based, inclusive) of start_line, when the text cited is a part
    # of one long source line (an evaluative summary is one paragraph of ~2,800 characters on one line).
    start_column: int | None = None
    end_column: int | None = None

    @classmethod
    def of(cls, s: Section, start_line: int | None = None, end_line: int | None = None,
           meta: Mapping | None = None, span: tuple[int, int] | None = None) -> Citation:
        r"""The citation of a section, of the lines ``start_line..end_line`` inside it, or of the text
        ``s.text[span[0]:span[1]]`` (its lines, and its columns when it is part of one line).

        ``meta`` is the report's metadata (``corpus/<file>.json``, the manifest's ``reports``);
        with it ``cite`` names the document (title, round, document code), else the report id, and
        for a PDF report (``meta["pages"]``: page start offsets and labels) the pages.

        >>> sec = Section("r/summary-1", "r", "summary", 1, None, (), "t", None, "r.txt", 10, 11, 0, 40,
        ...               "Objective 1\nCICAD notes A. CICAD notes B.")
        >>> c = Citation.of(sec, span=(27, 41))
        >>> (c.start_line, c.end_line, c.start_column, c.end_column, where(c.start_line, c.end_line, None,
        ...                                                                  (c.start_column, c.end_column)))
        (11, 11, 16, 29, 'line 11, characters 16–29')
        >>> Citation.of(sec, span=(12, 41)).start_column is None  # the whole line: no columns
        True
        """
        cols = None
        if span is not None:
            i, j = span
            start_line = s.start_line + s.text.count("\n", 0, i)
            end_line = start_line + s.text.count("\n", i, max(i, j - 1))
            line_start = s.text.rfind("\n", 0, i) + 1
            line_end = s.text.find("\n", i)
            line_end = len(s.text) if line_end < 0 else line_end
            if start_line == end_line and (i > line_start or j < line_end):
                cols = (i - line_start + 1, min(j, line_end) - line_start)
        a, b = start_line or s.start_line, end_line or s.end_line
        pages = page_range(s, a, b, (meta or {}).get("pages"))
        return cls(
            report=s.report, kind=s.kind, objective=s.objective, priority_action=s.priority_action, title=s.title,
            source=s.source, start_line=a, end_line=b, label=s.label, section_id=s.id,
            cite=reference(s.label, a, b, meta or {"report_id": s.report, "source": s.source}, pages, cols),
            page_start=pages[0] if pages else None, page_end=pages[1] if pages else None,
            start_column=cols[0] if cols else None, end_column=cols[1] if cols else None,
        )

    def place(self) -> str:
        """Where in the source: 'lines 259–266', 'line 820, characters 16–30', or 'pp. 9–10' for a PDF."""
        return where(self.start_line, self.end_line, (self.page_start, self.page_end) if self.page_start else None,
                     (self.start_column, self.end_column) if self.start_column else None)


def page_range(s: Section, start_line: int, end_line: int, pages: Mapping | None) -> tuple[str, str] | None:
    r"""Page labels of lines ``start_line..end_line`` of section ``s``; ``pages`` is the manifest's page map
    ``{"starts": [char offset of each page], "labels": [its printed label]}`` (None: a text report).

    >>> sec = Section("r/pa-1.1", "r", "priority_action", 1, "1.1", (), "t", None, "r.pdf", 10, 12, 100, 120,
    ...               "line a\nline b\nline c")
    >>> page_range(sec, 10, 10, {"starts": [0, 107], "labels": ["4", "5"]}), page_range(sec, 10, 12, None)
    (('4', '4'), None)
    >>> page_range(sec, 11, 12, {"starts": [0, 107], "labels": ["4", "5"]})
    ('5', '5')
    """
    if not pages or not pages.get("starts"):
        return None
    lines = s.text.split("\n")
    i, j = max(0, start_line - s.start_line), max(0, end_line - s.start_line)
    a = s.start_char + sum(len(x) + 1 for x in lines[:i])
    b = s.start_char + sum(len(x) + 1 for x in lines[: j + 1]) - 1
    starts, labels = pages["starts"], pages["labels"]
    first = max(bisect.bisect_right(starts, a) - 1, 0)
    last = max(bisect.bisect_right(starts, max(a, b - 1)) - 1, first)
    return str(labels[first]), str(labels[last])


def where(start_line: int, end_line: int, pages: tuple[str, str] | None,
          columns: tuple[int, int] | None = None) -> str:
    """'lines 259–266' for a text report, 'pp. 9–10' (or 'p. 9') when the pages are known, and
    'line 820, characters 16–30' for a part of one long line of a text report."""
    if pages:
        return f"p. {pages[0]}" if pages[0] == pages[1] else f"pp. {pages[0]}–{pages[1]}"
    if columns and columns[0] and start_line == end_line:
        return f"line {start_line}, characters {columns[0]}–{columns[1]}"
    return f"line {start_line}" if start_line == end_line else f"lines {start_line}–{end_line}"


def reference(label: str, start_line: int, end_line: int, meta: Mapping,
              pages: tuple[str, str] | None = None, columns: tuple[int, int] | None = None) -> str:
    """The full reference an analyst quotes; the title is in *asterisks* (italics in markdown).

    >>> meta = {"title": "Mexico: Evaluation Report on Drug Policies 2022", "round": "Eighth Evaluation Round",
    ...         "document_code": "CICAD/doc.2676/22"}
    >>> reference("Priority Action 2.4", 259, 266, meta)
    'CICAD, *Mexico: Evaluation Report on Drug Policies 2022*, MEM Eighth Evaluation Round, CICAD/doc.2676/22, Priority Action 2.4, lines 259–266'
    >>> reference("Preface", 43, 43, {"report_id": "peru-2020", "source": "mem-2020-peru.txt"})
    'CICAD, MEM report peru-2020 (mem-2020-peru.txt), Preface, line 43'
    """
    lines = where(start_line, end_line, pages, columns)
    rnd = str(meta.get("round") or "").strip()
    parts = ["CICAD"]
    if meta.get("title"):
        parts.append(f"*{str(meta['title']).strip()}*")
    else:
        parts.append(f"MEM report {meta.get('report_id', '')} ({meta.get('source', '')})".replace(" ()", ""))
    if rnd:
        parts.append(rnd if rnd.upper().startswith("MEM") else f"MEM {rnd}")
    if meta.get("document_code"):
        parts.append(str(meta["document_code"]).strip())
    return ", ".join([*parts, label, lines])


@dataclass(frozen=True)
class Highlight:
    text: str
    start: int  # offsets into the hit's ``text``
    end: int


@dataclass(frozen=True)
class CicadAssessment:
    """CICAD's verdict on one priority action: the evaluative-summary clause(s) that judge it, verbatim,
    and a status derived from their wording (never from the action's number)."""

    priority_action: str  # the heading judged, "10.6"
    status: str  # positive | gap | partial | not_applicable | none (no clause judges it)
    text: str  # the clause(s), verbatim from the evaluative summary ("" when status is "none")
    citation: Citation | None  # the summary lines holding them


@dataclass(frozen=True)
class ScorecardRow:
    """One priority-action heading of a report with CICAD's verdict (``memqa scorecard``)."""

    report: str
    objective: int | None
    priority_action: str
    title: str
    section_id: str
    assessment: CicadAssessment


@dataclass(frozen=True)
class Hit:
    """One cited unit: the whole unit when it fits ``UNIT_SHOW_TOKENS``, else its best window widened
    to take in the list or table it introduces; ``continues_above``/``continues_below`` say when the
    unit goes on beyond ``text`` (``GET /sections/{citation.section_id}`` has it all)."""

    rank: int
    score: float
    text: str
    highlights: tuple[Highlight, ...]
    citation: Citation
    continues_above: bool = False
    continues_below: bool = False
    assessment: CicadAssessment | None = None  # CICAD's verdict, for a priority action (first heading)


@dataclass(frozen=True)
class AnswerUnit:
    """One verbatim piece of the direct answer: a sentence, list item or table row."""

    text: str
    start: int  # offsets into the (normalised) source file
    end: int
    citation: Citation  # its own lines inside its unit


@dataclass(frozen=True)
class DirectAnswer:
    """The shortest verbatim evidence that answers, from the top units."""

    type: str  # what the question asks for: count, date, person, organisation, place, law, yesno, list, ...
    text: str  # the units' text, one per line
    units: tuple[AnswerUnit, ...]
    polarity: str | None = None  # yes/no questions: "yes" or "no" as the evidence reads
    count: int | None = None  # "how many" answered by a list or table: its items or rows, counted


@dataclass(frozen=True)
class Answer:
    """The shared answer shape: CLI ``--json``, HTTP ``/ask`` and MCP ``search_report`` serialise this."""

    question: str
    answerable: bool
    confidence: str  # "high" | "medium" | "low"
    language: str
    notice: str
    answer: DirectAnswer | None  # None when the report does not answer
    passages: tuple[Hit, ...]


@dataclass(frozen=True)
class TocEntry:
    """One citable unit in the table of contents (``GET /sections``, ``memqa sections``)."""

    id: str
    report: str
    kind: str
    objective: int | None
    priority_action: str | None
    priority_actions: tuple[str, ...]  # every heading the unit answers (two for joint units)
    label: str
    title: str
    source: str
    start_line: int
    end_line: int
    passages: int  # indexed windows of the unit
    tokens: int  # cl100k_base tokens of the unit's text

    @classmethod
    def of(cls, s: Section, passages: int, tokens: int) -> TocEntry:
        return cls(s.id, s.report, s.kind, s.objective, s.priority_action, tuple(h.number for h in s.headings),
                   s.label, s.title, s.source, s.start_line, s.end_line, passages, tokens)


@dataclass(frozen=True)
class SectionFull:
    """One citable unit in full with the citation to quote (``GET /sections/{id}``)."""

    id: str
    report: str
    kind: str
    objective: int | None
    priority_action: str | None
    priority_actions: tuple[str, ...]
    label: str
    title: str
    source: str
    start_line: int
    end_line: int
    passages: int
    tokens: int
    text: str
    citation: Citation

    assessments: tuple[CicadAssessment, ...] = ()  # CICAD's verdict per heading (priority actions)

    @classmethod
    def of(cls, s: Section, passages: int, tokens: int, meta: Mapping | None = None,
           assessments: tuple[CicadAssessment, ...] = ()) -> SectionFull:
        e = TocEntry.of(s, passages, tokens)
        return cls(**{f.name: getattr(e, f.name) for f in fields(e)}, text=s.text,
                   citation=Citation.of(s, meta=meta), assessments=assessments)


@dataclass(frozen=True)
class ReportEntry:
    """One report of the library with its metadata and counts (``GET /reports``, ``memqa reports``)."""

    report_id: str
    source: str
    country: str
    year: int | None
    round: str
    thematic_area: str
    document_code: str
    title: str
    language: str
    sections: int  # citable units
    priority_actions: int  # priority-action headings (a joint unit answers two)
    passages: int  # indexed windows


@dataclass(frozen=True)
class ComparisonEntry:
    """One report's unit for a priority action: what it says, and the citation of exactly that text.

    ``text`` is the whole unit when it fits ``UNIT_SHOW_TOKENS``, else its window that best matches the
    comparison's question (its first window without one); ``citation.report`` is always ``report``.
    """

    report: str
    country: str
    year: int | None
    round: str
    thematic_area: str
    label: str  # "Priority Action 2.4" (or "Priority Actions 8.1 and 8.2" for a joint unit)
    title: str
    text: str
    highlights: tuple[Highlight, ...]  # sentences matching the question (none without one)
    citation: Citation
    score: float | None  # how well the text matches the question (None without one)
    continues_above: bool = False
    continues_below: bool = False
    assessment: CicadAssessment | None = None  # CICAD's verdict on it (the unit's first heading)


@dataclass(frozen=True)
class Comparison:
    """One priority action side by side across reports (``memqa compare``, ``GET /compare``, MCP ``compare``)."""

    priority_action: str  # "N.M"
    question: str | None
    entries: tuple[ComparisonEntry, ...]  # one per report that has the priority action, in library order
    missing: tuple[str, ...]  # reports compared that have no such priority action
    notice: str  # e.g. the entries come from different rounds or thematic areas
