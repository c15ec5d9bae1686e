"""CLI: `memqa sections` / `memqa ask --json` in-process; bad input exits 2 with one line on stderr."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from memqa.cli import main
from memqa.tokens import count_tokens

ROOT = Path(__file__).resolve().parent.parent
SECTION_KEYS = {"kind", "objective", "priority_action", "title", "start_line", "end_line", "passages", "tokens"}
CITATION_KEYS = {"report", "kind", "objective", "priority_action", "title", "source", "start_line", "end_line",
                 "label", "section_id", "cite", "page_start", "page_end", "start_column", "end_column"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sections_json(mexico_corpus) -> list[dict]:
    from memqa.toc import table_of_contents

    return table_of_contents(mexico_corpus, ["fake"])


# --------------------------------------------------------------------------- memqa sections
def test_sections_json_lists_78_entries(capsys, mexico_corpus):
    code, out, _ = run(capsys, "sections", "--corpus", str(mexico_corpus), "--encoders", "fake", "--json")
    rows = json.loads(out)
    assert code == 0
    assert len(rows) == 78
    kinds = [r["kind"] for r in rows]
    assert (kinds.count("priority_action"), kinds.count("evaluative_summary"), kinds.count("preface")) == (65, 12, 1)
    assert all(set(r) >= SECTION_KEYS for r in rows)
    assert len({r["unit"] for r in rows}) == 76


def test_sections_json_entry_for_2_4(sections_json, mexico_corpus):
    (row,) = [r for r in sections_json if r["id"] == "mexico-2022/pa-2.4"]
    assert (row["objective"], row["priority_action"], row["start_line"], row["end_line"], row["passages"]) == (
        2, "2.4", 259, 266, 1)
    lines = (mexico_corpus / "mem-2022-mexico.txt").read_text(encoding="utf-8").split("\n")
    assert row["tokens"] == count_tokens("\n".join(lines[258:266]))
    assert row["title"].startswith("Promote participation in the Project ION Incident Communication System")


def test_sections_json_shows_headings_that_share_a_body(sections_json):
    rows = {r["id"]: r for r in sections_json}
    r82 = rows["mexico-2022/pa-8.2"]
    assert (r82["unit"], r82["shared_with"], r82["heading_line"], r82["start_line"]) == (
        "mexico-2022/pa-8.1", ["8.1"], 640, 638)
    assert r82["title"].startswith("Establish specialized agencies")
    assert rows["mexico-2022/pa-12.4"]["unit"] == "mexico-2022/pa-12.1"
    assert rows["mexico-2022/pa-2.4"]["shared_with"] == []


def test_sections_json_lists_long_units_with_several_passages(sections_json):
    rows = {r["id"]: r for r in sections_json}
    assert rows["mexico-2022/pa-1.6"]["passages"] > 1
    assert rows["mexico-2022/preface"]["passages"] > 1
    assert rows["mexico-2022/summary-12"]["title"].startswith("Address the effects of small-scale drug trafficking")


def test_sections_text_prints_one_line_per_entry(capsys, mexico_corpus):
    code, out, err = run(capsys, "sections", "--corpus", str(mexico_corpus), "--encoders", "fake")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 78
    assert lines[0].startswith("Preface")
    assert any(line.startswith("Priority Action 8.2") and "[shares its body with 8.1]" in line for line in lines)
    assert "78 entries: 65 priority-action headings, 76 citable units." in err


# --------------------------------------------------------------------------- memqa ask
def test_ask_json_prints_the_shared_answer_shape(capsys, fake_index, mexico_corpus):
    code, out, _ = run(capsys, "ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--json",
                       "-k", "3", "Which", "agencies", "are", "ION", "focal", "points?")
    answer = json.loads(out)
    assert code == 0
    assert {"question", "answerable", "confidence", "language", "notice", "passages"} <= set(answer)
    assert answer["question"] == "Which agencies are ION focal points?"
    assert len(answer["passages"]) == 3
    for rank, p in enumerate(answer["passages"], start=1):
        assert p["rank"] == rank
        assert set(p["citation"]) == CITATION_KEYS
        assert p["citation"]["source"] == "mem-2022-mexico.txt"
        for h in p["highlights"]:
            assert p["text"][h["start"] : h["end"]] == h["text"]


def test_ask_json_with_filters(capsys, fake_index, mexico_corpus):
    code, out, _ = run(capsys, "ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--json",
                       "-k", "20", "--objective", "3", "--kind", "priority_action", "precursor training")
    cites = [p["citation"] for p in json.loads(out)["passages"]]
    assert code == 0
    assert sorted(c["priority_action"] for c in cites) == [f"3.{n}" for n in range(1, 9)]


def test_ask_text_names_the_citation(capsys, fake_index, mexico_corpus):
    code, out, err = run(capsys, "ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "-k", "1",
                         "--kind", "preface", "what is the MEM?")
    assert code == 0
    heading = (r"^\[1\] Preface\n    mem-2022-mexico\.txt, lines \d+–\d+\n    CICAD, Mexico: Evaluation Report on "
               r"Drug Policies 2022, MEM Eighth Evaluation Round, CICAD/doc\.2676/22, Preface, lines \d+–\d+\n")
    assert re.search(heading, out, re.MULTILINE)  # after the notice, if any
    assert "»" in out and "«" in out  # highlights are marked
    assert "score" not in out


@pytest.mark.parametrize("columns", [100, 60])
def test_ask_text_is_wrapped_to_the_terminal_with_the_citation_lines_whole(capsys, monkeypatch, fake_index,
                                                                          mexico_corpus, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(capsys, "ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "-k", "5",
                       "--objective", "8", "seized assets training courses")
    assert code == 0
    long = [line for line in out.splitlines() if len(line) > columns]
    assert long and all(line.startswith("    CICAD, ") for line in long), long  # only the references, whole
    assert re.search(r"^    CICAD, .*, Priority Actions? 8\.\d.*, lines? \d+(–\d+)?$", out, re.MULTILINE)
    assert "<ul" not in out and "</li" not in out and "*" not in out  # PDF leftovers not shown


def test_version(capsys):
    from memqa import __version__

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out == f"memqa {__version__}\n"


# --------------------------------------------------------------------------- project folder
def test_default_paths_come_from_the_project_folder_not_the_current_directory(monkeypatch, tmp_path):
    from memqa.cli import build_parser, resolve_paths

    monkeypatch.chdir(tmp_path)
    for name in ("MEMQA_HOME", "MEMQA_INDEX", "MEMQA_CORPUS"):
        monkeypatch.delenv(name, raising=False)
    args = resolve_paths(build_parser().parse_args(["ask", "q"]))
    assert (args.index, args.corpus) == (str(ROOT / "index"), str(ROOT / "corpus"))  # the checkout, from anywhere
    args = resolve_paths(build_parser().parse_args(["eval"]))
    assert (args.gold, args.out) == (str(ROOT / "eval/gold.jsonl"), str(ROOT / "eval/results"))
    monkeypatch.setenv("MEMQA_HOME", str(tmp_path / "home"))
    args = resolve_paths(build_parser().parse_args(["ask", "q"]))
    assert args.index == str(tmp_path / "home" / "index")
    args = resolve_paths(build_parser().parse_args(["--home", "elsewhere", "ask", "--index", "idx", "q"]))
    assert (args.index, args.corpus) == (str(tmp_path / "idx"), str(tmp_path / "elsewhere" / "corpus"))
    args = resolve_paths(build_parser().parse_args(["ask", "--home", "other", "q"]))
    assert args.corpus == str(tmp_path / "other" / "corpus")


def test_not_found_errors_name_the_absolute_path_looked_at(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEMQA_HOME", str(tmp_path / "home"))
    for name in ("MEMQA_INDEX", "MEMQA_CORPUS"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run(capsys, "ask", "what is the MEM?")
    assert code == 2 and f"no index at {tmp_path / 'home' / 'index'} " in err
    code, out, err = run(capsys, "sections", "--corpus", "missing")
    assert code == 2 and f"corpus folder {tmp_path / 'missing'} does not exist" in err
    code, out, err = run(capsys, "eval", "--gold", "nope.jsonl")
    assert code == 2 and f"gold file {tmp_path / 'nope.jsonl'} not found" in err


# --------------------------------------------------------------------------- serve and eval fail fast
@pytest.mark.parametrize("port, fragment", [(99999, "--port 99999 is not a TCP port; use a number from 1 to 65535"),
                                            (0, "--port 0 is not a TCP port")])
def test_serve_rejects_a_bad_port_in_one_line_before_loading(capsys, tmp_path, port, fragment):
    # The index does not exist: the port is checked first, so the message is about the port.
    code, out, err = run(capsys, "serve", "--index", str(tmp_path / "nowhere"), "--port", str(port))
    assert (code, out) == (2, "") and err.count("\n") == 1 and fragment in err


def test_serve_on_a_busy_port_is_one_line_and_exit_2(capsys, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in (["serve"], ["mcp", "--http"]):
            code, out, err = run(capsys, *command, "--index", str(tmp_path / "nowhere"), "--port", str(port))
            assert (code, out) == (2, "") and err.count("\n") == 1, err
            assert f"port {port} on 127.0.0.1 is already in use" in err


def test_eval_checks_the_gold_file_before_loading_models(capsys, monkeypatch, tmp_path):
    import memqa.assistant

    def no_models(*a, **k):
        raise AssertionError("the models were loaded before the gold file was checked")

    monkeypatch.setattr(memqa.assistant.Assistant, "load", no_models)
    code, _, err = run(capsys, "eval", "--index", str(tmp_path), "--gold", str(tmp_path / "missing.jsonl"))
    assert code == 2 and f"gold file {tmp_path / 'missing.jsonl'} not found" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", "--index", str(tmp_path), "--gold", str(empty), "--out", str(tmp_path / "out"))
    assert code == 2 and "has no questions" in err and not (tmp_path / "out").exists()


def test_sections_into_a_closed_pipe_is_not_a_traceback(tmp_path):

    p = subprocess.run(f"{sys.executable} -m memqa.cli sections --corpus {ROOT / 'corpus'} | head -1",
                       shell=True, capture_output=True, text=True, timeout=120, executable="/bin/bash")
    assert p.stdout.startswith("Preface") and "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr
    full = subprocess.run([sys.executable, "-m", "memqa.cli", "sections", "--corpus", str(ROOT / "corpus")],
                          capture_output=True, text=True, timeout=120)
    assert "Develop or strengthen intelligence and interdiction capabilities to detect, investigate, and dismantle" \
        in full.stdout  # into a pipe: whole titles, not cut to the terminal's width


def test_build_progress_is_a_few_plain_lines_when_stderr_is_not_a_terminal(capsys, tiny_corpus, tmp_path):
    code, _, err = run(capsys, "build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
                       "--encoders", "fake")
    assert code == 0 and "\r" not in err
    # 7 passages and 10 sentences; the parse of each report is a stage too (cached on the next build)
    assert "memqa: embed (fake): 17 texts" in err and "memqa: embed (fake): done in " in err
    assert "memqa: parse: 1 reports" in err
    assert len(err.splitlines()) <= 6


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def ask_args(fake_index, mexico_corpus) -> list[str]:
    return ["ask", "--index", str(fake_index), "--corpus", str(mexico_corpus)]


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["-k", "0", "training"], "k must be an integer from 1 to 20"),
        (["-k", "21", "training"], "k must be an integer from 1 to 20"),
        ([""], "question is empty"),
        (["   "], "question is empty"),
        (["--objective", "13", "training"], "objective must be an integer from 1 to 12 or left empty, got 13"),
        (["--report", "peru-2020", "training"], "report must be one of 'mexico-2022' or left empty, got 'peru-2020'"),
        (["--kind", "annex", "training"], "kind must be one of 'priority_action', 'evaluative_summary', 'preface'"),
        (["--config", "nope", "training"], "unknown ranking configuration 'nope'"),
    ],
    ids=["k=0", "k=21", "empty", "spaces", "objective", "report", "kind", "config"],
)
def test_bad_ask_exits_2_with_one_line(capsys, ask_args, extra, fragment):
    code, out, err = run(capsys, *ask_args, *extra)
    assert code == 2 and out == ""
    assert err.startswith("memqa: ") and err.endswith("\n") and err.count("\n") == 1
    assert fragment in err


def _missing_index(tmp_path, tiny_corpus, fake_index, mexico_corpus):
    return ["ask", "--index", str(tmp_path / "nowhere"), "--corpus", str(mexico_corpus), "training"]


def _stale_index(tmp_path, tiny_corpus, fake_index, mexico_corpus):
    return ["ask", "--index", str(fake_index), "--corpus", str(tiny_corpus), "training"]


def _missing_corpus(tmp_path, tiny_corpus, fake_index, mexico_corpus):
    return ["sections", "--corpus", str(tmp_path / "nowhere"), "--encoders", "fake"]


def _window_too_small(tmp_path, tiny_corpus, fake_index, mexico_corpus):
    return ["build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"), "--encoders", "fake",
            "--max-tokens", "10"]


def _unknown_encoder(tmp_path, tiny_corpus, fake_index, mexico_corpus):
    return ["build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"), "--encoders", "gpt-9"]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (_missing_index, "manifest.json missing); run `memqa build`"),
        (_stale_index, "the index is stale"),
        (_missing_corpus, "does not exist"),
        (_window_too_small, "use a larger chunk size (e.g. --max-tokens 200)"),
        (_unknown_encoder, "unknown encoder 'gpt-9'"),
    ],
    ids=["missing-index", "stale-index", "missing-corpus", "window-too-small", "unknown-encoder"],
)
def test_bad_setup_exits_2_with_one_line(capsys, tmp_path, tiny_corpus, fake_index, mexico_corpus, argv, fragment):
    code, out, err = run(capsys, *argv(tmp_path, tiny_corpus, fake_index, mexico_corpus))
    assert code == 2 and out == ""
    assert err.startswith("memqa: ") and err.count("\n") == 1 and "Traceback" not in err
    assert fragment in err


def test_build_with_the_fake_encoder_writes_an_index(capsys, tiny_corpus, tmp_path):
    code, out, _ = run(capsys, "build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"),
                       "--encoders", "fake")
    assert code == 0
    assert out.startswith(f"built {tmp_path / 'index'}: 1 report(s), 7 citable units, 7 passages")
    assert (tmp_path / "index" / "manifest.json").exists()


def test_argparse_errors_exit_2_without_a_traceback(capsys, ask_args):
    with pytest.raises(SystemExit) as e:
        main([*ask_args, "-k", "abc", "training"])
    _, err = capsys.readouterr()
    assert e.value.code == 2
    assert "invalid int value: 'abc'" in err and "Traceback" not in err


def test_installed_command_reports_a_missing_index_in_one_line(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "memqa"), "ask", "--index", str(tmp_path / "nowhere"), "training"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("memqa: no index at ") and proc.stderr.count("\n") == 1
