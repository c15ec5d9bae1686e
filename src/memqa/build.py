"""``memqa build``: corpus folder -> parsed sections -> passages -> vectors -> index folder.

Incremental: each report's parse and each report's vectors per encoder come from the build cache
(``memqa.cache``) when nothing they depend on changed, so adding, changing or removing one report
re-embeds only that report. The index is still written whole and swapped in atomically.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import vectorindex
from .cache import BuildCache, ReportParts, report_key
from .chunking import ChunkSettings, chunk_sections
from .corpus import CorpusFile, load_corpus
from .encoders import Encoder
from .freshness import corpus_digest
from .indexdir import check_destination
from .lexical import LexicalIndex, language_key, tokenize
from .limits import BM25_B, BM25_K1
from .segments import clean, segment
from .store import SegmentRef, read_manifest, save_index
from .tokens import count_tokens
from .types import Section

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def corpus_segments(sections: Sequence[Section]) -> tuple[SegmentRef, ...]:
    """Highlightable spans of every section body (the heading is not a highlight)."""
    out = []
    for s in sections:
        spans = segment(s.text, s.body_start) or segment(s.text, 0)
        out += [SegmentRef(s.id, sp.start, sp.end, sp.kind) for sp in spans]
    return tuple(out)


def prepare_report(f: CorpusFile, key: str, settings: ChunkSettings, encoders: Sequence[Encoder]) -> ReportParts:
    """Parse, chunk and segment one report, and tokenize its passages for BM25 in the report's language
    (no model call)."""
    from .parsing import parse_report

    r = parse_report(f.raw, f.meta)

    def count_enc(text: str) -> int:
        return max(e.count_tokens(text) for e in encoders)

    passages = chunk_sections(r.sections, r.text, count_enc, count_tokens, settings)
    title = {s.id: s.title for s in r.sections}
    lang = language_key(f.meta.language)
    tokens = tuple(tuple(tokenize(clean(p.text) + "\n" + title[p.section_id], lang) or ["__empty__"])
                   for p in passages)
    return ReportParts(f.meta.report_id, key, r.sections, passages, corpus_segments(r.sections), tokens,
                       len(r.headings))


def _embed(encoder: Encoder, texts: list[str], done: int, total: int, stage: str, progress: Progress | None,
           batch: int = 32) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), batch):
        parts.append(encoder.encode(texts[i : i + batch], kind="passage"))
        if progress:
            progress(stage, done + min(i + batch, len(texts)), total)
    return np.concatenate(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


def page_map(f) -> dict:
    """For a PDF report, the page map citations need (page start offsets into the extracted text and
    the printed labels) and the extractor version that produced the offsets; nothing for a text report."""
    if getattr(f, "pdf", None) is None:
        return {}
    from .pdf import EXTRACTOR

    return {"pages": {"starts": list(f.pdf.page_starts), "labels": list(f.pdf.page_labels)}, "extractor": EXTRACTOR}


ALIGNMENT = "assessment/2"  # bump when memqa.assessment changes its output (2: ", and that" clauses cut)


def cicad_assessments(reports, encoders: Sequence[Encoder], s_vecs: dict, cache, progress: Progress | None = None) -> dict:
    """CICAD's verdict per priority-action heading: each evaluative-summary clause aligned to the
    action(s) it judges (``memqa.assessment``; e5 when built, its sentence vectors reused). Cached per
    report with its vectors, so an unchanged report is not aligned (nor encoded) again."""
    from .assessment import KnownPassages, assessments, assessments_to_json

    enc = next((e for e in encoders if e.id == "e5"), encoders[0])
    out: dict = {}
    offset = 0
    if progress:
        progress("align CICAD's assessments", 0, len(reports))
    for i, r in enumerate(reports):
        texts = r.segment_texts()
        # Keyed by content (as the vectors are), so reports with the same text are aligned once.
        rel = f"assessments/{enc.id}-{ALIGNMENT.replace('/', '')}/{r.vector_key(enc)}.json"
        got = cache.get_json(rel)
        if got is None:
            known = KnownPassages(enc, dict(zip(texts, s_vecs[enc.id][offset : offset + len(texts)])))
            got = json.loads(json.dumps(assessments_to_json(assessments(list(r.sections), known)))
                             .replace(f'"{r.report_id}/', '"{report}/'))
            cache.put_json(rel, got)
        out.update(json.loads(json.dumps(got).replace('"{report}/', f'"{r.report_id}/')))
        offset += len(texts)
        if progress:
            progress("align CICAD's assessments", i + 1, len(reports))
    return out


def _previous_reports(index_dir: Path) -> list[str]:
    try:
        return [r["report_id"] for r in read_manifest(index_dir).get("reports", [])]
    except Exception:  # noqa: BLE001 - no or unreadable previous index: nothing to compare with
        return []


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    encoders: Sequence[Encoder],
    settings: ChunkSettings = ChunkSettings(),
    progress: Progress | None = None,
    faiss: str = "auto",
) -> dict:
    """Build the index and write it atomically; returns the manifest.

    ``faiss`` is the passage index type: ``auto`` (flat, IVF from ``vectorindex.AUTO_IVF_FROM`` passages),
    ``flat`` or ``ivf``.

    ``manifest["build"]`` says, per encoder, which reports were embedded and which reused from the
    cache, which reports were parsed anew and which left the library since the previous index.
    """
    t0 = time.perf_counter()
    vectorindex.choose(faiss, 0)  # an unknown type fails before any work
    index_dir = Path(index_dir)
    check_destination(index_dir, Path(corpus_dir))  # before any work: never replace the corpus or a non-index
    files = load_corpus(corpus_dir)
    corpus_files = corpus_digest(Path(corpus_dir))
    if not encoders:
        raise ValueError("build_index needs at least one encoder")
    window = min([settings.max_tokens] + [e.max_tokens for e in encoders])
    eff = ChunkSettings(max_tokens=window, overlap=settings.overlap)
    before = _previous_reports(index_dir)
    with BuildCache(index_dir) as cache:
        reports: list[ReportParts] = []
        parsed: list[str] = []
        if progress:  # each stage reports once before its first item, so its time counts from the start
            progress("parse", 0, len(files))
        for i, f in enumerate(files):
            key = report_key(f.sha256, f.meta, eff, encoders)
            parts = cache.get_report(key)
            if parts is None:
                parts = prepare_report(f, key, eff, encoders)
                cache.put_report(parts)
                parsed.append(f.meta.report_id)
            reports.append(parts)
            if progress:
                progress("parse", i + 1, len(files))
        p_vecs, s_vecs, enc_info = {}, {}, []
        embedded: dict[str, list[str]] = {}
        reused: dict[str, list[str]] = {}
        for e in encoders:
            te = time.perf_counter()
            found = {}
            for r in reports:
                key = r.vector_key(e)
                found[r.report_id] = (key, cache.get_vectors(e, key, len(r.passages), len(r.segments)))
            todo = [r for r in reports if found[r.report_id][1] is None]
            first: dict[str, ReportParts] = {}
            for r in todo:  # reports with the same texts are embedded once
                first.setdefault(found[r.report_id][0], r)
            distinct = list(first.items())
            total = sum(len(r.passages) + len(r.segments) for _, r in distinct)
            done = 0
            if progress and total:
                progress(f"embed ({e.id})", 0, total)
            vectors = {}
            for key, r in distinct:
                stage = f"embed ({e.id})"
                p = _embed(e, r.passage_texts(), done, total, stage, progress)
                done += len(r.passages)
                s = _embed(e, r.segment_texts(), done, total, stage, progress)
                done += len(r.segments)
                cache.put_vectors(e, key, p, s)
                vectors[key] = (p, s)
            for r in todo:
                found[r.report_id] = (found[r.report_id][0], vectors[found[r.report_id][0]])
            # A report whose texts equal another's takes its vectors: it counts as reused.
            embedded[e.id] = [r.report_id for _, r in distinct]
            reused[e.id] = [r.report_id for r in reports if r.report_id not in embedded[e.id]]
            dim = e.dim
            p_vecs[e.id] = np.concatenate([found[r.report_id][1][0] for r in reports] or [np.zeros((0, dim))])
            s_vecs[e.id] = np.concatenate([found[r.report_id][1][1] for r in reports] or [np.zeros((0, dim))])
            enc_info.append({"id": e.id, "name": e.name, "dim": e.dim, "max_tokens": e.max_tokens,
                             "embed_seconds": round(time.perf_counter() - te, 2)})
        sections = tuple(s for r in reports for s in r.sections)
        passages = tuple(p for r in reports for p in r.passages)
        segments = tuple(g for r in reports for g in r.segments)
        # One BM25 index; each passage holds tokens of its report's language (prepare_report), and the index
        # records that language so a question is tokenised the same way for it.
        doc_langs = [language_key(f.meta.language) for f, r in zip(files, reports) for _ in r.tokens]
        lexical = LexicalIndex.from_tokens([t for r in reports for t in r.tokens], doc_langs)
        ids = [f.meta.report_id for f in files]
        manifest = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "encoders": enc_info,
            "corpus": [{"source": f.path.name, "report_id": f.meta.report_id, "sha256": f.sha256} for f in files],
            "corpus_files": corpus_files,  # every .txt/.pdf/.json of the corpus: checked by memqa.freshness
            "reports": [
                {"report_id": m.report_id, "source": m.source, "country": m.country, "year": m.year,
                 "round": m.round, "thematic_area": m.thematic_area, "document_code": m.document_code,
                 "title": m.title, "language": m.language, **page_map(f)}
                for m, f in ((f.meta, f) for f in files)
            ],
            "chunking": {**eff.as_dict(), "requested_max_tokens": settings.max_tokens},
            "lexical": {"library": "bm25s", "k1": BM25_K1, "b": BM25_B,
                        "tokenizer": "fold+stopwords+snowball in each report's language",
                        "passages_by_language": {lang: doc_langs.count(lang) for lang in lexical.languages}},
            "counts": {"reports": len(reports), "sections": len(sections), "passages": len(passages),
                       "segments": len(segments), "headings": sum(r.headings for r in reports)},
            "build": {"parsed": parsed, "embedded": embedded, "reused": reused,
                      "removed": [r for r in before if r not in ids]},
        }
        verdicts = cicad_assessments(reports, encoders, s_vecs, cache, progress)
        manifest["counts"]["assessed_headings"] = sum(1 for v in verdicts.values() if v["status"] != "none")
        manifest = save_index(index_dir, manifest, sections, passages, segments, p_vecs, s_vecs, lexical,
                              carry=cache.used, assessments=verdicts, faiss_kind=faiss)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    log.info("built %s in %.1fs", index_dir, manifest["build_seconds"])
    return manifest
