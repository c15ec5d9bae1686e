"""Command line: thin wrappers over the library. Heavy imports happen inside each command.

Exit codes: 0 ok, 2 a MemqaError (message on stderr says how to fix it), 1 unexpected failure.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .errors import MemqaError
from .limits import K_DEFAULT, K_MAX

DEFAULT_INDEX = os.environ.get("MEMQA_INDEX") or "index"  # an empty variable is unset, not "."
DEFAULT_CORPUS = os.environ.get("MEMQA_CORPUS") or "corpus"
DEFAULT_ENCODERS = "minilm,e5"


def _progress():
    from tqdm import tqdm

    bars: dict = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="text", file=sys.stderr, leave=True)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def cmd_sections(args) -> int:
    from .toc import table_of_contents

    rows = table_of_contents(Path(args.corpus), args.encoders.split(","))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        where = f"lines {r['start_line']}–{r['end_line']}"
        label = r["label"] if r["kind"] != "priority_action" else f"Priority Action {r['priority_action']}"
        shared = f"  [shares its body with {', '.join(r['shared_with'])}]" if r.get("shared_with") else ""
        print(f"{label:<34} {where:<16} {r['passages']:>2} passage(s) {r['tokens']:>5} tokens  {r['title'][:70]}{shared}")
    units = {r["unit"] for r in rows}
    n_pa = sum(1 for r in rows if r["kind"] == "priority_action")
    print(f"\n{len(rows)} entries: {n_pa} priority-action headings, {len(units)} citable units.", file=sys.stderr)
    return 0


def cmd_build(args) -> int:
    from .build import build_index
    from .chunking import ChunkSettings
    from .encoders import load_encoder

    encoders = [load_encoder(e.strip()) for e in args.encoders.split(",") if e.strip()]
    m = build_index(Path(args.corpus), Path(args.index), encoders,
                    ChunkSettings(max_tokens=args.max_tokens, overlap=args.overlap), progress=_progress())
    c = m["counts"]
    print(f"built {args.index}: {c['reports']} report(s), {c['sections']} citable units, {c['passages']} passages, "
          f"{c['segments']} sentences, encoders {', '.join(e['id'] for e in m['encoders'])} "
          f"in {m['build_seconds']:.1f}s")
    return 0


def checked_corpus(args) -> Path | None:
    """The corpus folder after the freshness check of every file (None: no corpus to check, warned)."""
    from .freshness import check_entry

    return check_entry(args.index, args.corpus, args.corpus_explicit)


def load_assistant(args):
    from .assistant import Assistant

    args.corpus = checked_corpus(args)

    return Assistant.load(args.index, corpus_dir=args.corpus, config=getattr(args, "config", None) or "hybrid")


def cmd_ask(args) -> int:
    from .render import answer_json, answer_text
    from .safety import check_filters_match, check_question_tokens

    assistant = load_assistant(args)
    question = " ".join(args.question)
    check_filters_match(assistant, args.objective, args.kind, args.report)
    check_question_tokens(assistant.encoders, assistant.check_question(question))
    a = assistant.ask(question, k=args.k, objective=args.objective, kind=args.kind, report=args.report)
    if args.json:
        print(json.dumps(answer_json(a), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(answer_text(a, color=sys.stdout.isatty()))
    return 0


def cmd_serve(args) -> int:
    from .api.app import serve

    serve(host=args.host, port=args.port, index_dir=args.index, corpus_dir=checked_corpus(args),
          allow_hosts=args.allow_host)
    return 0


def cmd_mcp(args) -> int:
    from .mcp_server import run

    run(index_dir=args.index, corpus_dir=checked_corpus(args), http=args.http, host=args.host, port=args.port)
    return 0


def cmd_eval(args) -> int:
    from .evaluate import main as eval_main

    if not args.list:
        args.corpus = checked_corpus(args)
    return eval_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="memqa", description="Cited answers from CICAD MEM drug-policy evaluation reports.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, index=True):
        sp.add_argument("--corpus", default=None, help="corpus folder (default: corpus, env MEMQA_CORPUS)")
        if index:
            sp.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index, env MEMQA_INDEX)")

    s = sub.add_parser("sections", help="print the table of contents as parsed (check the parse)")
    common(s, index=False)
    s.add_argument("--encoders", default=DEFAULT_ENCODERS, help="tokenizers used to count passages")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.set_defaults(func=cmd_sections)

    b = sub.add_parser("build", help="parse corpus/, embed passages and write index/ atomically")
    common(b)
    b.add_argument("--encoders", default=DEFAULT_ENCODERS,
                   help="comma-separated: minilm, e5, or a local sentence-transformers folder (default: minilm,e5)")
    b.add_argument("--max-tokens", type=int, default=256, help="passage window in encoder tokens, capped by each encoder's limit (default 256)")
    b.add_argument("--overlap", type=int, default=1, help="sentences shared by neighbouring windows (default 1)")
    b.set_defaults(func=cmd_build)

    a = sub.add_parser("ask", help="ask a question; prints cited passages")
    common(a)
    a.add_argument("question", nargs="+")
    a.add_argument("-k", type=int, default=K_DEFAULT, help=f"number of cited units (1-{K_MAX}, default {K_DEFAULT})")
    a.add_argument("--objective", type=int, help="only this objective (1-12)")
    a.add_argument("--kind", choices=["priority_action", "evaluative_summary", "preface"])
    a.add_argument("--report", help="only this report id, e.g. mexico-2022")
    a.add_argument("--config", help="ranking configuration (see `memqa eval --list`)")
    a.add_argument("--json", action="store_true", help="print the JSON shape shared with HTTP and MCP")
    a.set_defaults(func=cmd_ask)

    v = sub.add_parser("serve", help="run the HTTP service (FastAPI + web page)")
    common(v)
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests for this Host name (repeatable; '*' = any; env MEMQA_ALLOWED_HOSTS); "
                        "loopback names and --host are always allowed")
    v.set_defaults(func=cmd_serve)

    m = sub.add_parser("mcp", help="run the MCP server (stdio by default)")
    common(m)
    m.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    m.add_argument("--host", default="127.0.0.1")
    m.add_argument("--port", type=int, default=8001)
    m.set_defaults(func=cmd_mcp)

    e = sub.add_parser("eval", help="evaluate ranking configurations on the gold set")
    common(e)
    e.add_argument("--gold", default="eval/gold.jsonl")
    e.add_argument("--configs", default=None, help="comma-separated configuration names (default: all)")
    e.add_argument("--out", default="eval/results", help="folder for JSON, markdown and PNG results")
    e.add_argument("--list", action="store_true", help="list the configurations and exit")
    e.add_argument("--no-save", action="store_true", help="print only")
    e.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A corpus named by the user must exist; a missing default ./corpus is only warned about (freshness).
    args.corpus_explicit = args.corpus is not None or bool(os.environ.get("MEMQA_CORPUS"))
    args.corpus = args.corpus if args.corpus is not None else DEFAULT_CORPUS
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return int(args.func(args) or 0)
    except MemqaError as e:
        print(f"memqa: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
