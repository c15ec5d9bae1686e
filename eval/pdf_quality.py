"""Retrieval quality of the bundled report read from a PDF against the same report read from its .txt.

Issue 16's goal: "retrieval quality on the gold set within 0.01 of the .txt build". The script renders
corpus/mem-2022-mexico.txt to a MEM-style PDF (tests/pdf_maker.py: cover, running header, page numbers,
justified paragraphs over page breaks, soft hyphens, lists, ruled tables), puts it alone in a corpus folder
(with the report's .json beside it, so the metadata and report id are the .txt's), builds one index from
that folder and one from a folder holding only the .txt and its .json — same encoders as `memqa build`
(e5), same chunking — and runs each gold file through both with memqa's own evaluation (``run_eval``, as
`memqa eval` does). It prints hit@1, hit@5, MRR@10 and answer accuracy for both and the difference, and
explains a difference: units whose text differs, passages split differently, questions ranked differently.

Answer accuracy needs each gold answer unit's place in the report: the units are quoted from the .txt, and
21 of them (of 515) hold the .txt's ``*emphasis*`` markup, which the PDF prints as italics — so
``memqa.evaluate.gold_spans`` looks for a unit modulo that markup and whitespace when it is not found
verbatim (it always is in the .txt build, whose numbers that leaves unchanged).

Run: ``PYTHONPATH=src:. python eval/pdf_quality.py [--gold eval/gold.jsonl --gold eval/heldout2.jsonl]
[--configs hybrid] [--work /tmp/pdf-quality]``; results go to eval/results/pdf_quality-<timestamp>.json.
The two builds take about a minute each on the 2-core machine (e5 embeddings); with ``--work`` a second
run reuses the build caches.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from memqa.assistant import Assistant  # noqa: E402
from memqa.build import build_index  # noqa: E402
from memqa.cli import DEFAULT_ENCODERS  # noqa: E402
from memqa.cover import cover_metadata  # noqa: E402
from memqa.encoders import load_encoder  # noqa: E402
from memqa.evaluate import load_gold, run_eval  # noqa: E402
from memqa.pdf import extract_pdf  # noqa: E402

REPORT = ROOT / "corpus" / "mem-2022-mexico.txt"
HEADER = "Evaluation Report on Drug Policies 2022"
GOLD = [ROOT / "eval" / "gold.jsonl", ROOT / "eval" / "heldout2.jsonl"]
METRICS = {"hit@1": "hit_rate@1", "hit@5": "hit_rate@5", "MRR@10": "mrr@10"}
GOAL = 0.01


def norm(text: str) -> str:
    """A unit's text modulo whitespace and the .txt's markup that a PDF shows as formatting."""
    text = re.sub(r"<[^>]*>", "", text).replace("*", "").replace("•", "-")
    return re.sub(r"\s+", " ", text).strip()


def make_corpora(work: Path) -> tuple[Path, Path, dict]:
    """``work/txt`` (the .txt and its .json) and ``work/pdf`` (the rendered PDF and the same .json)."""
    from pdf_maker import make_report_pdf

    txt, pdf = work / "txt", work / "pdf"
    for d in (txt, pdf):
        d.mkdir(parents=True, exist_ok=True)
    meta = REPORT.with_suffix(".json")
    for src in (REPORT, meta):
        if not (txt / src.name).is_file() or (txt / src.name).read_bytes() != src.read_bytes():
            shutil.copyfile(src, txt / src.name)
    target = pdf / "mexico-2022.pdf"
    t0 = time.perf_counter()
    scratch = pdf.parent / ".render.pdf"
    make_report_pdf(REPORT.read_text(encoding="utf-8"), scratch, country="Mexico", header=HEADER)
    # reportlab stamps the creation time: keep the previous bytes when nothing else changed (cache reuse)
    if not target.is_file() or _strip_dates(target.read_bytes()) != _strip_dates(scratch.read_bytes()):
        scratch.replace(target)
    else:
        scratch.unlink()
    shutil.copyfile(meta, pdf / "mexico-2022.json")
    doc = extract_pdf(target)
    cover = cover_metadata(doc.text)
    own = json.loads(meta.read_text(encoding="utf-8"))
    info = {"render_seconds": round(time.perf_counter() - t0, 2), "pages": len(doc.page_starts),
            "pdf_bytes": target.stat().st_size,
            "cover_metadata": cover,
            "cover_agrees_with_json": {k: cover.get(k) == own.get(k) for k in ("report_id", "country", "year",
                                                                               "round", "document_code")}}
    return txt, pdf, info


def _strip_dates(data: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)|/ID \[[^\]]*\]", b"", data)


def compare_units(a: Assistant, b: Assistant) -> dict:
    """How the PDF's units and passages differ from the .txt's."""
    ta = {s.id: s for s in a.sections}
    tb = {s.id: s for s in b.sections}
    text_differs = sorted(u for u in ta if u in tb and norm(ta[u].text) != norm(tb[u].text))
    pa = {}
    for p in a.passages:
        pa.setdefault(p.section_id, []).append(norm(p.text))
    pb = {}
    for p in b.passages:
        pb.setdefault(p.section_id, []).append(norm(p.text))
    split_differs = sorted(u for u in pa if u in pb and len(pa[u]) != len(pb[u]))
    window_differs = sorted(u for u in pa if u in pb and len(pa[u]) == len(pb[u]) and pa[u] != pb[u])
    return {"units": [len(ta), len(tb)], "passages": [len(a.passages), len(b.passages)],
            "segments": [len(a.data.segments), len(b.data.segments)],
            "only_txt": sorted(set(ta) - set(tb)), "only_pdf": sorted(set(tb) - set(ta)),
            "unit_text_differs": text_differs, "passage_count_differs": split_differs,
            "passage_text_differs": window_differs}


def summary(cfg: dict) -> dict:
    o = cfg["overall"]
    out = {k: o[m] for k, m in METRICS.items()}
    out["answer_accuracy"] = cfg["answer_accuracy"]
    out["n_answer_units"] = cfg["n_answer_units"]
    out["abstain_unanswerable"] = cfg["abstention_unanswerable"]
    out["false_abstain"] = cfg["false_abstention_answerable"]
    out["by_language"] = {g.split("=", 1)[1]: {k: v[m] for k, m in METRICS.items()} | {"n": v["n"]}
                          for g, v in cfg["by_group"].items() if g.startswith("lang=")}
    return out


def changed_questions(res_txt: dict, res_pdf: dict, config: str, gold) -> list[dict]:
    """Questions whose top unit or gold rank changed between the builds."""
    out = []
    qrels = {g.id: set(g.gold) for g in gold if g.gold}
    for g in gold:
        ra, rb = res_txt["runs"][config].get(g.id, {}), res_pdf["runs"][config].get(g.id, {})
        oa, ob = sorted(ra, key=ra.get, reverse=True), sorted(rb, key=rb.get, reverse=True)

        def rank(order, gid=g.id):
            return next((i + 1 for i, u in enumerate(order) if u in qrels.get(gid, ())), None)

        if oa[:1] != ob[:1] or rank(oa) != rank(ob):
            out.append({"id": g.id, "question": g.question, "lang": g.lang, "gold": sorted(qrels.get(g.id, ())),
                        "txt_top": oa[:3], "pdf_top": ob[:3], "txt_gold_rank": rank(oa), "pdf_gold_rank": rank(ob)})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", action="append", type=Path, help="gold JSONL (repeatable; default gold + heldout2)")
    ap.add_argument("--configs", default="hybrid", help="ranking configurations (default: hybrid, the default)")
    ap.add_argument("--encoders", default=DEFAULT_ENCODERS, help=f"as memqa build (default {DEFAULT_ENCODERS})")
    ap.add_argument("--work", type=Path, help="folder for the corpora and indexes (default: a temporary one)")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    golds = args.gold or GOLD
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory(prefix="pdf-quality-")
        work = Path(tmp.name)
    else:
        work = args.work.resolve()
        work.mkdir(parents=True, exist_ok=True)
    try:
        txt_dir, pdf_dir, info = make_corpora(work)
        print(f"rendered {info['pages']} pages in {info['render_seconds']} s; cover gives report_id "
              f"{info['cover_metadata'].get('report_id')!r} (agrees with the .json: {info['cover_agrees_with_json']})")
        encoders = [load_encoder(e.strip()) for e in args.encoders.split(",") if e.strip()]
        builds = {}
        for name, corpus in (("txt", txt_dir), ("pdf", pdf_dir)):
            t0 = time.perf_counter()
            m = build_index(corpus, work / f"index-{name}", encoders)
            builds[name] = {"seconds": round(time.perf_counter() - t0, 1), "counts": m["counts"],
                            "embedded": m["build"]["embedded"]}
            print(f"built {name}: {m['counts']['sections']} units, {m['counts']['passages']} passages, "
                  f"{m['counts']['segments']} sentences in {builds[name]['seconds']} s")
        by_id = {e.id: e for e in encoders}
        assistants = {name: Assistant.load(work / f"index-{name}", encoders=by_id, corpus_dir=corpus)
                      for name, corpus in (("txt", txt_dir), ("pdf", pdf_dir))}
        diff = compare_units(assistants["txt"], assistants["pdf"])
        print(f"units txt/pdf {diff['units']}, passages {diff['passages']}, sentences {diff['segments']}; "
              f"unit text differs: {diff['unit_text_differs'] or 'none'}; passage splits differ: "
              f"{diff['passage_count_differs'] or 'none'}; window text differs: {diff['passage_text_differs'] or 'none'}")
        result = {"report": REPORT.name, "encoders": [e.id for e in encoders], "configs": configs, "pdf": info,
                  "builds": builds, "differences": diff, "gold": {}}
        worst = 0.0
        for path in golds:
            gold = load_gold(path)
            res = {name: run_eval(a, gold, configs) for name, a in assistants.items()}
            result["gold"][path.name] = {}
            for config in configs:
                s = {name: summary(res[name]["configs"][config]) for name in res}
                delta = {k: s["pdf"][k] - s["txt"][k] for k in (*METRICS, "answer_accuracy")
                         if s["pdf"][k] is not None and s["txt"][k] is not None}
                worst = max([worst, *(abs(v) for v in delta.values())])
                changed = changed_questions(res["txt"], res["pdf"], config, gold)
                result["gold"][path.name][config] = {"txt": s["txt"], "pdf": s["pdf"], "pdf_minus_txt": delta,
                                                     "changed_questions": changed}
                print(f"\n{path.name} ({len(gold)} questions, {res['txt']['n_answerable']} answerable), {config}:")
                print(f"{'':<6}" + "".join(f"{k:>18}" for k in (*METRICS, "answer_accuracy")))
                for name in ("txt", "pdf"):
                    print(f"{name:<6}" + "".join(f"{s[name][k]:>18.3f}" for k in (*METRICS, "answer_accuracy")))
                print(f"{'diff':<6}" + "".join(f"{delta[k]:>+18.3f}" for k in (*METRICS, "answer_accuracy")))
                for q in changed:
                    print(f"  changed {q['id']} ({q['lang']}): gold rank {q['txt_gold_rank']} -> {q['pdf_gold_rank']}, "
                          f"top {q['txt_top'][:1]} -> {q['pdf_top'][:1]}")
        result["max_abs_difference"] = round(worst, 4)
        result["within_goal"] = worst <= GOAL
        print(f"\nlargest |pdf - txt| over the metrics: {worst:.3f} (goal <= {GOAL}): "
              f"{'met' if worst <= GOAL else 'NOT met'}")
        if not args.no_save:
            out = ROOT / "eval" / "results" / f"pdf_quality-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
            out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"saved {out.relative_to(ROOT)}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
