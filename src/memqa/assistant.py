"""The one place that wires encoders + index + ranking: ``Assistant.load(index_dir).ask(question)``."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answerability import judge
from .configs import CONFIGS, DEFAULT_CONFIG
from .encoders import Encoder, load_encoder
from .errors import BadQuestionError, NotFoundError, StaleIndexError
from .language import detect
from .lexical import tokenize
from .ranking import RankConfig, fuse, group_max, top_k
from .store import IndexData, check_corpus, load_index
from .types import Answer, Citation, Highlight, Hit, Passage, Section

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
MAX_K = 50


def citation_of(s: Section, start_line: int | None = None, end_line: int | None = None) -> Citation:
    return Citation(
        report=s.report, kind=s.kind, objective=s.objective, priority_action=s.priority_action, title=s.title,
        source=s.source, start_line=start_line or s.start_line, end_line=end_line or s.end_line,
        label=s.label, section_id=s.id,
    )


@dataclass(frozen=True)
class Retrieval:
    """Everything one query computed, before it is turned into an Answer (used by eval too)."""

    lang: str
    unit_scores: dict  # retriever name -> score per section
    passage_scores: dict  # retriever name -> score per passage
    segment_scores: dict  # encoder id -> score per segment
    fused: np.ndarray
    timings: dict


class Assistant:
    def __init__(self, data: IndexData, encoders: Mapping[str, Encoder], config: RankConfig = DEFAULT_CONFIG) -> None:
        self.data = data
        self.encoders = dict(encoders)
        self.config = config
        self.sections = data.sections
        self.passages = data.passages
        self._sec_index = {s.id: i for i, s in enumerate(self.sections)}
        self._alias = {}
        for s in self.sections:
            for h in s.headings:
                self._alias[f"{s.report}/pa-{h.number}"] = s.id
            self._alias[s.id] = s.id
        self._p_owner = np.array([self._sec_index[p.section_id] for p in self.passages], dtype=np.int64)
        self._g_owner = np.array([self._sec_index[g.section_id] for g in data.segments], dtype=np.int64)
        self._p_secs = [self.sections[i] for i in self._p_owner]
        self._passages_of: dict[int, list[int]] = {}
        for pi, si in enumerate(self._p_owner):
            self._passages_of.setdefault(int(si), []).append(pi)
        self._segments_of: dict[int, list[int]] = {}
        for gi, si in enumerate(self._g_owner):
            self._segments_of.setdefault(int(si), []).append(gi)
        self._lock = threading.Lock()
        self.reports = sorted({s.report for s in self.sections})
        self.objectives = sorted({s.objective for s in self.sections if s.objective is not None})

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
    ) -> Assistant:
        """Load an index; encoders are loaded from the manifest unless injected (tests pass fakes).

        With ``corpus_dir`` the corpus files are hashed and compared with the manifest, so a
        changed report gives a StaleIndexError that names ``memqa build``.
        """
        data = load_index(Path(index_dir), verify=verify)
        if corpus_dir is not None and Path(corpus_dir).is_dir():
            from .corpus import sha256_bytes

            shas = {p.name: sha256_bytes(p.read_bytes()) for p in sorted(Path(corpus_dir).glob("*.txt"))}
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
        return cls(data, encs, _restrict(config, set(encs)))

    def report_meta(self, report_id: str) -> dict:
        """The manifest's metadata of one report (country, year, round, ...)."""
        return next((r for r in self.data.manifest.get("reports", []) if r["report_id"] == report_id), {})

    # ------------------------------------------------------------------ validation
    def resolve_section(self, section_id: str) -> Section:
        sid = self._alias.get(section_id.strip())
        if sid is None and "/" not in section_id and len(self.reports) == 1:
            sid = self._alias.get(f"{self.reports[0]}/{section_id.strip()}")
        if sid is None:
            raise NotFoundError(
                f"no section {section_id!r}; ids look like '{self.sections[0].report}/pa-2.4', "
                f"'{self.sections[0].report}/summary-3' or '{self.sections[0].report}/preface' (see `memqa sections`)."
            )
        return self.sections[self._sec_index[sid]]

    def passages_of(self, section: Section) -> list[Passage]:
        return [self.passages[i] for i in self._passages_of.get(self._sec_index[section.id], [])]

    def _mask(self, objective: int | None, kind: str | None, report: str | None) -> np.ndarray:
        from .types import KINDS

        if objective is not None and objective not in self.objectives:
            raise BadQuestionError(
                f"objective {objective} is not in the index; use one of {self.objectives[0]}–{self.objectives[-1]}."
            )
        if kind is not None and kind not in KINDS:
            raise BadQuestionError(f"kind {kind!r} is unknown; use one of {', '.join(KINDS)}.")
        if report is not None and report not in self.reports:
            raise BadQuestionError(f"report {report!r} is not in the index; use one of {', '.join(self.reports)}.")
        return np.array(
            [
                (objective is None or s.objective == objective)
                and (kind is None or s.kind == kind)
                and (report is None or s.report == report)
                for s in self.sections
            ],
            dtype=bool,
        )

    @staticmethod
    def check_question(question: object) -> str:
        if not isinstance(question, str):
            raise BadQuestionError("question must be a string.")
        q = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in question).strip()
        if not q:
            raise BadQuestionError("question is empty; type a question, e.g. 'Which agencies are ION focal points?'.")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadQuestionError(
                f"question is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}. Shorten it to the key point."
            )
        return q

    # ------------------------------------------------------------------ retrieval
    def retrieve(self, question: str, config: RankConfig | None = None, mask: np.ndarray | None = None,
                 lang: str | None = None) -> Retrieval:
        config = config or self.config
        t0 = time.perf_counter()
        lang = lang or detect(question)
        weights = config.for_language(lang)
        n_sec = len(self.sections)
        needed = {name for name, w in weights.items() if w > 0}
        enc_ids = {n.split(":", 1)[1] for n in needed if ":" in n}
        # Sentence scores are always computed for highlights with the first available encoder.
        hl_enc = next((e for e in ("e5", "minilm") if e in self.encoders), next(iter(self.encoders)))
        enc_ids.add(hl_enc)
        timings = {"detect": time.perf_counter() - t0}
        qvecs = {}
        t1 = time.perf_counter()
        for eid in sorted(enc_ids):
            if eid in self.encoders:
                qvecs[eid] = self.encoders[eid].encode([question], kind="query")[0]
        timings["encode"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        p_scores, u_scores, g_scores = {}, {}, {}
        for eid, q in qvecs.items():
            index = self.data.dense[eid]
            n = index.ntotal
            sims, ids = index.search(q[None, :], n)
            s = np.full(n, -np.inf, dtype=np.float32)
            s[ids[0]] = sims[0]
            p_scores[f"dense:{eid}"] = s
            u_scores[f"dense:{eid}"] = group_max(s, self._p_owner, n_sec)
            g = self.data.segment_vectors[eid] @ q
            g_scores[eid] = g
            u_scores[f"sent:{eid}"] = group_max(g, self._g_owner, n_sec)
        # BM25 always runs (under a millisecond; the answerability signals use it in every language).
        # A passage sharing no word with the question is absent from the lexical ranking, not ranked
        # last-by-position (which would favour the first sections under RRF).
        lex = self.data.lexical.scores(question)
        lex = np.where(lex > 0, lex, -np.inf).astype(np.float32)
        p_scores["lexical"] = lex
        u_scores["lexical"] = group_max(lex, self._p_owner, n_sec)
        if mask is None:
            mask = np.ones(n_sec, dtype=bool)
        fused = fuse(u_scores, config, lang, mask)
        timings["rank"] = time.perf_counter() - t2
        return Retrieval(lang, u_scores, p_scores, g_scores, fused, timings)

    def ask(
        self,
        question: str,
        k: int = 5,
        objective: int | None = None,
        kind: str | None = None,
        report: str | None = None,
        config: RankConfig | str | None = None,
    ) -> Answer:
        """Top-k cited passages for ``question``.

        >>> a = assistant.ask("Which agencies are ION focal points?", k=3)  # doctest: +SKIP
        >>> a.passages[0].citation.priority_action                          # doctest: +SKIP
        '2.4'
        """
        q = self.check_question(question)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise BadQuestionError(f"k must be an integer from 1 to {MAX_K}, got {k!r}.")
        if isinstance(config, str):
            config = _restrict(get_config(config), set(self.encoders))
        mask = self._mask(objective, kind, report)
        r = self.retrieve(q, config, mask)
        t3 = time.perf_counter()
        hits = []
        q_terms = set(tokenize(q))
        for rank, si in enumerate(top_k(r.fused, k), start=1):
            sec = self.sections[si]
            pi = self._best_passage(si, r, config or self.config)
            p = self.passages[pi]
            hits.append(
                Hit(
                    rank=rank, score=round(float(r.fused[si]), 6), text=p.text,
                    highlights=self._highlights(si, p, r, q_terms),
                    citation=citation_of(sec, p.start_line, p.end_line),
                )
            )
        verdict = judge(q, r, self, hits)
        r.timings["highlight"] = time.perf_counter() - t3
        return Answer(
            question=q, passages=tuple(hits), answerable=verdict.answerable, confidence=verdict.confidence,
            language=r.lang, notice=verdict.notice, signals={**verdict.signals, "timings": r.timings},
        )

    def _best_passage(self, si: int, r: Retrieval, config: RankConfig) -> int:
        """The window of a unit to show: best by the same retrievers (and weights) that ranked it."""
        cands = self._passages_of[si]
        if len(cands) == 1:
            return cands[0]
        weights = config.for_language(r.lang)
        total = np.zeros(len(cands))
        for name, s in r.passage_scores.items():
            w = weights.get(name, 0.0) or (0.5 if name.startswith("dense:") and not any(
                k.startswith("dense:") and v > 0 for k, v in weights.items()) else 0.0)
            if w <= 0:
                continue
            vals = np.array([s[i] for i in cands], dtype=np.float64)
            finite = np.isfinite(vals)
            if finite.any() and vals[finite].max() > vals[finite].min():
                total += w * np.where(finite, (vals - vals[finite].min()) / (vals[finite].max() - vals[finite].min()), 0)
        return cands[int(np.argmax(total))]

    def _highlights(self, si: int, p: Passage, r: Retrieval, q_terms: set[str]) -> tuple[Highlight, ...]:
        sec = self.sections[si]
        off = p.start_char - sec.start_char  # passage offset inside the section text
        cands = [
            gi for gi in self._segments_of.get(si, [])
            if self.data.segments[gi].start >= off and self.data.segments[gi].end <= off + len(p.text)
        ]
        if not cands:
            return ()
        enc = next(iter(r.segment_scores))
        dense = np.array([r.segment_scores[enc][gi] for gi in cands], dtype=np.float64)
        lex = np.zeros(len(cands))
        if q_terms:
            for j, gi in enumerate(cands):
                g = self.data.segments[gi]
                terms = set(tokenize(sec.text[g.start : g.end]))
                lex[j] = len(q_terms & terms) / len(q_terms)
        score = dense + 0.3 * lex
        order = np.argsort(-score)
        best = score[order[0]]
        chosen = [order[0]] + [j for j in order[1:3] if score[j] >= best - 0.05]
        out = []
        for j in sorted(chosen, key=lambda j: self.data.segments[cands[j]].start):
            g = self.data.segments[cands[j]]
            a, b = g.start - off, g.end - off
            out.append(Highlight(text=p.text[a:b], start=a, end=b))
        return tuple(out)


def get_config(name: str) -> RankConfig:
    if name not in CONFIGS:
        raise BadQuestionError(f"unknown ranking configuration {name!r}; use one of {', '.join(CONFIGS)}.")
    return CONFIGS[name]


def _restrict(config: RankConfig, encoders: set[str]) -> RankConfig:
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
    return RankConfig(config.name, weights, config.fusion, config.rrf_k, config.description, config.extra)
