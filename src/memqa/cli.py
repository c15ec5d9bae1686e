"""Command line: thin wrappers over the library. Heavy imports happen inside each command.

Exit codes: 0 ok, 2 a MemqaError (message on stderr says how to fix it), 1 unexpected failure.
Paths: ``--index`` / ``--corpus`` (env ``MEMQA_INDEX`` / ``MEMQA_CORPUS``), else inside the project
folder found by ``memqa.paths`` (``--home``, env ``MEMQA_HOME``, the source checkout, the current
directory); every path is made absolute so an error names the folder it looked at.
Text output is wrapped to the terminal width (100 columns when not a terminal); progress bars are
drawn only on a terminal, a log gets a few plain lines instead.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from . import __version__
from .errors import CorpusError, IndexMissingError, MemqaError
from .limits import K_DEFAULT, K_MAX
from .paths import find_home, resolve

# The encoders the default ranking configuration uses (memqa.configs.DEFAULT_CONFIG; a test keeps them
# equal). `memqa eval` comparisons that need MiniLM want `--encoders e5,minilm`.
DEFAULT_ENCODERS = "e5"
DEFAULT_WIDTH = 100


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` overrides; 100 when output is not a terminal)."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


REPORT_STAGES = ("parse", "align CICAD's assessments")  # build stages counted in reports, the others in texts


def _progress():
    """Progress bars on a terminal; on a log (CI, systemd, a pipe) one line as each stage starts and ends."""
    if not sys.stderr.isatty():
        started: dict[str, float] = {}
        said: set[str] = set()

        def log_line(stage: str, done: int, total: int) -> None:
            started.setdefault(stage, time.monotonic())  # a stage is timed from its first report (done=0) ...
            if done == 0 and total:
                return
            if stage not in said:  # ... and named with its first progress, so an error is the only line
                said.add(stage)
                unit = "reports" if stage in REPORT_STAGES else "texts"
                print(f"memqa: {stage}: {total} {unit}", file=sys.stderr, flush=True)
            if done >= total:
                print(f"memqa: {stage}: done in {time.monotonic() - started[stage]:.1f}s", file=sys.stderr, flush=True)

        return log_line

    from tqdm import tqdm

    bars: dict = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="report" if stage in REPORT_STAGES else "text",
                                     file=sys.stderr, leave=True)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def check_port(host: str, port: int) -> None:
    """Fail fast, before any model is loaded, when the server could not listen on ``host:port``."""
    if not 1 <= port <= 65535:
        raise MemqaError(f"--port {port} is not a TCP port; use a number from 1 to 65535, e.g. --port 8000.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as e:
        raise MemqaError(f"cannot listen on host {host!r} ({e.strerror or e}); use an address of this machine, "
                         "e.g. --host 127.0.0.1.") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            s.bind(address)
        except OSError as e:
            reason = "is already in use" if e.errno in (98, 48, 10048) else f"cannot be used ({e.strerror or e})"
            raise MemqaError(f"port {port} on {host} {reason}; stop the program using it or choose another "
                             f"port, e.g. --port {8001 if port == 8000 else 8000}.") from None


def cmd_sections(args) -> int:
    from .toc import table_of_contents
    from .tools import shorten

    rows = table_of_contents(Path(args.corpus), args.encoders.split(","))
    if args.report:
        known = list(dict.fromkeys(r["report"] for r in rows))
        if args.report not in known:
            print(f"memqa: report {args.report!r} is not in {args.corpus}; use one of {', '.join(known)}.",
                  file=sys.stderr)
            return 2
        rows = [r for r in rows if r["report"] == args.report]
    several = len({r["report"] for r in rows}) > 1
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = terminal_width() if sys.stdout.isatty() else 10**6  # into a pipe or file: whole titles
    report = None
    for r in rows:
        if several and r["report"] != report:  # a library: each report's units under its own header
            report = r["report"]
            print(f"{'' if report == rows[0]['report'] else chr(10)}== {report} ({r['source']})")
        where = f"lines {r['start_line']}–{r['end_line']}"
        label = r["label"] if r["kind"] != "priority_action" else f"Priority Action {r['priority_action']}"
        shared = f"  [shares its body with {', '.join(r['shared_with'])}]" if r.get("shared_with") else ""
        head = f"{label:<34} {where:<16} {r['passages']:>2} passage(s) {r['tokens']:>5} tokens  "
        room = max(12, width - len(head) - len(shared))
        title = r["title"] if len(r["title"]) <= room else shorten(r["title"][: room - 1], 999).rstrip("…") + "…"
        print(f"{head}{title}{shared}")
    units = {r["unit"] for r in rows}
    n_pa = sum(1 for r in rows if r["kind"] == "priority_action")
    print(f"\n{len(rows)} entries: {n_pa} priority-action headings, {len(units)} citable units.", file=sys.stderr)
    return 0


def cmd_build(args) -> int:
    from .build import build_index
    from .chunking import ChunkSettings
    from .encoders import load_encoder

    # A terminated build (SIGTERM) unwinds like Ctrl-C: temp folders removed, finished reports kept in the cache.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    encoders = [load_encoder(e.strip()) for e in args.encoders.split(",") if e.strip()]
    m = build_index(Path(args.corpus), Path(args.index), encoders,
                    ChunkSettings(max_tokens=args.max_tokens, overlap=args.overlap), progress=_progress(),
                    faiss=args.faiss)
    print_build(args, m)
    return 0


def previous_build(index: Path) -> tuple[str | None, dict]:
    """The encoders (comma-separated) and build settings (chunking, the FAISS type asked for) of the index at
    ``index``, if it is readable."""
    from .store import read_manifest

    try:
        m = read_manifest(index)
    except MemqaError:
        return None, {}
    chunking = m.get("chunking", {})
    kinds = {f.get("requested") for f in m.get("faiss", {}).values()} - {None}
    return (",".join(e["id"] for e in m["encoders"]),
            {"max_tokens": chunking.get("requested_max_tokens", chunking.get("max_tokens")),
             "overlap": chunking.get("overlap"), "faiss": kinds.pop() if len(kinds) == 1 else "auto"})


def cmd_add(args) -> int:
    from .add import apply_add, plan_add
    from .chunking import ChunkSettings
    from .encoders import load_encoder

    # Everything about the file and the corpus is checked before a model loads or a file is copied.
    plan = plan_add(args.path, Path(args.corpus), Path(args.index), report_id=args.id, force=args.force)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # unwinds: the copy is undone
    # The same build as the index's last one: its encoders and chunk settings, unless given.
    built_encoders, built_chunking = previous_build(Path(args.index))
    names = args.encoders or built_encoders or DEFAULT_ENCODERS
    settings = ChunkSettings(max_tokens=args.max_tokens or built_chunking.get("max_tokens") or 256,
                             overlap=args.overlap if args.overlap is not None else built_chunking.get("overlap", 1))
    encoders = [load_encoder(e.strip()) for e in names.split(",") if e.strip()]
    added = apply_add(plan, Path(args.index), encoders, settings, progress=_progress(),
                      faiss=built_chunking.get("faiss", "auto"))
    if added.already:
        print(f"{plan.report_id} is already in the corpus as {added.already}; nothing copied")
    else:
        extra = f", replacing {', '.join(added.removed)}" if added.removed else ""
        print(f"added {plan.report_id}: {plan.source} -> {Path(args.corpus) / added.written[-1]}"
              + (f" (+ {added.written[0]})" if len(added.written) > 1 else "") + extra)
    print_build(args, added.manifest)
    return 0


def print_build(args, m: dict) -> None:
    c = m["counts"]
    print(f"built {args.index}: {c['reports']} report(s), {c['sections']} citable units, {c['passages']} passages, "
          f"{c['segments']} sentences, encoders {', '.join(e['id'] for e in m['encoders'])} "
          f"in {m['build_seconds']:.1f}s")
    for line in build_summary(m):
        print("  " + line)


def _names(ids: list[str], most: int = 8) -> str:
    return ", ".join(ids[:most]) + (f" and {len(ids) - most} more" if len(ids) > most else "")


def build_summary(manifest: dict) -> list[str]:
    """What a build reused from the cache and what it computed, one line each."""
    b, lines = manifest.get("build", {}), []
    for e in manifest["encoders"]:
        reused, embedded = b.get("reused", {}).get(e["id"], []), b.get("embedded", {}).get(e["id"], [])
        if reused:
            lines.append(f"reused {e['id']} vectors of {len(reused)} report(s): {_names(reused)}")
        if embedded:
            lines.append(f"embedded {len(embedded)} report(s) with {e['id']} in {e['embed_seconds']:.1f}s: "
                         f"{_names(embedded)}")
    if b.get("removed"):
        lines.append(f"removed {len(b['removed'])} report(s) no longer in the corpus: {_names(b['removed'])}")
    for enc, f in manifest.get("faiss", {}).items():
        if f.get("type") == "ivf":
            lines.append(f"{enc} passages: IVF index, {f['nlist']} lists, nprobe {f['nprobe']} "
                         f"(recall@100 {f['recall_at_100']:.3f} against exact search)")
        else:
            lines.append(f"{enc} passages: exact (flat) index of {f.get('vectors', 0)} vectors")
    return lines


def checked_corpus(args) -> Path | None:
    """The corpus folder after the freshness check of every file (None: no corpus to check, warned)."""
    from .freshness import check_entry

    return check_entry(args.index, args.corpus, args.corpus_explicit)


def load_assistant(args):
    from .assistant import Assistant

    args.corpus = checked_corpus(args)

    return Assistant.load(args.index, corpus_dir=args.corpus, config=getattr(args, "config", None) or "hybrid")


def cmd_ask(args) -> int:
    from .contract import check_args, search_args_model
    from .render import answer_json, answer_text
    from .safety import check_filters_match, check_question_tokens

    assistant = load_assistant(args)
    # The same argument contract as HTTP, MCP and function calling: same ranges, same messages.
    given = {"question": " ".join(args.question), "k": args.k, "objective": args.objective, "kind": args.kind,
             "report": args.report, "country": args.country, "year": args.year, "round": args.round,
             "thematic_area": args.thematic_area, "language": args.language}
    q = check_args(search_args_model(list(assistant.objectives), list(assistant.reports),
                                     library=assistant.library.values),
                   {k: v for k, v in given.items() if v is not None})
    check_filters_match(assistant, q.objective, q.kind, q.report)
    check_question_tokens(assistant.encoders, assistant.check_question(q.question))
    a = assistant.ask(q.question, k=q.k, **q.filters())
    if args.json:
        print(json.dumps(answer_json(a), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(answer_text(a, color=sys.stdout.isatty(), width=terminal_width()))
    return 0


def cmd_scorecard(args) -> int:
    from .render import scorecard_text, to_json

    rows = load_assistant(args).scorecard(args.report)
    if args.json:
        print(json.dumps(to_json(rows), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(scorecard_text(rows, width=terminal_width()))
    return 0


def cmd_reports(args) -> int:
    from .library import Library
    from .render import to_json
    from .store import load_index

    data = load_index(Path(args.index), verify=False)
    rows = Library(data.manifest, data.sections, data.passages).entries
    if args.json:
        print(json.dumps(to_json(list(rows)), ensure_ascii=False, indent=2))
        return 0
    print(f"{'report':<28} {'country':<22} {'year':>4}  {'round':<26} {'lang':<4} {'units':>5} {'PAs':>4} {'passages':>8}"
          f"  document")
    for r in rows:
        print(f"{r.report_id:<28} {r.country[:22]:<22} {r.year or '':>4}  {r.round[:26]:<26} {r.language:<4} "
              f"{r.sections:>5} {r.priority_actions:>4} {r.passages:>8}  {r.document_code or ''}")
    areas = sorted({r.thematic_area for r in rows if r.thematic_area})
    print(f"\n{len(rows)} report(s); thematic area(s): " + "; ".join(areas), file=sys.stderr)
    return 0


def cmd_compare(args) -> int:
    from .render import comparison_text, to_json

    reports = [r.strip() for r in args.reports.split(",") if r.strip()] if args.reports else None
    question = " ".join(args.question) if args.question else None
    assistant = load_assistant(args)
    c = assistant.compare(args.priority_action, reports=reports, question=question)
    if args.json:
        print(json.dumps(to_json(c), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(comparison_text(c, color=sys.stdout.isatty()))
    return 0


def cmd_serve(args) -> int:
    check_port(args.host, args.port)  # before loading the models: a busy port is a one-line error
    from .api.app import serve

    serve(host=args.host, port=args.port, index_dir=args.index, corpus_dir=checked_corpus(args),
          root_path=args.root_path, allow_hosts=args.allow_host)
    return 0


def cmd_mcp(args) -> int:
    if args.http:
        check_port(args.host, args.port)
    from .mcp_server import run

    run(index_dir=args.index, corpus_dir=checked_corpus(args), http=args.http, host=args.host, port=args.port)
    return 0


def cmd_eval(args) -> int:
    if not args.list and not Path(args.gold).is_file():  # before loading the models
        raise MemqaError(f"gold file {args.gold} not found; pass --gold with a JSONL file of questions "
                         "(the project's is eval/gold.jsonl).")
    from .evaluate import load_gold
    from .evaluate import main as eval_main

    if not args.list:
        load_gold(Path(args.gold))  # empty or malformed: one line, before the models load or anything is written

    if not args.list:
        args.corpus = checked_corpus(args)
    return eval_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="memqa", description="Cited answers from CICAD MEM drug-policy evaluation reports.")
    p.add_argument("--version", action="version", version=f"memqa {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    p.add_argument("--home", help="project folder holding corpus/, index/ and eval/ (env MEMQA_HOME; default: "
                                  "the source checkout memqa runs from, else the current directory)")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, index=True):
        sp.add_argument("--home", default=argparse.SUPPRESS, help="project folder (as before the command)")
        sp.add_argument("--corpus", help="corpus folder (default: <home>/corpus, env MEMQA_CORPUS)")
        if index:
            sp.add_argument("--index", help="index folder (default: <home>/index, env MEMQA_INDEX)")

    s = sub.add_parser("sections", help="print the table of contents as parsed (check the parse)")
    common(s, index=False)
    s.add_argument("--encoders", default=DEFAULT_ENCODERS, help="tokenizers used to count passages")
    s.add_argument("--json", action="store_true", help="print a JSON list")
    s.add_argument("--report", help="only this report's units (a report id, e.g. mexico-2022)")
    s.set_defaults(func=cmd_sections)

    b = sub.add_parser("build", help="parse corpus/, embed passages and write index/ atomically")
    common(b)
    b.add_argument("--encoders", default=DEFAULT_ENCODERS,
                   help="comma-separated: e5, minilm, or a local sentence-transformers folder (default: e5, what the "
                        "default ranking uses; `memqa eval` comparisons with MiniLM need e5,minilm)")
    b.add_argument("--max-tokens", type=int, default=256, help="passage window in encoder tokens, capped by each encoder's limit (default 256)")
    b.add_argument("--overlap", type=int, default=1, help="sentences shared by neighbouring windows (default 1)")
    b.add_argument("--faiss", choices=("auto", "flat", "ivf"), default="auto",
                   help="passage index: exact flat search, or IVF (inverted lists, nprobe tuned at build time to "
                        "recall@100 >= 0.99); auto = IVF from 100,000 passages (~650 reports), else flat")
    b.set_defaults(func=cmd_build)

    ad = sub.add_parser("add", help="copy a report (.pdf or .txt) into the corpus and rebuild the index")
    common(ad)
    ad.add_argument("path", help="the report's .pdf, or its .txt; a .json of metadata with the same name beside it "
                                 "is copied too")
    ad.add_argument("--id", help="report id, e.g. mexico-2022 (default: the metadata's report_id, from the .json or "
                                 "the PDF's cover, else the file name)")
    ad.add_argument("--force", action="store_true", help="replace the report the corpus holds under that id")
    ad.add_argument("--encoders", help="as memqa build (default: those of the current index, else e5)")
    ad.add_argument("--max-tokens", type=int, help="as memqa build (default: the current index's, else 256)")
    ad.add_argument("--overlap", type=int, help="as memqa build (default: the current index's, else 1)")
    ad.set_defaults(func=cmd_add)

    a = sub.add_parser("ask", help="ask a question; prints cited passages")
    common(a)
    a.add_argument("question", nargs="+")
    a.add_argument("-k", type=int, default=K_DEFAULT, help=f"number of cited units (1-{K_MAX}, default {K_DEFAULT})")
    a.add_argument("--objective", type=int, help="only this objective (1-12)")
    a.add_argument("--kind", help="only this kind of unit: priority_action, evaluative_summary or preface")
    a.add_argument("--report", help="only this report id, e.g. mexico-2022 (see `memqa reports`)")
    a.add_argument("--country", help="only the reports on this country, e.g. Mexico")
    a.add_argument("--year", type=int, help="only the reports of this year, e.g. 2022")
    a.add_argument("--round", help="only the reports of this evaluation round, e.g. 'Eighth Evaluation Round'")
    a.add_argument("--thematic-area", dest="thematic_area", help="only the reports on this thematic area")
    a.add_argument("--language", help="only the reports written in this language (ISO 639-1 code, e.g. en)")
    a.add_argument("--config", help="ranking configuration (see `memqa eval --list`)")
    a.add_argument("--json", action="store_true", help="print the JSON shape shared with HTTP and MCP")
    a.set_defaults(func=cmd_ask)

    sc = sub.add_parser("scorecard", help="CICAD's verdict on every priority action of a report")
    common(sc)
    sc.add_argument("--report", help="only this report id, e.g. mexico-2022")
    sc.add_argument("--json", action="store_true", help="print a JSON list")
    sc.set_defaults(func=cmd_scorecard)
    r = sub.add_parser("reports", help="list the library: every report with its metadata and counts")
    common(r)
    r.add_argument("--json", action="store_true", help="print a JSON list (the shape of GET /reports)")
    r.set_defaults(func=cmd_reports)

    c = sub.add_parser("compare", help="one priority action side by side across reports")
    common(c)
    c.add_argument("priority_action", help="the priority action's number, e.g. 2.4")
    c.add_argument("--reports", help="comma-separated report ids (default: every report that has it)")
    c.add_argument("--question", nargs="+", help="show each report's window that best matches this question")
    c.add_argument("--json", action="store_true", help="print the JSON shape shared with HTTP and MCP")
    c.set_defaults(func=cmd_compare)

    v = sub.add_parser("serve", help="run the HTTP service (FastAPI + web page)")
    common(v)
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument("--root-path", default=os.environ.get("MEMQA_ROOT_PATH", ""),
                   help="sub-path a reverse proxy serves memqa under, e.g. /memqa (env MEMQA_ROOT_PATH)")
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
    e.add_argument("--gold", help="gold questions, JSONL (default: <home>/eval/gold.jsonl)")
    e.add_argument("--configs", default=None, help="comma-separated configuration names (default: all)")
    e.add_argument("--out", help="folder for JSON, markdown and PNG results (default: <home>/eval/results)")
    e.add_argument("--list", action="store_true", help="list the configurations and exit")
    e.add_argument("--no-save", action="store_true", help="print only")
    e.set_defaults(func=cmd_eval)
    return p


def resolve_paths(args) -> argparse.Namespace:
    """Make every path argument absolute, from the flags, the environment or the project folder."""
    home = find_home(getattr(args, "home", None))
    args.home = home
    if hasattr(args, "corpus"):
        # A corpus named by the user must exist; a missing default is only warned about (memqa.freshness).
        args.corpus_explicit = bool(args.corpus) or bool(os.environ.get("MEMQA_CORPUS"))
        args.corpus = str(resolve(args.corpus, "MEMQA_CORPUS", home, "corpus"))
    if hasattr(args, "index"):
        args.index = str(resolve(args.index, "MEMQA_INDEX", home, "index"))
    if hasattr(args, "gold"):
        args.gold = str(resolve(args.gold, "MEMQA_GOLD", home, "eval/gold.jsonl"))
        args.out = str(resolve(args.out, "MEMQA_RESULTS", home, "eval/results"))
    return args


def main(argv: list[str] | None = None) -> int:
    args = resolve_paths(build_parser().parse_args(argv))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not sys.stderr.isatty():
        os.environ.setdefault("TQDM_DISABLE", "1")  # model libraries' progress bars: not into logs
    try:
        return int(args.func(args) or 0)
    except MemqaError as e:
        hint = ""
        if isinstance(e, IndexMissingError | CorpusError) and args.home.source == "current directory":
            hint = (f" (memqa looked in the current directory, {args.home.path}; pass --home or set MEMQA_HOME "
                    "to the project folder)")
        print(f"memqa: {e}{hint}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `memqa sections | head`: the reader went away; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not raise again
        return 0


if __name__ == "__main__":
    sys.exit(main())
