"""Every corpus file (text, PDF, metadata) is checked at every entry point, wherever the corpus path came
from, and a running server notices a corpus edited under it (issue 13, fault 4)."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from memqa.freshness import CorpusWatch, check_fresh, corpus_digest
from test_build_safety import cli_env, memqa, one_line_error

META = "mem-2022-mexico.json"


@pytest.fixture
def project(tmp_path, mexico_corpus) -> Path:
    from memqa.build import build_index
    from memqa.encoders import FakeEncoder

    shutil.copytree(mexico_corpus, tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index", [FakeEncoder()])
    return tmp_path


def edit_meta(corpus: Path, **changes) -> None:
    data = json.loads((corpus / META).read_text(encoding="utf-8"))
    (corpus / META).write_text(json.dumps({**data, **changes}), encoding="utf-8")


def ask(project: Path, *extra: str, env: dict | None = None):
    return memqa("ask", "--index", "index", *extra, "ION focal points", "--json", cwd=project, env=env)


def test_the_manifest_records_every_corpus_file(project):
    m = json.loads((project / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert m["corpus_files"] == corpus_digest(project / "corpus")
    assert set(m["corpus_files"]) == {"mem-2022-mexico.txt", META}


@pytest.mark.slow
@pytest.mark.parametrize("change, fragment", [
    (lambda c: edit_meta(c, title="Another title"), f"{META} changed"),
    (lambda c: (c / "mem-2023-mexico.pdf").write_bytes(b"%PDF-1.7\n"), "mem-2023-mexico.pdf added"),
    (lambda c: (c / META).unlink(), f"{META} removed"),
], ids=["metadata-edited", "pdf-added", "metadata-removed"])
def test_ask_refuses_a_corpus_whose_metadata_or_pdfs_changed(project, change, fragment):
    assert ask(project, "--corpus", "corpus").returncode == 0
    change(project / "corpus")
    one_line_error(ask(project, "--corpus", "corpus"), "stale", fragment, "memqa build")


@pytest.mark.slow
def test_the_default_corpus_folder_is_checked_too(project):
    edit_meta(project / "corpus", year=2023)
    one_line_error(ask(project, env=cli_env(MEMQA_CORPUS="", MEMQA_HOME=str(project))), f"{META} changed")


@pytest.mark.slow
def test_a_corpus_that_is_a_file_is_refused(project):
    one_line_error(ask(project, "--corpus", f"corpus/{META}"), "is a file, not a folder")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_named_corpus_that_does_not_exist_is_refused(project, how):
    if how == "flag":
        done = ask(project, "--corpus", "no-such-corpus")
    else:
        done = ask(project, env=cli_env(MEMQA_CORPUS=str(project / "no-such-corpus")))
    one_line_error(done, "no-such-corpus does not exist")


@pytest.mark.slow
def test_a_missing_default_corpus_is_said_not_skipped_silently(project):
    shutil.move(project / "corpus", project / "elsewhere")
    done = ask(project, env=cli_env(MEMQA_CORPUS="", MEMQA_HOME=str(project)))
    assert done.returncode == 0, done.stderr
    assert "cannot check that the index matches" in done.stderr and "--corpus" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", [["mcp"], ["serve", "--port", "1"], ["eval", "--no-save", "--configs", "dense"]])
def test_every_entry_point_refuses_a_stale_corpus_at_start(project, command):
    edit_meta(project / "corpus", country="Mexico (edited)")
    done = memqa(*command, "--index", "index", "--corpus", "corpus", cwd=project, timeout=60)
    one_line_error(done, "stale", f"{META} changed")


# ---------------------------------------------------------------------- while running
def test_the_watch_notices_changes_and_recovery_and_is_cheap(project):
    manifest = json.loads((project / "index" / "manifest.json").read_text(encoding="utf-8"))
    corpus = project / "corpus"
    watch = CorpusWatch(manifest, corpus)
    assert watch.check().status == "ok"
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        watch.check()
    per_check = (time.perf_counter() - t0) / n
    print(f"CorpusWatch.check(): {per_check * 1e6:.1f} µs per request when nothing changed")
    assert per_check < 0.001
    original = (corpus / META).read_bytes()
    edit_meta(corpus, title="Edited while serving")
    state = watch.check()
    assert state.status == "stale" and f"{META} changed" in state.message and "memqa build" in state.message
    (corpus / META).write_bytes(original)
    os.utime(corpus / META)  # new mtime, same content: re-hashed, fresh again
    assert watch.check().status == "ok"
    check_fresh(manifest, corpus)


def test_http_reports_stale_and_answers_with_a_notice_not_wrong_lines(project, fake_encoder):
    from memqa.api.app import create_app

    from memqa.assistant import Assistant

    assistant = Assistant.load(project / "index", encoders=[fake_encoder], corpus_dir=project / "corpus")
    watch = CorpusWatch(assistant.data.manifest, project / "corpus")
    from memqa.api.schemas import HealthOut

    client = TestClient(create_app(assistant, corpus_watch=watch))
    assert HealthOut.model_validate(client.get("/health").json()).status == "ok"  # the documented shape
    assert client.post("/ask", json={"question": "ION focal points"}).json()["passages"]
    report = project / "corpus" / "mem-2022-mexico.txt"
    report.write_text("A new first line.\n" + report.read_text(encoding="utf-8"), encoding="utf-8")
    health = client.get("/health").json()
    assert health["status"] == "stale" and "mem-2022-mexico.txt changed" in health["corpus"]["message"]
    assert HealthOut.model_validate(health).corpus.status == "stale"
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    assert spec["HealthOut"]["properties"]["status"]["enum"] == ["ok", "stale"] and "corpus" in spec["HealthOut"]["required"]
    body = client.post("/ask", json={"question": "ION focal points"}).json()
    assert body["passages"] == [] and body["answerable"] is False
    assert "memqa build" in body["notice"] and "mem-2022-mexico.txt changed" in body["notice"]
    # every endpoint that quotes the report with line numbers refuses too (a trial found /compare and
    # /scorecard still citing the old lines); the library list and /health do not quote
    for path in ("/sections", "/sections/pa-2.4", "/compare?priority_action=2.4", "/scorecard"):
        r = client.get(path)
        assert r.status_code == 503 and "mem-2022-mexico.txt changed" in r.json()["error"], path
        assert "memqa build" in r.json()["error"], path
    assert client.get("/reports").status_code == 200


def test_mcp_refuses_to_cite_a_changed_corpus(project, fake_encoder):
    from memqa.assistant import Assistant
    from memqa.mcp_server import create_server

    assistant = Assistant.load(project / "index", encoders=[fake_encoder], corpus_dir=project / "corpus")
    server = create_server(assistant, CorpusWatch(assistant.data.manifest, project / "corpus"))
    edit_meta(project / "corpus", title="Edited")

    async def main():
        with anyio.fail_after(60):
            async with Client(server) as client:
                r = await client.call_tool("search_report", {"question": "ION focal points"})
                assert r.is_error and "memqa build" in r.content[0].text and META in r.content[0].text
                for name, args in (("compare", {"priority_action": "2.4"}), ("scorecard", {}),
                                   ("list_sections", {}), ("get_section", {"id": "pa-2.4"})):
                    r = await client.call_tool(name, args)
                    assert r.is_error and "memqa build" in r.content[0].text, name

    anyio.run(main)
