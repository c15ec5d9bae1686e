"""The one place that wires the pipeline: ``Assistant.load(index_dir).ask(question)``.

ingest (corpus, parsing) -> index (build, store) -> **retrieve** (``retrieval.Retriever``, ranking)
-> **answer** (answerability, highlights) -> surfaces (cli, api, mcp_server, tools).

``rank`` is the single entry point of retrieve + judge, used by ``ask``, ``memqa eval``,
``eval/calibrate.py`` and ``eval/explore.py`` alike; the answerability verdict always looks at the
top ``JUDGE_DEPTH`` units of what the filters allow, whatever ``k`` is asked for.
"""
from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .answerability import CALIBRATION, NOTICE, Calibration, Verdict, judge, load_calibration, reports_named
from .configs import CONFIGS, DEFAULT_CONFIG
from .encoders import Encoder, load_encoder
from .errors import BadQuestionError, NotFoundError, StaleIndexError
from .extract import GAP_RE, extract, question_type
from .highlight import highlights, widen
from .lexical import QueryTerms, fold
from .library import Library, canonical, comparison_notice, priority_action_number
from .limits import JUDGE_DEPTH, K_MAX, MAX_QUESTION_CHARS, UNIT_SHOW_TOKENS
from .ranking import RankConfig, top_k
from .references import named_actions, named_objectives
from .restatement import RESTATEMENT_MARGIN, action_first, summary_links, top_score
from .retrieval import Retrieval, Retriever
from .store import IndexData, check_corpus, load_index
from .tokens import count_tokens
from .translation import query_terms
from .types import (
    Answer,
    CicadAssessment,
    Citation,
    Comparison,
    ComparisonEntry,
    DirectAnswer,
    Hit,
    Passage,
    ScorecardRow,
    Section,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranking:
    """One question ranked and judged: the input of every answer and of the evaluation."""

    question: str  # as searched: control characters removed, trimmed
    retrieval: Retrieval
    order: tuple[int, ...]  # ranked unit indices, best first
    verdict: Verdict


@dataclass(frozen=True)
class Result:
    """An answer with how it was reached: answerability signals and per-stage timings (seconds)."""

    answer: Answer
    signals: Mapping[str, float | None]
    timings: Mapping[str, float]


SCORECARD_LIST = "No single passage lists the priority actions by CICAD's verdict; the passages below are the nearest."
SCORECARD_HINT = ("CICAD's verdict on every priority action — which ones the country does not meet ('gap') or "
                  "meets in part — is in the report's scorecard (`memqa scorecard`, `GET /scorecard`, chat tool "
                  "`scorecard`).")
_VERDICT_SUBJECT = re.compile(r"\b(cicad|priority actions?|acci(?:on|ones) prioritarias?|a(?:cao|coes) prioritarias?|"
                              r"actions? prioritaires?|objectives?|objetivos?|objectifs?)\b")


# "Which priority actions does Peru not meet?": a list of actions by CICAD's verdict, which one passage cannot give
_ACTIONS_LISTED = re.compile(r"\b(which|what|que|cuales|quais|quelles?)\b[^?]*\b(priority actions|acciones prioritarias|"
                             r"acoes prioritarias|actions prioritaires|objectives|objetivos|objectifs)\b")


def asks_for_verdict_list(question: str) -> bool:
    """Which priority actions (or objectives) CICAD found lacking: the scorecard's answer, not a passage's.

    >>> asks_for_verdict_list("Which priority actions does Peru not meet?"), asks_for_verdict_list("Did CICAD find gaps?")
    (True, False)
    >>> asks_for_verdict_list("¿Qué acciones prioritarias presentan deficiencias?")
    True
    """
    return asks_for_verdicts(question) and bool(_ACTIONS_LISTED.search(fold(question)))


_ACROSS = re.compile(r"\b(countries|each country|every country|all (?:the )?(?:countries|reports|member states)|"
                     r"across (?:countries|reports)|compare[sd]?|comparison|versus|vs\.?|paises|cada pais|todos los "
                     r"paises|comparar|comparacion|comparado|(?:les|des|ces|chaque|tous les|autres) pays|comparer|"
                     r"comparaison|member states|estados miembros|estados membros|etats membres)\b")


def asks_across_reports(question: str) -> bool:
    """A question about several countries or reports at once ("How do the countries handle Project ION?").

    >>> asks_across_reports("How do the countries handle Project ION?"), asks_across_reports("Compare Mexico and Peru")
    (True, True)
    >>> asks_across_reports("¿Cómo manejan los países el Proyecto ION?"), asks_across_reports("Does Mexico use I2ES?")
    (True, False)
    """
    return bool(_ACROSS.search(fold(question)))


def asks_for_verdicts(question: str) -> bool:
    """A question about what CICAD found lacking, which the scorecard lists action by action.

    >>> asks_for_verdicts("Which priority actions does Mexico not meet?"), asks_for_verdicts("Did CICAD find gaps?")
    (True, True)
    >>> asks_for_verdicts("Does Mexico use the I2ES system?")
    False
    """
    q = fold(question)
    return bool(GAP_RE.search(q) and _VERDICT_SUBJECT.search(q))


class Assistant:
    def __init__(self, data: IndexData, encoders: Mapping[str, Encoder], config: RankConfig = DEFAULT_CONFIG,
                 calibration: Calibration | None = None) -> None:
        self.retriever = Retriever(data, encoders)
        self.data = data
        self.encoders = self.retriever.encoders
        self.config = config
        self.calibration = calibration
        self.sections = data.sections
        self.passages = data.passages
        alias = {}
        for s in self.sections:
            for h in s.headings:
                alias[f"{s.report}/pa-{h.number}"] = s.id
            alias[s.id] = s.id
        self._alias = MappingProxyType(alias)
        self.library = Library(data.manifest, self.sections, self.passages)
        self.reports = sorted(self.library.metas)
        self.objectives = self.library.objectives
        self.report_metas = MappingProxyType(self.library.metas)
        self._unit_tokens = tuple(count_tokens(s.text) for s in self.sections)
        # (report, objective) -> its evaluative summary: a verdict's lookup, not a scan of the library
        self._summaries: Mapping[tuple[str, int | None], Section] = MappingProxyType(
            {(s.report, s.objective): s for s in reversed(self.sections) if s.kind == "evaluative_summary"})
        self._restates = summary_links(self.sections, data.assessments)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        index_dir: str | Path = "index",
        encoders: Mapping[str, Encoder] | Sequence[Encoder] | None = None,
        corpus_dir: str | Path | None = None,
        config: RankConfig | str = DEFAULT_CONFIG,
        verify: bool = True,
        load_all: bool = False,
        calibration: Path | None | str = "default",
    ) -> Assistant:
        """Load an index; encoders are loaded from the manifest unless injected (tests pass fakes).

        With ``corpus_dir`` the corpus files are hashed and compared with the manifest, so a
        changed report gives a StaleIndexError that names ``memqa build``. ``calibration`` is the
        answerability model: "default" is the packaged one (checked against the loaded encoders;
        skipped when encoders are injected and do not include its encoder), a path, or None.
        """
        data = load_index(Path(index_dir), verify=verify)
        if corpus_dir is not None and Path(corpus_dir).is_dir():
            from .corpus import sha256_bytes

            shas = {p.name: sha256_bytes(p.read_bytes()) for p in sorted(Path(corpus_dir).iterdir())
                    if p.suffix in (".txt", ".pdf") and p.is_file()}
            check_corpus(data.manifest, shas)
        built = {e["id"]: e for e in data.manifest["encoders"]}
        if isinstance(config, str):
            config = get_config(config)
        if encoders is None:
            # Load only what the configuration uses (cold start and memory); all when asked for.
            wanted = set(built) if load_all else (config.encoders() & set(built)) or set(built)
            encs = {
                eid: load_encoder(eid if eid in ("minilm", "e5", "fake") else built[eid]["name"])
                for eid in sorted(wanted)
            }
        else:
            encs = dict(encoders) if isinstance(encoders, Mapping) else {e.id: e for e in encoders}
        for eid, enc in encs.items():
            if eid not in built:
                raise StaleIndexError(
                    f"the index was built with encoders {', '.join(built)}, not {eid!r}; "
                    f"run `memqa build --encoders {','.join(encs)}` to rebuild it for this encoder."
                )
            if enc.dim != built[eid]["dim"]:
                raise StaleIndexError(
                    f"encoder {eid!r} gives {enc.dim}-d vectors but the index holds {built[eid]['dim']}-d ones; "
                    "run `memqa build` to rebuild the index."
                )
        calib = None
        if calibration is not None:
            path = CALIBRATION if calibration == "default" else Path(calibration)
            calib = load_calibration(path)
            sentence_encoder = Retriever.sentence_encoder_of(encs)
            if calib.encoder != sentence_encoder:
                # Fitted on another encoder's scores: the model does not apply. Answers are then never
                # withheld and say so (Verdict notice); /health reports "calibrated": false.
                log.warning("answerability calibration is for %r, the index is searched with %r; run "
                            "`python eval/calibrate.py` to fit it for this index", calib.encoder, sentence_encoder)
                calib = None
        return cls(data, encs, restrict(config, set(encs)), calib)

    def report_meta(self, report_id: str) -> dict:
        """The manifest's metadata of one report (country, year, round, ...)."""
        return self.report_metas.get(report_id, {})

    def citation(self, section: Section, start_line: int | None = None, end_line: int | None = None,
                 span: tuple[int, int] | None = None) -> Citation:
        """``Citation.of`` with the report's metadata, so ``cite`` names the document."""
        return Citation.of(section, start_line, end_line, self.report_meta(section.report) or None, span)

    # ------------------------------------------------------------------ validation
    def resolve_section(self, section_id: str) -> Section:
        """A citable unit from its id or the way people name it: 'mexico-2022/pa-5.4', 'pa-5.4', '5.4',
        'Priority Action 5.4', 'Evaluative Summary, Objective 3', 'summary-3', 'preface' (with or without
        '<report>/'). A name that several reports share raises NotFoundError listing their ids."""
        text = str(section_id).strip()
        report, _, rest = text.rpartition("/")
        key = section_key(rest)
        found: list[str] = []
        if text in self._alias:
            found = [self._alias[text]]
        elif key is not None:
            reports = [report] if report else self.reports
            found = list(dict.fromkeys(self._alias[f"{r}/{key}"] for r in reports if f"{r}/{key}" in self._alias))
        if len(found) > 1:
            raise NotFoundError(f"{section_id!r} is in {len(found)} reports; use one of {', '.join(found)}.")
        if not found:
            r = self.sections[0].report
            raise NotFoundError(
                f"no section {section_id!r}; ids look like '{r}/pa-2.4' (or 'Priority Action 2.4'), "
                f"'{r}/summary-3' or '{r}/preface' (see `memqa sections`)."
            )
        return self.sections[self.retriever.unit_index[found[0]]]

    def passages_of(self, section: Section) -> list[Passage]:
        return [self.passages[i] for i in self.retriever.passages_of(self.retriever.unit_index[section.id])]

    def mask(self, objective: int | None = None, kind: str | None = None, report: str | None = None, *,
             country: str | None = None, year: int | None = None, round: str | None = None,
             thematic_area: str | None = None, language: str | None = None) -> np.ndarray:
        """Which units the filters allow; unknown filter values raise BadQuestionError naming the valid ones.

        ``report``, ``country``, ``year``, ``round``, ``thematic_area`` and ``language`` select reports by the
        manifest's metadata (strings match whatever their case and accents); ``objective`` and ``kind`` units.
        """
        return self.library.mask(objective, kind, report=report, country=country, year=year, round=round,
                                 thematic_area=thematic_area, language=language)

    @staticmethod
    def check_question(question: object) -> str:
        if not isinstance(question, str):
            raise BadQuestionError("question must be a string.")
        # Control characters and lone surrogates become spaces; any other character — including ones
        # Unicode has not assigned yet, which the HTTP schema accepts — is kept as text.
        q = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n" else ch
                    for ch in question).strip()
        if not q:
            raise BadQuestionError("question is empty; type a question, e.g. 'Which agencies are ION focal points?'.")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadQuestionError(
                f"question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}. Shorten it to the key point."
            )
        return q

    # ------------------------------------------------------------------ rank, judge, answer
    def rank(self, question: str, *, config: RankConfig | str | None = None, objective: int | None = None,
             kind: str | None = None, report: str | None = None, depth: int = JUDGE_DEPTH,
             **library: Any) -> Ranking:
        """Retrieve, fuse and judge: the ranked units (at least ``JUDGE_DEPTH`` deep) and the verdict.

        ``library`` takes the other report filters of ``mask``: country, year, round, thematic_area, language.
        """
        q = self.check_question(question)
        if isinstance(config, str):
            config = restrict(get_config(config), set(self.encoders))
        mask = self.mask(objective, kind, report, **library)
        if len(self.reports) > 1 and not any(library.get(f) is not None for f in ("country", "year", "round")) \
                and report is None and (named := reports_named(q, self.report_metas)):
            # "In the 2022 report on Mexico, ...": the question's own country / year / round select the reports
            # (a library with mexico-2019 and mexico-2022 otherwise ranks either first and refuses one)
            scoped = mask & self.library.units_of(named)
            mask = scoped if scoped.any() else mask
        config = config or self.config
        r = self.retriever.retrieve(q, config, mask)
        r, order = self._action_first(q, r, config, tuple(top_k(r.fused, max(depth, JUDGE_DEPTH))))
        verdict = judge(q, r, self.retriever, list(order[:JUDGE_DEPTH]), self.report_metas, self.calibration)
        return Ranking(q, r, order, verdict)

    def _action_first(self, q: str, r: Retrieval, config: RankConfig,
                      order: tuple[int, ...]) -> tuple[Retrieval, tuple[int, ...]]:
        """The priority action before an evaluative summary that only restates it (``memqa.restatement``),
        unless the question asks for CICAD's judgement or names an action or objective. The two swap their
        fused scores too, so scores still fall with rank."""
        if len(order) < 2 or self.sections[order[0]].kind != "evaluative_summary" or question_type(q) == "judgement" \
                or named_actions(q) or named_objectives(q):
            return r, order
        segs = self.retriever.segments_of(order[0])
        scores = r.segment_scores.get(self.retriever.sentence_encoder)
        if not segs or scores is None:
            return r, order
        best = self.retriever.segments[segs[int(np.argmax(scores[list(segs)]))]]
        new = action_first(order, r.fused, self.sections, self._restates, (best.start, best.end),
                           RESTATEMENT_MARGIN * top_score(config, r.lang))
        if new == order:
            return r, order
        fused = r.fused.copy()
        fused[[order[0], order[1]]] = fused[[order[1], order[0]]]
        return replace(r, fused=fused), new

    def run(self, question: str, k: int = 5, objective: int | None = None, kind: str | None = None,
            report: str | None = None, config: RankConfig | str | None = None, **library: Any) -> Result:
        """``ask`` plus the answerability signals and per-stage timings (the HTTP Server-Timing header)."""
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
            raise BadQuestionError(f"k must be an integer from 1 to {K_MAX}, got {k!r}.")
        if isinstance(config, str):
            config = restrict(get_config(config), set(self.encoders))
        config = config or self.config
        t0 = time.perf_counter()
        ranking = self.rank(question, config=config, objective=objective, kind=kind, report=report, depth=k,
                            **library)
        t_rank = time.perf_counter() - t0
        r = ranking.retrieval
        t3 = time.perf_counter()
        q_terms = query_terms(ranking.question, r.lang)
        seg_scores = r.segment_scores[self.retriever.sentence_encoder]
        hits = [self._hit(rank, unit, r, config, seg_scores, q_terms)
                for rank, unit in enumerate(ranking.order[:k], start=1)]
        v = ranking.verdict
        direct = self.direct_answer(ranking, q_terms)
        notice = v.notice
        confidence = v.confidence
        if v.answerable and asks_for_verdict_list(ranking.question):
            # no passage lists the actions by verdict: no direct answer, and not "high"
            confidence = "medium"
            notice = f"{SCORECARD_LIST} {SCORECARD_HINT}"
        elif v.answerable and asks_for_verdicts(ranking.question):
            notice = f"{notice} {SCORECARD_HINT}".strip()
        filtered = any(x is not None for x in (objective, kind, report, *library.values()))
        if filtered and not v.answerable and notice == NOTICE:
            inside = self.mask(objective, kind, report, **library)
            notice = f"{notice} {self._outside_filters(ranking.question, config, inside)}".strip()
        if not filtered and len(self.reports) > 1 and ranking.order and asks_across_reports(ranking.question) \
                and len({self.report_metas[rid].get("country") for rid in
                         reports_named(ranking.question, self.report_metas) or self.reports}) > 1:
            # about several countries (not "Which countries does Mexico cooperate with?", one country's report)
            notice = f"{notice} {self._compare_hint(ranking.order[0])}".strip()
        answer = Answer(question=ranking.question, answerable=v.answerable, confidence=confidence,
                        language=r.lang, notice=notice, answer=direct, passages=tuple(hits))
        timings = {**r.timings, "judge": t_rank - sum(r.timings.values()), "highlight": time.perf_counter() - t3}
        return Result(answer, MappingProxyType(dict(v.signals)), MappingProxyType(timings))

    def _compare_hint(self, unit: int) -> str:
        """For a question about every report: where to read them side by side (the top unit's priority action)."""
        sec = self.sections[unit]
        n = len(self.reports)
        if sec.kind == "priority_action" and sec.headings:
            pa = sec.headings[0].number
            return (f"This question is about several of the {n} reports; the passages are ranked across them. To read "
                    f"Priority Action {pa} side by side in every report: memqa compare {pa} (GET "
                    f"/compare?priority_action={pa}, chat tool compare).")
        return (f"This question is about several of the {n} reports; the passages are ranked across them. To read one "
                "priority action side by side in every report: memqa compare N.M (GET /compare, chat tool compare).")

    def _outside_filters(self, question: str, config: RankConfig, inside: np.ndarray) -> str:
        """Where the whole library would answer a question the filtered part (units ``inside``) does not
        (empty if nowhere else): filters must not hide an answer without saying so."""
        whole = self.rank(question, config=config)
        if not whole.verdict.answerable or not whole.order or inside[whole.order[0]]:
            return ""
        sec = self.sections[whole.order[0]]
        where = f"{sec.label} (objective {sec.objective}, {sec.report})" if sec.objective else f"{sec.label} ({sec.report})"
        return f"Without the filters the best match is {where}; widen or remove the filters."

    def direct_answer(self, ranking: Ranking, q_terms: QueryTerms | None = None) -> DirectAnswer | None:
        """The shortest verbatim evidence from the top units; None when the verdict is "not answered"."""
        if not ranking.verdict.answerable or not ranking.order or asks_for_verdict_list(ranking.question):
            return None  # a list of priority actions by verdict is the scorecard's (run() says so)
        terms = q_terms if q_terms is not None else query_terms(ranking.question, ranking.retrieval.lang)
        seg_scores = ranking.retrieval.segment_scores[self.retriever.sentence_encoder]
        direct = extract(ranking.question, question_type(ranking.question), self.retriever,
                         list(ranking.order[:JUDGE_DEPTH]), seg_scores, terms, lang=ranking.retrieval.lang)
        if direct is None:
            return None
        # The units' citations name the document, as the passages' do.
        units = []
        for u in direct.units:
            sec = self.resolve_section(u.citation.section_id)
            units.append(replace(u, citation=self.citation(sec, span=(u.start - sec.start_char, u.end - sec.start_char))))
        units = tuple(units)
        return replace(direct, units=units)

    def _shown(self, unit: int, r: Retrieval | None, config: RankConfig) -> Passage:
        """The part of a unit to show: all of it when it fits ``UNIT_SHOW_TOKENS``, else its best window
        for the question (its first window without one) widened; offsets and lines of exactly that text."""
        sec = self.sections[unit]
        if self._unit_tokens[unit] <= UNIT_SHOW_TOKENS:
            a, b = 0, len(sec.text)
        else:
            pi = self.retriever.best_passage(unit, r, config) if r is not None else self.retriever.passages_of(unit)[0]
            p = self.passages[pi]
            a, b = widen(self.retriever, unit, p.start_char - sec.start_char, p.end_char - sec.start_char)
        first = sec.start_line + sec.text.count("\n", 0, a)
        return Passage(id=sec.id, section_id=sec.id, index=0, text=sec.text[a:b], embed_text="",
                       start_line=first, end_line=first + sec.text.count("\n", a, b),
                       start_char=sec.start_char + a, end_char=sec.start_char + b, tokens=0)

    def _hit(self, rank: int, unit: int, r: Retrieval, config: RankConfig, seg_scores: np.ndarray,
             q_terms: QueryTerms) -> Hit:
        sec = self.sections[unit]
        shown = self._shown(unit, r, config)
        return Hit(rank=rank, score=round(float(r.fused[unit]), 6), text=shown.text,
                   highlights=highlights(self.retriever, unit, shown, seg_scores, q_terms),
                   citation=self.citation(sec, shown.start_line, shown.end_line),
                   continues_above=shown.start_char > sec.start_char,
                   continues_below=bool(sec.text[shown.end_char - sec.start_char:].strip()),
                   assessment=next(iter(self.assessments_of(sec)), None))

    # ------------------------------------------------------------------ CICAD's verdicts
    def assessments_of(self, section: Section) -> tuple[CicadAssessment, ...]:
        """CICAD's verdict on each heading of a priority-action unit (empty for other units)."""
        if section.kind != "priority_action":
            return ()
        return tuple(self._verdict(f"{section.report}/pa-{h.number}", h.number) for h in section.headings)

    def _verdict(self, heading_id: str, number: str) -> CicadAssessment:
        d = self.data.assessments.get(heading_id)
        if not d or not d.get("links"):
            return CicadAssessment(number, (d or {}).get("status", "none"), "", None)
        report = heading_id.split("/", 1)[0]
        objective = d["links"][0]["clause"]["objective"]
        summary = self._summaries.get((report, objective))
        if summary is None:
            return CicadAssessment(number, d["status"], "", None)
        a = min(x["clause"]["start"] for x in d["links"])
        b = max(x["clause"]["end"] for x in d["links"])
        text = " ".join(x["clause"]["text"].strip() for x in d["links"])
        return CicadAssessment(number, d["status"], text, self.citation(summary, span=(a, b)))

    def scorecard(self, report: str | None = None) -> tuple[ScorecardRow, ...]:
        """Every priority-action heading of a report (or of the library) with CICAD's verdict."""
        if report is not None and report not in self.reports:
            raise BadQuestionError(f"report {report!r} is not in the index; use one of {', '.join(self.reports)}.")
        rows = []
        for s in self.sections:
            if s.kind != "priority_action" or (report is not None and s.report != report):
                continue
            for h, v in zip(s.headings, self.assessments_of(s)):
                rows.append(ScorecardRow(s.report, s.objective, h.number, h.title, s.id, v))
        order = {r: i for i, r in enumerate(self.reports)}  # 12.1, 12.2, 12.3, 12.4 — not the units' order
        rows.sort(key=lambda r: (order.get(r.report, 0), tuple(int(x) for x in r.priority_action.split(".")
                                                                if x.isdigit())))
        return tuple(rows)

    def ask(self, question: str, k: int = 5, objective: int | None = None, kind: str | None = None,
            report: str | None = None, config: RankConfig | str | None = None, **library: Any) -> Answer:
        """Top-k cited passages for ``question`` (k from 1 to ``K_MAX``), e.g.
        ``assistant.ask("Which agencies are ION focal points?", k=3).passages[0].citation.priority_action``
        is ``"2.4"`` on the bundled report. ``library`` filters: country, year, round, thematic_area, language."""
        return self.run(question, k, objective, kind, report, config, **library).answer

    # ------------------------------------------------------------------ the library
    def compare(self, priority_action: str, reports: Sequence[str] | None = None,
                question: str | None = None) -> Comparison:
        """One priority action side by side across ``reports`` (default: the whole library), each entry
        with its own report's text and citation; with ``question``, each shows its best-matching window.

        ``assistant.compare("2.4").entries[0].citation.report`` is ``"mexico-2022"`` on the bundled report.
        """
        number = priority_action_number(priority_action)
        scope = list(self.library.metas) if not reports else list(dict.fromkeys(
            canonical("report", r, self.reports) for r in reports))
        units: dict[str, int] = {}
        for rid in scope:
            sid = self._alias.get(f"{rid}/pa-{number}")
            if sid is not None:
                units[rid] = self.retriever.unit_index[sid]
        if not units:
            where = "no report" if not reports else f"none of {', '.join(scope)}"
            raise NotFoundError(f"{where} has Priority Action {number}; see `memqa sections` (GET /sections) for "
                                "the priority actions of each report.")
        r, q, seg_scores, q_terms = None, None, None, None
        if question is not None:
            q = self.check_question(question)
            mask = np.zeros(len(self.sections), dtype=bool)
            mask[list(units.values())] = True
            r = self.retriever.retrieve(q, self.config, mask)
            seg_scores, q_terms = r.segment_scores[self.retriever.sentence_encoder], query_terms(q, r.lang)
        found = []
        for rid, unit in units.items():
            sec, meta = self.sections[unit], self.library.metas[rid]
            shown = self._shown(unit, r, self.config)
            found.append(ComparisonEntry(
                report=rid, country=str(meta.get("country", "")), year=meta.get("year"),
                round=str(meta.get("round", "")), thematic_area=str(meta.get("thematic_area", "")),
                label=sec.label, title=sec.title, text=shown.text,
                highlights=highlights(self.retriever, unit, shown, seg_scores, q_terms) if r is not None else (),
                citation=self.citation(sec, shown.start_line, shown.end_line),
                score=None if r is None else round(float(r.fused[unit]), 6),
                continues_above=shown.start_char > sec.start_char,
                continues_below=bool(sec.text[shown.end_char - sec.start_char:].strip()),
                assessment=next(iter(self.assessments_of(sec)), None),
            ))
        return Comparison(number, q, tuple(found), tuple(rid for rid in scope if rid not in units),
                          comparison_notice(found))


_PA_REF = re.compile(r"(?:priority\s*actions?|p\.?\s*a\.?)?\s*[-_:#]?\s*(\d{1,2}\.\d{1,2})\.?")
_SUMMARY_REF = re.compile(r"(?:evaluative\s+)?summary\s*[-_:,]?\s*(?:objective\s*|obj\.?\s*)?(\d{1,2})"
                          r"|objective\s*(\d{1,2})\s*[-_:,]?\s*(?:evaluative\s+)?summary")


def section_key(name: str) -> str | None:
    """The id of a unit inside its report ('pa-5.4', 'summary-3', 'preface') from how it is named.

    >>> [section_key(x) for x in ("Priority Action 5.4", "pa-5.4", "5.4", "Evaluative Summary, Objective 3")]
    ['pa-5.4', 'pa-5.4', 'pa-5.4', 'summary-3']
    >>> section_key("Objective 3") is None
    True
    """
    n = " ".join(name.lower().split())
    if n == "preface":
        return n
    if m := _PA_REF.fullmatch(n):
        return f"pa-{m.group(1)}"
    if m := _SUMMARY_REF.fullmatch(n):
        return f"summary-{int(m.group(1) or m.group(2))}"
    return None


def get_config(name: str) -> RankConfig:
    if name not in CONFIGS:
        raise BadQuestionError(f"unknown ranking configuration {name!r}; use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name]


def restrict(config: RankConfig, encoders: set[str]) -> RankConfig:
    """Drop retrievers whose encoder is not loaded (e.g. a MiniLM-only index)."""
    def ok(name: str) -> bool:
        return ":" not in name or name.split(":", 1)[1] in encoders

    weights = {lang: {n: w for n, w in ws.items() if ok(n)} for lang, ws in config.weights.items()}
    for lang, ws in weights.items():
        if not any(w > 0 for w in ws.values()):
            fallback = {f"dense:{e}": 1.0 for e in sorted(encoders)}
            if lang == "en":
                fallback["lexical"] = 1.0
            weights[lang] = fallback
    return RankConfig(config.name, weights, config.fusion, config.rrf_k, config.description)
