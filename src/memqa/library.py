"""The library of reports: each report's metadata and counts, the values its filters take, and the
checks that turn a filter value into a mask over citable units. Pure; no model.

Report-level filters come from the manifest's report metadata (``corpus/<name>.json``): report id,
country, year, round, thematic area and language. A string value matches whatever its case and
accents ("mexico" finds "Mexico"); an unknown value is a ``BadQuestionError`` listing the valid ones,
the same sentence on every surface.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import BadQuestionError
from .lexical import LANGUAGE_NAMES, SNOWBALL, fold
from .types import KINDS, ComparisonEntry, Passage, ReportEntry, Section

LIBRARY_FILTERS = ("report", "country", "year", "round", "thematic_area", "language")
FILTER_FIELDS = ("objective", "kind", *LIBRARY_FILTERS)  # every filter a question takes
_META_KEY = {"report": "report_id"}
PRIORITY_ACTION_RE = re.compile(r"^\s*(?:priority\s+actions?\s+|pa-?\s*)?(\d{1,2})\.(\d{1,2})\s*$", re.I)


def report_metas(manifest: Mapping, sections: Sequence[Section]) -> dict[str, dict]:
    """Metadata of every report the sections come from, by id (an index without it gets the bare id)."""
    given = {r["report_id"]: dict(r) for r in manifest.get("reports", [])}
    out = {}
    for s in sections:
        if s.report not in out:
            out[s.report] = given.get(s.report) or {"report_id": s.report, "source": s.source}
    return out


def language_code(value: object) -> object:
    """A report language as its ISO code when memqa knows the name ("Spanish", "Español", "pt-BR" -> es, pt);
    anything else as written.

    >>> [language_code(v) for v in ("Spanish", "Français", "pt-BR", "es", "de", None)]
    ['es', 'fr', 'pt', 'es', 'de', None]
    """
    if not isinstance(value, str) or not value.strip():
        return value
    head = fold(value).strip().replace("_", "-").split("-")[0]
    code = LANGUAGE_NAMES.get(head, head)
    return code if code in SNOWBALL else value


def meta_value(meta: Mapping, name: str) -> object:
    value = meta.get(_META_KEY.get(name, name))
    return language_code(value) if name == "language" else value


def filter_values(metas: Mapping[str, Mapping]) -> dict[str, list]:
    """Every library filter's distinct values, sorted: ``{"country": ["Mexico", ...], "year": [2022], ...}``.

    >>> filter_values({"a": {"report_id": "a", "country": "Peru", "year": 2019, "language": "es"}})["country"]
    ['Peru']
    """
    out: dict[str, list] = {}
    for name in LIBRARY_FILTERS:
        values = {meta_value(m, name) for m in metas.values()} - {None, ""}
        out[name] = sorted(values, key=lambda v: (str(type(v)), v))
    return out


def canonical(name: str, value: object, valid: Sequence) -> object:
    """The library's spelling of a filter value, or a BadQuestionError that lists the valid values.

    >>> canonical("country", " MÉXICO", ["México"])
    'México'
    >>> canonical("year", 2019, [2022])
    Traceback (most recent call last):
    ...
    memqa.errors.BadQuestionError: year 2019 is not in the index; use one of 2022.
    """
    if value in valid:
        return value
    if isinstance(value, str):
        key = fold(value).strip()
        for v in valid:
            if isinstance(v, str) and fold(v).strip() == key:
                return v
    shown = ", ".join(str(v) if name in ("report", "year") else repr(v) for v in valid)
    raise BadQuestionError(f"{name} {value!r} is not in the index; use one of {shown or '(none)'}.")


class Library:
    """The reports of one index and the filters over its citable units, as arrays built once.

    ``mask(...)`` is one vectorised pass per filter given (a few microseconds for hundreds of reports).
    """

    def __init__(self, manifest: Mapping, sections: Sequence[Section], passages: Sequence[Passage]) -> None:
        self.metas = report_metas(manifest, sections)
        self.values = filter_values(self.metas)
        self.entries = entries(sections, passages, self.metas)
        order = {rid: i for i, rid in enumerate(self.metas)}
        self.objectives = sorted({s.objective for s in sections if s.objective is not None})
        self._unit_report = np.array([order[s.report] for s in sections], dtype=np.int64)
        self._unit_objective = np.array([-1 if s.objective is None else s.objective for s in sections], dtype=np.int64)
        self._unit_kind = np.array([s.kind for s in sections], dtype=object)
        self._columns = {name: np.array([meta_value(m, name) for m in self.metas.values()], dtype=object)
                         for name in LIBRARY_FILTERS}

    def mask(self, objective: int | None = None, kind: str | None = None, **library: object) -> np.ndarray:
        """Which units the filters allow; an unknown value raises BadQuestionError naming the valid ones.

        ``library`` takes the report-level filters (``LIBRARY_FILTERS``): report, country, year, round,
        thematic_area, language.
        """
        if objective is not None and objective not in self.objectives:
            raise BadQuestionError(
                f"objective {objective} is not in the index; use one of {self.objectives[0]}–{self.objectives[-1]}."
            )
        if kind is not None and kind not in KINDS:
            raise BadQuestionError(f"kind {kind!r} is unknown; use one of {', '.join(KINDS)}.")
        reports = np.ones(len(self.metas), dtype=bool)
        for name, value in library.items():
            if name not in self._columns:
                raise TypeError(f"unknown filter {name!r}; the filters are {', '.join(FILTER_FIELDS)}")
            if value is not None:
                value = language_code(value) if name == "language" else value  # --language Spanish finds es
                reports &= self._columns[name] == canonical(name, value, self.values[name])
        units = reports[self._unit_report]
        if objective is not None:
            units &= self._unit_objective == objective
        if kind is not None:
            units &= self._unit_kind == kind
        return units

    def units_of(self, report_ids) -> np.ndarray:
        """The units of the given reports (ids of this library)."""
        picked = np.array([rid in report_ids for rid in self.metas], dtype=bool)
        return picked[self._unit_report]


def entries(sections: Sequence[Section], passages: Sequence[Passage], metas: Mapping[str, Mapping]) -> tuple[ReportEntry, ...]:
    """The library as ``ReportEntry`` rows, in index order, with units, headings and passages counted."""
    units: dict[str, int] = {}
    headings: dict[str, int] = {}
    for s in sections:
        units[s.report] = units.get(s.report, 0) + 1
        headings[s.report] = headings.get(s.report, 0) + len(s.headings)
    report_of = {s.id: s.report for s in sections}
    windows: dict[str, int] = {}
    for p in passages:
        r = report_of[p.section_id]
        windows[r] = windows.get(r, 0) + 1
    out = []
    for rid, m in metas.items():
        out.append(ReportEntry(
            report_id=rid, source=str(m.get("source", "")), country=str(m.get("country", "")),
            year=m.get("year"), round=str(m.get("round", "")), thematic_area=str(m.get("thematic_area", "")),
            document_code=str(m.get("document_code", "")), title=str(m.get("title", "")),
            language=str(meta_value(m, "language") or ""), sections=units.get(rid, 0), priority_actions=headings.get(rid, 0),
            passages=windows.get(rid, 0),
        ))
    return tuple(out)


def priority_action_number(text: object) -> str:
    """"2.4" from "2.4", "pa-2.4" or "Priority Action 2.4"; a BadQuestionError otherwise.

    >>> priority_action_number("Priority Action 2.04")
    '2.4'
    """
    m = PRIORITY_ACTION_RE.match(text) if isinstance(text, str) else None
    if m is None:
        raise BadQuestionError(f"priority_action must be a number 'N.M' such as '2.4', got {text!r}.")
    return f"{int(m.group(1))}.{int(m.group(2))}"


def comparison_notice(found: Sequence[ComparisonEntry]) -> str:
    """A warning when the entries may not be comparable: priority-action numbers follow each round's and
    thematic area's plan of action, so the same number can mean another action elsewhere."""
    if len({(e.round, e.thematic_area) for e in found}) > 1 or len({fold(e.title).strip() for e in found}) > 1:
        return ("These reports come from different evaluation rounds or thematic areas, or word this priority "
                "action differently: check the titles before comparing the texts.")
    return ""
