"""``memqa eval``: ranking configurations over a gold question set, scored with ranx.

Gold and runs follow the IR convention ``{qid: {unit_id: score}}``. Unanswerable questions
(empty gold) are left out of the ranking metrics and scored for abstention instead.
Results go to ``eval/results/<timestamp>.json`` (with the index manifest), ``.md`` and ``.png``.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .errors import MemqaError
from .limits import EVAL_DEPTH

log = logging.getLogger(__name__)
METRICS = ("hit_rate@1", "hit_rate@5", "recall@5", "mrr@10", "ndcg@10")
SHORT = {"hit_rate@1": "hit@1", "hit_rate@5": "hit@5", "recall@5": "recall@5", "mrr@10": "MRR@10", "ndcg@10": "nDCG@10"}


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    lang: str
    kind: str
    gold: tuple[str, ...]
    answer: str = ""
    answer_units: tuple[str, ...] = ()  # verbatim report text that answers (sentence, list item, row)
    expected: str | None = None  # yes/no questions: "yes" or "no"


def load_gold(path: Path) -> list[GoldQuestion]:
    path = Path(path)
    if not path.exists():
        raise MemqaError(f"gold file {path} not found; pass --gold with a JSONL file of questions.")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(GoldQuestion(d["id"], d["question"], d.get("lang", "en"), d.get("kind", ""),
                                    tuple(d.get("gold", [])), d.get("answer", ""),
                                    tuple(d.get("answer_units", [])), d.get("expected")))
        except (json.JSONDecodeError, KeyError) as e:
            raise MemqaError(f"{path}:{n}: not a gold line ({e}); each line needs id, question, gold.") from e
    if not out:
        raise MemqaError(f"gold file {path} has no questions; put one JSON object per line with id, question, gold.")
    return out


def score_runs(qrels: dict, runs: dict[str, dict], metrics: Sequence[str] = METRICS) -> dict[str, dict]:
    """ranx metrics for each named run, over the queries present in qrels."""
    from ranx import Qrels, Run, evaluate

    if not qrels:
        return {name: {m: float("nan") for m in metrics} for name in runs}
    q = Qrels(qrels)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in runs.items():
            r = Run({qid: (run.get(qid) or {"__none__": 0.0}) for qid in qrels})
            out[name] = {m: float(v) for m, v in evaluate(q, r, list(metrics)).items()}
    return out


def run_eval(assistant, gold: list[GoldQuestion], configs: Sequence[str], depth: int = EVAL_DEPTH) -> dict:
    """Rank every gold question with every configuration (``Assistant.rank``, as ``ask`` does);
    return metrics, abstention and latency."""
    from .assistant import get_config, restrict

    cfgs = {name: restrict(get_config(name), set(assistant.encoders)) for name in configs}
    alias = assistant.resolve_section
    qrels = {}
    for g in gold:
        if g.gold:
            qrels[g.id] = {alias(x).id: 1 for x in g.gold}
    runs: dict[str, dict] = {name: {} for name in cfgs}
    latency: dict[str, list[float]] = defaultdict(list)
    abstain: dict[str, dict[str, bool]] = {name: {} for name in cfgs}
    answered: dict[str, dict[str, bool]] = {name: {} for name in cfgs}
    confidence: dict[str, dict[str, str]] = {name: {} for name in cfgs}
    yes_no: dict[str, dict[str, bool]] = {name: {} for name in cfgs}  # the answer's yes/no is the expected one
    for g in gold:
        spans = gold_spans(assistant, g.answer_units)
        for name, cfg in cfgs.items():
            t0 = time.perf_counter()
            ranking = assistant.rank(g.question, config=cfg, depth=depth)
            latency[name].append(time.perf_counter() - t0)
            order = ranking.order[:depth]
            runs[name][g.id] = {assistant.sections[i].id: float(depth - rank) for rank, i in enumerate(order)}
            abstain[name][g.id] = not ranking.verdict.answerable
            confidence[name][g.id] = ranking.verdict.confidence
            if spans or (g.expected and g.gold):
                direct = assistant.direct_answer(ranking)
            if spans:
                answered[name][g.id] = direct is not None and any(
                    u.start < e and s < u.end for u in direct.units for s, e in spans)
            if g.expected and g.gold:
                yes_no[name][g.id] = direct is not None and direct.polarity == g.expected
    result: dict = {"configs": {}, "n_questions": len(gold), "n_answerable": len(qrels)}
    groups: dict[str, list[str]] = defaultdict(list)
    for g in gold:
        if g.gold:
            groups[f"kind={g.kind}"].append(g.id)
            groups[f"lang={'en' if g.lang == 'en' else 'non-en'}"].append(g.id)
            if g.lang != "en":
                groups[f"lang={g.lang}"].append(g.id)
    overall = score_runs(qrels, runs)
    for name in cfgs:
        unans = [g.id for g in gold if not g.gold]
        ans = [g.id for g in gold if g.gold]
        result["configs"][name] = {
            "description": cfgs[name].description,
            "overall": overall[name],
            "by_group": {},
            "abstention_unanswerable": float(np.mean([abstain[name][q] for q in unans])) if unans else None,
            "false_abstention_answerable": float(np.mean([abstain[name][q] for q in ans])) if ans else None,
            "mean_latency_ms": 1000 * float(np.mean(latency[name])),
            "answer_accuracy": float(np.mean(list(answered[name].values()))) if answered[name] else None,
            "n_answer_units": len(answered[name]),
            "yes_no_accuracy": float(np.mean(list(yes_no[name].values()))) if yes_no[name] else None,
            "n_yes_no": len(yes_no[name]),
            "confidence": confidence_table(gold, confidence[name], runs[name], qrels, answered[name]),
        }
    for group, qids in sorted(groups.items()):
        sub = {q: qrels[q] for q in qids}
        scores = score_runs(sub, {n: {q: runs[n].get(q, {}) for q in qids} for n in cfgs})
        for name in cfgs:
            result["configs"][name]["by_group"][group] = {**scores[name], "n": len(qids)}
    result["runs"] = runs
    result["abstain"] = abstain
    return result


ASSESSMENT_GOLD = Path("eval/assessment_gold.jsonl")


def assessment_scores(assistant, gold_path: Path) -> dict | None:
    """Alignment and status accuracy of the index's stored assessments against a gold clause file
    (every summary clause -> priority action(s) and status); None when the file is absent."""
    from .assessment import assessments_from_json, score_alignment

    if not Path(gold_path).exists():
        return None
    rows = [json.loads(x) for x in Path(gold_path).read_text(encoding="utf-8").splitlines() if x.strip()]
    links = {}
    for a in assessments_from_json(assistant.data.assessments).values():
        for link in a.links:
            links[(link.clause.objective, link.clause.start)] = link
    return score_alignment(links.values(), rows)


def _num(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.2f}"


MARKUP_RE = re.compile(r"\*+|<[^<>\n]{1,80}>")  # the .txt's *emphasis* and stray tags (a PDF shows formatting)


def loose(text: str) -> tuple[str, list[int]]:
    """``text`` without markup and with whitespace runs as one space, and the source offset of each character.

    >>> flat, pos = loose("of *Ley*  de")
    >>> flat, pos
    ('of Ley de', [0, 1, 2, 4, 5, 6, 8, 10, 11])
    """
    out: list[str] = []
    pos: list[int] = []
    marks = [(m.start(), m.end()) for m in MARKUP_RE.finditer(text)]
    k = 0
    i = 0
    while i < len(text):
        if k < len(marks) and i == marks[k][0]:
            i = marks[k][1]
            k += 1
            continue
        ch = text[i]
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                pos.append(i)
        else:
            out.append(ch)
            pos.append(i)
        i += 1
    return "".join(out), pos


def gold_spans(assistant, units: Sequence[str]) -> list[tuple[int, int]]:
    """Source offsets of each gold answer unit (verbatim report text), found in the indexed sections.

    A unit not found verbatim is looked for modulo the .txt's markup and whitespace: the gold units are
    quoted from the .txt, whose ``*emphasis*`` a PDF edition of the same report prints as italics.
    """
    out = []
    for u in units:
        for sec in assistant.sections:
            i = sec.text.find(u)
            if i >= 0:
                out.append((sec.start_char + i, sec.start_char + i + len(u)))
                break
        else:
            want = loose(u)[0].strip()
            for sec in assistant.sections:
                flat, pos = loose(sec.text)
                i = flat.find(want) if want else -1
                if i >= 0:
                    out.append((sec.start_char + pos[i], sec.start_char + pos[i + len(want) - 1] + 1))
                    break
    return out


def confidence_table(gold, labels: dict[str, str], run: dict, qrels: dict,
                     answered: dict[str, bool] | None = None) -> dict:
    """Per confidence label: share of all questions, top-1 precision among answerable ones, and answer
    accuracy among those with labelled answer units (what a user reads is the answer, not only the unit)."""
    answered = answered or {}
    out = {}
    for label in ("high", "medium", "low"):
        qs = [g for g in gold if labels.get(g.id) == label]
        ans = [g for g in qs if g.gold]
        top1 = [bool(run.get(g.id)) and max(run[g.id], key=run[g.id].get) in qrels[g.id] for g in ans]
        out[label] = {"share": len(qs) / len(gold) if gold else 0.0, "n": len(qs),
                      "answerable": len(ans), "unanswerable": len(qs) - len(ans),
                      "top1_precision": float(np.mean(top1)) if top1 else None,
                      "answer_accuracy": (float(np.mean([answered[g.id] for g in ans if g.id in answered]))
                                          if any(g.id in answered for g in ans) else None),
                      "share_of_answerable": len(ans) / max(1, sum(1 for g in gold if g.gold))}
    return out


def markdown_table(result: dict) -> str:
    head = ("| configuration | " + " | ".join(SHORT[m] for m in METRICS)
            + " | abstain (unans.) | false abstain | answer acc. | yes/no acc. | ms/query |")
    lines = [head, "|" + "---|" * (len(METRICS) + 6)]
    for name, r in result["configs"].items():
        o = r["overall"]
        ab, fa = r["abstention_unanswerable"], r["false_abstention_answerable"]
        lines.append(
            f"| {name} | " + " | ".join(f"{o[m]:.3f}" for m in METRICS)
            + f" | {_num(ab)} | {_num(fa)} | {_num(r['answer_accuracy'])} (n={r['n_answer_units']})"
            + f" | {_num(r.get('yes_no_accuracy'))} (n={r.get('n_yes_no', 0)})"
            + f" | {r['mean_latency_ms']:.1f} |"
        )
    lines += ["", "confidence labels (share of questions; share of answerable questions; top-1 precision on "
              "answerable; answer accuracy on those with labelled answer units; unanswerable ones given the label):",
              "", "| configuration | label | share | of answerable | top-1 precision | answer acc. | unanswerable |",
              "|---|---|---|---|---|---|---|"]
    for name, r in result["configs"].items():
        for label, c in r["confidence"].items():
            lines.append(f"| {name} | {label} | {c['share']:.2f} | {c['share_of_answerable']:.2f} | "
                         f"{_num(c['top1_precision'])} | {_num(c.get('answer_accuracy'))} | {c['unanswerable']} |")
    groups = sorted({g for r in result["configs"].values() for g in r["by_group"]})
    lines += ["", "hit@1 / MRR@10 by group:", "", "| group | n | " + " | ".join(result["configs"]) + " |",
              "|---|---|" + "---|" * len(result["configs"])]
    for g in groups:
        n = next(iter(result["configs"].values()))["by_group"][g]["n"]
        cells = [f"{r['by_group'][g]['hit_rate@1']:.2f} / {r['by_group'][g]['mrr@10']:.2f}" for r in result["configs"].values()]
        lines.append(f"| {g} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["configs"])
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(names)), 4.2))
    width = 0.8 / len(METRICS)
    for i, m in enumerate(METRICS):
        ax.bar(x + i * width - 0.4 + width / 2, [result["configs"][n]["overall"][m] for n in names], width, label=SHORT[m])
    ax.set_xticks(x, names, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"memqa retrieval quality ({result['n_answerable']} answerable gold questions)")
    ax.legend(ncol=5, fontsize=8, loc="lower center")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    tmp = path.with_suffix(".png.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    tmp.replace(path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(args) -> int:
    from .assistant import Assistant
    from .configs import CONFIGS

    if args.list:
        for name, c in CONFIGS.items():
            print(f"{name:<16} {c.description}")
        return 0
    names = [c.strip() for c in args.configs.split(",")] if args.configs else list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise MemqaError(f"unknown configuration(s) {', '.join(unknown)}; see `memqa eval --list`.")
    gold = load_gold(Path(args.gold))  # a bad gold file fails before the models load
    from .store import read_manifest

    built = {e["id"] for e in read_manifest(Path(args.index))["encoders"]}
    lacking = {n: sorted(CONFIGS[n].encoders() - built) for n in names if CONFIGS[n].encoders() - built}
    if lacking:
        need = sorted({e for es in lacking.values() for e in es})
        fix = f"rebuild it with `memqa build --encoders {','.join(sorted(built | set(need)))}` to compare them"
        if args.configs:  # asked for by name: an error, not a silently different configuration
            raise MemqaError(f"the index has no {', '.join(need)} vectors, which {', '.join(lacking)} need; {fix}.")
        print(f"memqa: skipping {', '.join(lacking)}: the index has no {', '.join(need)} vectors ({fix}).",
              file=sys.stderr)
        names = [n for n in names if n not in lacking]
    assistant = Assistant.load(args.index, corpus_dir=args.corpus, load_all=True)
    result = run_eval(assistant, gold, names)
    result["skipped"] = {n: f"index lacks {', '.join(e)}" for n, e in lacking.items()}
    result["gold_file"] = str(args.gold)
    result["manifest"] = {k: v for k, v in assistant.data.manifest.items() if k != "files"}
    table = markdown_table(result)
    alignment = assessment_scores(assistant, ASSESSMENT_GOLD)
    if alignment is not None:
        result["assessment"] = alignment
        table += ("\n\nCICAD's assessments vs " + str(ASSESSMENT_GOLD) + f": alignment accuracy "
                  f"{alignment['alignment_accuracy']:.3f}, status accuracy {alignment['status_accuracy']:.3f} "
                  f"({alignment['clauses']} summary clauses)")
    print(table)
    if not args.no_save:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        _atomic_write(out / f"{stamp}.json", json.dumps(result, indent=1, ensure_ascii=False))
        _atomic_write(out / f"{stamp}.md", table + "\n")
        chart(result, out / f"{stamp}.png")
        print(f"\nwrote {out}/{stamp}.json, .md, .png")
    return 0
