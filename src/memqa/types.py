"""Frozen value types shared by every layer: sections, passages, citations, hits, answers.

No heavy imports here; everything is a frozen dataclass so values compare by content
and ``dataclasses.asdict`` turns them straight into JSON.
"""
from __future__ import annotations

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

    @classmethod
    def of(cls, s: Section, start_line: int | None = None, end_line: int | None = None,
           meta: Mapping | None = None) -> Citation:
        """The citation of a section, or of the lines ``start_line..end_line`` inside it.

        ``meta`` is the report's metadata (``corpus/<file>.json``, the manifest's ``reports``);
        with it ``cite`` names the document (title, round, document code), else the report id.
        """
        a, b = start_line or s.start_line, end_line or s.end_line
        return cls(
            report=s.report, kind=s.kind, objective=s.objective, priority_action=s.priority_action, title=s.title,
            source=s.source, start_line=a, end_line=b, label=s.label, section_id=s.id,
            cite=reference(s.label, a, b, meta or {"report_id": s.report, "source": s.source}),
        )


def reference(label: str, start_line: int, end_line: int, meta: Mapping) -> str:
    """The full reference an analyst quotes; the title is in *asterisks* (italics in markdown).

    >>> meta = {"title": "Mexico: Evaluation Report on Drug Policies 2022", "round": "Eighth Evaluation Round",
    ...         "document_code": "CICAD/doc.2676/22"}
    >>> reference("Priority Action 2.4", 259, 266, meta)
    'CICAD, *Mexico: Evaluation Report on Drug Policies 2022*, MEM Eighth Evaluation Round, CICAD/doc.2676/22, Priority Action 2.4, lines 259–266'
    >>> reference("Preface", 43, 43, {"report_id": "peru-2020", "source": "mem-2020-peru.txt"})
    'CICAD, MEM report peru-2020 (mem-2020-peru.txt), Preface, line 43'
    """
    lines = f"line {start_line}" if start_line == end_line else f"lines {start_line}–{end_line}"
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

    @classmethod
    def of(cls, s: Section, passages: int, tokens: int, meta: Mapping | None = None) -> SectionFull:
        e = TocEntry.of(s, passages, tokens)
        return cls(**{f.name: getattr(e, f.name) for f in fields(e)}, text=s.text,
                   citation=Citation.of(s, meta=meta))
