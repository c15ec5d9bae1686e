"""``memqa build``: corpus folder -> parsed sections -> passages -> vectors -> index folder."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .chunking import ChunkSettings, chunk_sections
from .corpus import load_corpus
from .encoders import Encoder
from .freshness import corpus_digest
from .indexdir import check_destination
from .lexical import LexicalIndex
from .segments import clean, segment
from .store import SegmentRef, save_index
from .tokens import count_tokens
from .types import Passage, Section

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def corpus_segments(sections: Sequence[Section]) -> tuple[SegmentRef, ...]:
    """Highlightable spans of every section body (the heading is not a highlight)."""
    out = []
    for s in sections:
        spans = segment(s.text, s.body_start) or segment(s.text, 0)
        out += [SegmentRef(s.id, sp.start, sp.end, sp.kind) for sp in spans]
    return tuple(out)


def _embed(encoder: Encoder, texts: list[str], stage: str, progress: Progress | None, batch: int = 32) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), batch):
        parts.append(encoder.encode(texts[i : i + batch], kind="passage"))
        if progress:
            progress(stage, min(i + batch, len(texts)), len(texts))
    return np.concatenate(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    encoders: Sequence[Encoder],
    settings: ChunkSettings = ChunkSettings(),
    progress: Progress | None = None,
) -> dict:
    """Build the whole index and write it atomically; returns the manifest."""
    t0 = time.perf_counter()
    check_destination(Path(index_dir), Path(corpus_dir))  # before any work: never replace the corpus or a non-index
    files = load_corpus(corpus_dir)
    corpus_files = corpus_digest(Path(corpus_dir))
    from .parsing import parse_report

    reports = [parse_report(f.raw, f.meta) for f in files]
    window = min([settings.max_tokens] + [e.max_tokens for e in encoders])
    eff = ChunkSettings(max_tokens=window, overlap=settings.overlap)

    def count_enc(text: str) -> int:
        return max(e.count_tokens(text) for e in encoders)

    sections: list[Section] = []
    passages: list[Passage] = []
    for r in reports:
        sections += r.sections
        passages += chunk_sections(r.sections, r.text, count_enc, count_tokens, eff)
    segments = corpus_segments(sections)
    by_id = {s.id: s for s in sections}
    seg_texts = [clean(by_id[g.section_id].text[g.start : g.end]) or "." for g in segments]
    p_vecs, s_vecs, enc_info = {}, {}, []
    for e in encoders:
        te = time.perf_counter()
        p_vecs[e.id] = _embed(e, [p.embed_text for p in passages], f"embed passages ({e.id})", progress)
        s_vecs[e.id] = _embed(e, seg_texts, f"embed sentences ({e.id})", progress)
        enc_info.append({"id": e.id, "name": e.name, "dim": e.dim, "max_tokens": e.max_tokens,
                         "embed_seconds": round(time.perf_counter() - te, 2)})
    lexical = LexicalIndex.build([clean(p.text) + "\n" + by_id[p.section_id].title for p in passages])
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encoders": enc_info,
        "corpus": [{"source": f.path.name, "report_id": f.meta.report_id, "sha256": f.sha256} for f in files],
        "corpus_files": corpus_files,  # every .txt/.pdf/.json of the corpus: checked by memqa.freshness
        "reports": [
            {"report_id": r.meta.report_id, "source": r.meta.source, "country": r.meta.country, "year": r.meta.year,
             "round": r.meta.round, "thematic_area": r.meta.thematic_area,
             "document_code": r.meta.document_code, "title": r.meta.title,
             "language": r.meta.language}
            for r in reports
        ],
        "chunking": {**eff.as_dict(), "requested_max_tokens": settings.max_tokens},
        "lexical": {"library": "bm25s", "k1": 1.2, "b": 0.75, "tokenizer": "fold+snowball-english"},
        "counts": {"reports": len(reports), "sections": len(sections), "passages": len(passages),
                   "segments": len(segments), "headings": sum(len(r.headings) for r in reports)},
    }
    save_index(index_dir, manifest, tuple(sections), tuple(passages), segments, p_vecs, s_vecs, lexical)
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    log.info("built %s in %.1fs", index_dir, manifest["build_seconds"])
    return manifest
