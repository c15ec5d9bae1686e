"""Frozen value types shared by every layer: sections, passages, citations, hits, answers.

No heavy imports here; everything is a frozen dataclass so values compare by content
and ``dataclasses.asdict`` turns them straight into JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
    report: str
    kind: str
    objective: int | None
    priority_action: str | None
    title: str
    source: str
    start_line: int
    end_line: int
    label: str = ""  # "Priority Action 2.4"; extra field, handy for display
    section_id: str = ""


@dataclass(frozen=True)
class Highlight:
    text: str
    start: int  # offsets into the hit's ``text``
    end: int


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    text: str
    highlights: tuple[Highlight, ...]
    citation: Citation


@dataclass(frozen=True)
class Answer:
    question: str
    passages: tuple[Hit, ...]
    answerable: bool = True
    confidence: str = "high"  # "high" | "medium" | "low"
    language: str = "en"
    notice: str = ""
    signals: dict = field(default_factory=dict, compare=False)
