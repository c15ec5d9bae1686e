"""A library of three reports (fake encoder): filters, comparison, incremental builds, a killed build.

The three reports are the tiny Ruritania report and two copies with the country renamed (so their
texts, and vectors, differ); Utopia lacks Priority Action 2.3. ``CountingEncoder`` counts every
passage-side ``encode`` call, so "nothing re-embedded" is checked, not assumed.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import anyio
import numpy as np
import pytest
from fastapi.testclient import TestClient
from mcp import Client
from memqa.api.app import create_app

from conftest import TINY_REPORT
from memqa.assistant import Assistant
from memqa.build import build_index
from memqa.cli import main
from memqa.encoders import FakeEncoder
from memqa.errors import BadQuestionError, NotFoundError
from memqa.mcp_server import create_server
from memqa.store import load_index
from memqa.tools import compare_result

REPORTS = {  # file stem -> (report id, country, year, round, language)
    "mem-2022-ruritania": ("ruritania-2022", "Ruritania", 2022, "Eighth Evaluation Round", "en"),
    "mem-2019-atlantis": ("atlantis-2019", "Atlantis", 2019, "Seventh Evaluation Round", "en"),
    "mem-2022-utopia": ("utopia-2022", "Utopía", 2022, "Eighth Evaluation Round", "es"),
}
PA_23 = "Priority Action 2.3: Promote licit traditional uses.\n\nNot applicable.\n\n"


class CountingEncoder(FakeEncoder):
    """The fake encoder, counting the texts it embeds for the index (queries are not counted)."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__()
        self.calls, self.texts, self.fail_after = 0, 0, fail_after

    def encode(self, texts, *, kind="passage"):
        if kind == "passage":
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise KeyboardInterrupt  # as a Ctrl-C or a crash midway through the embedding
            self.calls += 1
            self.texts += len(texts)
        return super().encode(texts, kind=kind)


def write_report(corpus: Path, stem: str, extra: str = "") -> None:
    rid, country, year, rnd, lang = REPORTS[stem]
    text = TINY_REPORT.replace("Ruritania", country)
    if rid == "utopia-2022":
        text = text.replace(PA_23, "")
    (corpus / f"{stem}.txt").write_text(text + extra, encoding="utf-8")
    meta = {"report_id": rid, "country": country, "year": year, "round": rnd, "thematic_area": "Supply reduction",
            "document_code": f"CICAD/doc.0000/{year % 100}", "title": f"{country} {year}", "language": lang}
    (corpus / f"{stem}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def library(tmp_path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem in REPORTS:
        write_report(corpus, stem)
    index = tmp_path / "index"
    build_index(corpus, index, [FakeEncoder()])
    return corpus, index


@pytest.fixture
def assistant(library) -> Assistant:
    corpus, index = library
    return Assistant.load(index, encoders=[FakeEncoder()], corpus_dir=corpus)


def vectors(index: Path) -> np.ndarray:
    d = load_index(index)
    return d.dense["fake"].reconstruct_n(0, d.dense["fake"].ntotal)


# --------------------------------------------------------------------------- incremental builds
def test_a_rebuild_with_nothing_changed_embeds_nothing(library):
    corpus, index = library
    enc = CountingEncoder()
    m = build_index(corpus, index, [enc])
    assert (enc.calls, enc.texts) == (0, 0)
    assert m["build"]["embedded"] == {"fake": []}
    assert sorted(m["build"]["reused"]["fake"]) == ["atlantis-2019", "ruritania-2022", "utopia-2022"]
    assert m["build"]["parsed"] == []  # the parse is cached too


def test_changing_adding_and_removing_a_report_embeds_only_that_report(library, tmp_path):
    corpus, index = library
    write_report(corpus, "mem-2019-atlantis", extra="\nCICAD also notes a new finding.\n")
    enc = CountingEncoder()
    m = build_index(corpus, index, [enc])
    assert m["build"]["embedded"] == {"fake": ["atlantis-2019"]} and m["build"]["parsed"] == ["atlantis-2019"]
    # Exactly what building that report alone embeds (its passages, sentences and, for CICAD's
    # assessments, its priority-action titles).
    alone = tmp_path / "alone"
    alone.mkdir()
    for suffix in (".txt", ".json"):
        shutil.copy(corpus / f"mem-2019-atlantis{suffix}", alone / f"mem-2019-atlantis{suffix}")
    by_itself = CountingEncoder()
    build_index(alone, tmp_path / "alone-index", [by_itself])
    assert enc.texts == by_itself.texts > 0
    # The incremental index is the index a build from scratch gives.
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, [FakeEncoder()])
    assert np.array_equal(vectors(index), vectors(fresh))
    assert load_index(index).passages == load_index(fresh).passages

    (corpus / "mem-2022-utopia.txt").unlink()
    (corpus / "mem-2022-utopia.json").unlink()
    enc = CountingEncoder()
    m = build_index(corpus, index, [enc])
    assert enc.calls == 0 and m["build"]["removed"] == ["utopia-2022"]
    assert {r["report_id"] for r in m["reports"]} == {"ruritania-2022", "atlantis-2019"}
    # The swap drops cache entries the new index no longer uses.
    assert len(list((index / "cache" / "fake").glob("*.npz"))) == 2


def test_a_killed_build_leaves_the_old_index_serving_and_keeps_finished_work(library):
    corpus, index = library
    before = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    for stem in REPORTS:  # every report changes, so every report needs embedding
        write_report(corpus, stem, extra="\nA change that needs a rebuild.\n")
    # Each report takes 2 batches (passages, then sentences): die as the second report starts.
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index, [CountingEncoder(fail_after=2)])
    assert json.loads((index / "manifest.json").read_text(encoding="utf-8")) == before
    old = Assistant.load(index, encoders=[FakeEncoder()])  # loadable (the corpus moved on: not checked here)
    assert len(old.reports) == 3 and "needs a rebuild" not in " ".join(s.text for s in old.sections)
    assert sorted(p.name for p in index.parent.iterdir() if p.name.startswith(".index")) == []
    # The report finished before the kill is not embedded again.
    enc = CountingEncoder()
    m = build_index(corpus, index, [enc])
    assert len(m["build"]["reused"]["fake"]) == 1 and len(m["build"]["embedded"]["fake"]) == 2


def test_reports_with_the_same_text_are_embedded_once(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_report(corpus, "mem-2022-ruritania")
    shutil.copy(corpus / "mem-2022-ruritania.txt", corpus / "mem-2022-copy.txt")
    meta = json.loads((corpus / "mem-2022-ruritania.json").read_text(encoding="utf-8"))
    (corpus / "mem-2022-copy.json").write_text(json.dumps({**meta, "report_id": "copy-2022"}), encoding="utf-8")
    enc = CountingEncoder()
    m = build_index(corpus, tmp_path / "index", [enc])
    (corpus / "mem-2022-copy.txt").unlink()
    (corpus / "mem-2022-copy.json").unlink()
    single = CountingEncoder()
    build_index(corpus, tmp_path / "single", [single])
    vectors_of_one = len(load_index(tmp_path / "single").passages) + len(load_index(tmp_path / "single").segments)
    # Passages, sentences and the alignment of CICAD's assessments: all once for the two reports.
    assert enc.texts == single.texts > vectors_of_one
    index = load_index(tmp_path / "index")
    assert {k.split("/")[0] for k in index.assessments} == {"copy-2022", "ruritania-2022"}
    assert index.assessments["copy-2022/pa-1.1"]["status"] == index.assessments["ruritania-2022/pa-1.1"]["status"]
    assert index.assessments["copy-2022/pa-1.1"]["id"] == "copy-2022/pa-1.1"
    assert m["build"]["embedded"] == {"fake": ["copy-2022"]} and m["build"]["reused"] == {"fake": ["ruritania-2022"]}


def test_build_prints_what_it_reused_and_embedded(library, capsys):
    corpus, index = library
    write_report(corpus, "mem-2019-atlantis", extra="\nAn edit.\n")
    assert main(["build", "--corpus", str(corpus), "--index", str(index), "--encoders", "fake"]) == 0
    out = capsys.readouterr().out
    assert "reused fake vectors of 2 report(s): ruritania-2022, utopia-2022" in out
    assert "embedded 1 report(s) with fake in" in out and "s: atlantis-2019\n" in out
    assert out.rstrip().endswith("fake passages: exact (flat) index of 20 vectors")


# --------------------------------------------------------------------------- filters
def reports_of(answer) -> set[str]:
    return {h.citation.report for h in answer.passages}


def test_a_question_without_filters_ranks_across_the_library_and_names_each_report(assistant):
    a = assistant.ask("dismantled clandestine laboratories", k=6)
    # The English reports' Priority Action 1.2 (the same text but for the country) come first, each its own.
    english = [r for r in assistant.reports if assistant.report_metas[r]["language"] == "en"]
    assert {h.citation.section_id for h in a.passages[:2]} == {f"{r}/pa-1.2" for r in english}
    # Utopia's copy is tokenised as its metadata says (Spanish stopwords keep "with", "the": a longer
    # document for BM25), so it matches with a score of its own.
    lex = assistant.retriever.lexical.scores("dismantled clandestine laboratories")
    pas = [i for i, p in enumerate(assistant.passages) if p.section_id.endswith("/pa-1.2")]
    by_report = {assistant.passages[i].section_id.split("/")[0]: float(lex[i]) for i in pas}
    assert 0 < by_report["utopia-2022"] < by_report["atlantis-2019"] == by_report["ruritania-2022"]
    for h in a.passages:
        assert h.citation.section_id.startswith(h.citation.report + "/")
        assert h.text in assistant.sections[assistant.retriever.unit_index[h.citation.section_id]].text


@pytest.mark.parametrize("filters, expected", [
    ({"country": "Atlantis"}, {"atlantis-2019"}),
    ({"country": "utopia"}, {"utopia-2022"}),  # case and accents do not matter
    ({"year": 2022}, {"ruritania-2022", "utopia-2022"}),
    ({"round": "seventh evaluation round"}, {"atlantis-2019"}),
    ({"language": "es"}, {"utopia-2022"}),
    ({"thematic_area": "Supply reduction", "year": 2019}, {"atlantis-2019"}),
    ({"report": "ruritania-2022", "objective": 2}, {"ruritania-2022"}),
])
def test_library_filters_select_reports(assistant, filters, expected):
    a = assistant.ask("laboratories precursor chemicals PEN Online", k=20, **filters)
    assert a.passages and reports_of(a) == expected
    mask = assistant.mask(**filters)
    assert {assistant.sections[i].report for i in np.flatnonzero(mask)} == expected


@pytest.mark.parametrize("filters, message", [
    ({"country": "Peru"}, "country 'Peru' is not in the index; use one of 'Atlantis', 'Ruritania', 'Utopía'."),
    ({"year": 2014}, "year 2014 is not in the index; use one of 2019, 2022."),
    ({"language": "fr"}, "language 'fr' is not in the index; use one of 'en', 'es'."),
    ({"round": "Ninth"}, "round 'Ninth' is not in the index; use one of"),
])
def test_unknown_filter_values_name_the_valid_ones(assistant, filters, message):
    with pytest.raises(BadQuestionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assistant.ask("laboratories", **filters)


def test_filters_that_match_nothing_say_so(assistant):
    a = assistant.ask("laboratories", country="Atlantis", year=2022)
    assert a.passages == () and not a.answerable and "widen or remove the filters" in a.notice


def test_filters_on_every_surface(library, assistant, capsys):
    corpus, index = library
    code = main(["ask", "--index", str(index), "--corpus", str(corpus), "--country", "atlantis", "--json",
                 "laboratories"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {p["citation"]["report"] for p in json.loads(out)["passages"]} == {"atlantis-2019"}
    assert main(["ask", "--index", str(index), "--corpus", str(corpus), "--year", "1999", "labs"]) == 2
    assert "year must be one of 2019, 2022 or left empty, got 1999." in capsys.readouterr().err

    with TestClient(create_app(assistant)) as client:
        r = client.post("/ask", json={"question": "laboratories", "year": 2019})
        assert r.status_code == 200 and {p["citation"]["report"] for p in r.json()["passages"]} == {"atlantis-2019"}
        r = client.post("/ask", json={"question": "laboratories", "country": "Peru"})
        assert r.status_code == 422 and "country must be one of 'Atlantis', 'Ruritania', 'Utopía'" in r.json()["error"]
        schema = client.get("/openapi.json").json()["components"]["schemas"]["SearchArgs"]["properties"]
        assert schema["year"]["anyOf"][0]["enum"] == [2019, 2022]

    async def body(client):
        r = await client.call_tool("search_report", {"question": "laboratories", "language": "es"})
        assert not r.is_error and {p["citation"]["report"] for p in r.structured_content["passages"]} == {"utopia-2022"}
        r = await client.call_tool("search_report", {"question": "laboratories", "country": "Peru"})
        assert r.is_error and "country must be one of" in r.content[0].text

    anyio.run(lambda: _mcp(assistant, body))


async def _mcp(assistant, body) -> None:
    async with Client(create_server(assistant)) as client:
        await body(client)


# --------------------------------------------------------------------------- the library listing
def test_reports_lists_the_library_with_counts(library, assistant, capsys):
    corpus, index = library
    rows = {r.report_id: r for r in assistant.library.entries}
    assert set(rows) == {"ruritania-2022", "atlantis-2019", "utopia-2022"}
    assert (rows["ruritania-2022"].sections, rows["ruritania-2022"].priority_actions) == (7, 5)
    assert (rows["utopia-2022"].sections, rows["utopia-2022"].priority_actions) == (6, 4)  # no 2.3
    assert rows["utopia-2022"].country == "Utopía" and rows["atlantis-2019"].year == 2019
    assert sum(r.passages for r in rows.values()) == len(assistant.passages)

    assert main(["reports", "--index", str(index), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["report_id"] for r in listed] == [r.report_id for r in assistant.library.entries]
    assert main(["reports", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "atlantis-2019" in out and "CICAD/doc.0000/19" in out  # the document code, as the README says
    with TestClient(create_app(assistant)) as client:
        assert client.get("/reports").json() == listed


# --------------------------------------------------------------------------- comparison
def test_compare_puts_each_reports_own_text_and_citation_side_by_side(assistant):
    c = assistant.compare("1.2")
    assert [e.report for e in c.entries] == [s for s in assistant.library.metas]
    assert c.missing == () and c.notice.startswith("These reports come from different evaluation rounds")
    for e in c.entries:
        country = assistant.library.metas[e.report]["country"]
        assert e.citation.report == e.report and e.citation.section_id == f"{e.report}/pa-1.2"
        assert e.citation.source == assistant.library.metas[e.report]["source"]
        assert f"{country} dismantled laboratories" in e.text  # the text is that report's, never another's
        assert e.label == "Priority Action 1.2" and e.score is None
        assert e.assessment is not None and e.assessment.priority_action == "1.2"  # CICAD's verdict slot


def test_compared_verdicts_are_each_reports_own(assistant):
    for e in assistant.compare("1.1").entries:
        country = assistant.library.metas[e.report]["country"]
        assert e.assessment.status == "positive" and e.assessment.citation.report == e.report
        assert e.assessment.text == f"CICAD notes with satisfaction that {country} trains customs officers."


def test_compare_with_a_question_a_subset_and_a_missing_priority_action(assistant):
    c = assistant.compare("pa-2.3", reports=["utopia-2022", "ruritania-2022"], question="licit traditional uses")
    assert [e.report for e in c.entries] == ["ruritania-2022"] and c.missing == ("utopia-2022",)
    assert c.entries[0].score is not None and c.question == "licit traditional uses"
    assert c.notice == ""  # one report: nothing to reconcile
    with pytest.raises(NotFoundError, match="no report has Priority Action 9.9"):
        assistant.compare("9.9")
    with pytest.raises(BadQuestionError, match="report 'peru-2020' is not in the index"):
        assistant.compare("1.2", reports=["peru-2020"])
    with pytest.raises(BadQuestionError, match="priority_action must be a number 'N.M'"):
        assistant.compare("two point four")


def test_compare_on_every_surface(library, assistant, capsys):
    corpus, index = library
    assert main(["compare", "1.2", "--index", str(index), "--corpus", str(corpus), "--reports",
                 "atlantis-2019,utopia-2022", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert [e["report"] for e in cli["entries"]] == ["atlantis-2019", "utopia-2022"]
    assert main(["compare", "1.2", "--index", str(index), "--corpus", str(corpus)]) == 0
    text = capsys.readouterr().out
    for rid in ("ruritania-2022", "atlantis-2019", "utopia-2022"):
        block = text.split(f"== {rid}", 1)[1].split("== ", 1)[0]
        assert assistant.library.metas[rid]["source"] in block  # each block cites its own report

    with TestClient(create_app(assistant)) as client:
        r = client.get("/compare", params={"priority_action": "1.2", "reports": "atlantis-2019,utopia-2022"})
        assert r.status_code == 200 and r.json() == cli
        r = client.get("/compare?priority_action=1.2&reports=atlantis-2019&reports=utopia-2022")
        assert r.json() == cli
        r = client.get("/compare", params={"priority_action": "1.2", "question": "dismantled laboratories"})
        assert r.status_code == 200 and all(e["score"] is not None for e in r.json()["entries"])
        assert client.get("/compare", params={"priority_action": "9.9"}).status_code == 404
        r = client.get("/compare", params={"priority_action": "1.2", "reports": "peru-2020"})
        assert r.status_code == 422 and "mexico" not in r.json()["error"] and "atlantis-2019" in r.json()["error"]

    text, data = compare_result(assistant, "2.3")
    assert data["missing"] == ["utopia-2022"] and f"[{data['tokens']} tokens" in text

    async def body(client):
        r = await client.call_tool("compare", {"priority_action": "1.2", "reports": ["atlantis-2019"]})
        assert not r.is_error and [e["report"] for e in r.structured_content["entries"]] == ["atlantis-2019"]
        r = await client.call_tool("compare", {"priority_action": "7.7"})
        assert r.is_error and "Priority Action 7.7" in r.content[0].text

    anyio.run(lambda: _mcp(assistant, body))


def test_copied_library_keeps_working_after_its_folder_moves(library, tmp_path):
    """The cache lives inside the index folder, so a moved index keeps its cache."""
    corpus, index = library
    moved = tmp_path / "moved"
    shutil.move(index, moved)
    enc = CountingEncoder()
    build_index(corpus, moved, [enc])
    assert enc.calls == 0


# --------------------------------------------------------------------------- encoders built by default
def test_build_defaults_to_the_encoders_of_the_default_ranking():
    from memqa.cli import DEFAULT_ENCODERS
    from memqa.configs import DEFAULT_CONFIG

    assert set(DEFAULT_ENCODERS.split(",")) == DEFAULT_CONFIG.encoders() == {"e5"}


def test_eval_skips_or_refuses_configurations_the_index_cannot_run(fake_index, mexico_corpus, tmp_path, capsys,
                                                                    monkeypatch):
    import memqa.evaluate

    ran = []  # ranx compiles its metrics with numba (minutes): record what would run instead
    monkeypatch.setattr(memqa.evaluate, "run_eval", lambda a, gold, names: ran.append(names) or {"configs": {}})
    monkeypatch.setattr(memqa.evaluate, "markdown_table", lambda result: "table")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "q1", "question": "Which agencies are ION focal points?",
                                "gold": ["mexico-2022/pa-2.4"]}) + "\n", encoding="utf-8")
    code = main(["eval", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--no-save",
                 "--gold", str(gold), "--configs", "hybrid-minilm"])
    assert code == 2
    assert "the index has no minilm vectors, which hybrid-minilm need; rebuild it with `memqa build --encoders " \
           "fake,minilm`" in capsys.readouterr().err
    assert main(["eval", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--no-save",
                 "--gold", str(gold)]) == 0
    assert "memqa: skipping dense-minilm, dense-e5, ensemble, hybrid-minilm" in capsys.readouterr().err
    assert ran == [["lexical"]]


# --------------------------------------------------------------------------- FAISS index type
def test_an_ivf_library_answers_and_filters_as_the_flat_one(library, tmp_path):
    corpus, flat_index = library
    ivf_index = tmp_path / "ivf-index"
    m = build_index(corpus, ivf_index, [FakeEncoder()], faiss="ivf")
    info = m["faiss"]["fake"]
    assert info["type"] == "ivf" and info["requested"] == "ivf" and info["nprobe"] >= 1
    assert info["recall_at_100"] >= 0.99
    assert json.loads((ivf_index / "manifest.json").read_text(encoding="utf-8"))["faiss"] == m["faiss"]
    assert load_index(flat_index).manifest["faiss"]["fake"]["type"] == "flat"  # auto: flat at this size
    flat = Assistant.load(flat_index, encoders=[FakeEncoder()], corpus_dir=corpus)
    ivf = Assistant.load(ivf_index, encoders=[FakeEncoder()], corpus_dir=corpus)
    for q, filters in [("dismantled clandestine laboratories", {}), ("precursor chemicals", {"country": "Atlantis"}),
                       ("PEN Online", {"language": "es"})]:
        a, b = flat.ask(q, k=6, **filters), ivf.ask(q, k=6, **filters)
        assert [h.citation.section_id for h in a.passages] == [h.citation.section_id for h in b.passages]
        assert [h.text for h in a.passages] == [h.text for h in b.passages]  # windows read from the IVF's vectors
    assert reports_of(ivf.ask("precursor chemicals", k=20, country="Atlantis")) == {"atlantis-2019"}


def test_memqa_add_keeps_the_faiss_type_the_index_was_built_with(library, tmp_path, capsys):
    from memqa.cli import main

    corpus, index = library
    assert main(["build", "--corpus", str(corpus), "--index", str(index), "--encoders", "fake", "--faiss", "ivf"]) == 0
    assert "IVF index" in capsys.readouterr().out
    new = tmp_path / "new.txt"
    new.write_text(TINY_REPORT.replace("Ruritania", "Freedonia"), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps({
        "report_id": "freedonia-2022", "country": "Freedonia", "year": 2022, "round": "Eighth Evaluation Round",
        "thematic_area": "Supply reduction", "document_code": "CICAD/doc.0001/22", "title": "Freedonia 2022",
        "language": "en"}), encoding="utf-8")
    assert main(["add", str(new), "--corpus", str(corpus), "--index", str(index), "--encoders", "fake"]) == 0
    assert load_index(index).manifest["faiss"]["fake"]["type"] == "ivf"


def test_an_unknown_faiss_type_is_refused_before_any_work(library, tmp_path):
    corpus, _ = library
    with pytest.raises(ValueError, match="auto, flat, ivf"):
        build_index(corpus, tmp_path / "x", [FakeEncoder()], faiss="hnsw")
    assert not (tmp_path / "x").exists()


def test_a_question_naming_a_reports_year_or_round_is_asked_of_that_report(assistant):
    """ "In the 2019 report, ..." with reports of 2019 and 2022 loaded: the 2019 one answers (it was refused as
    "another evaluation" whenever a 2022 report ranked first); a year or round no report has changes nothing."""
    a = assistant.ask("According to the 2019 evaluation, were clandestine laboratories dismantled?", k=6)
    assert reports_of(a) == {"atlantis-2019"}
    a = assistant.ask("In the eighth evaluation round, were clandestine laboratories dismantled?", k=6)
    assert reports_of(a) == {"ruritania-2022", "utopia-2022"}
    a = assistant.ask("In the 2024 report, were clandestine laboratories dismantled?", k=6)
    assert len(reports_of(a)) == 3
    # an explicit filter wins over the question's words
    a = assistant.ask("According to the 2019 evaluation, were clandestine laboratories dismantled?", k=6,
                      report="ruritania-2022")
    assert reports_of(a) == {"ruritania-2022"}


def test_a_build_killed_outright_leaves_nothing_behind_after_the_next_build(library, monkeypatch):
    """SIGKILL skips every cleanup: the staging folder stays beside the index. The next build takes its
    finished entries (the report embedded before the kill is not embedded again) and removes it; a folder of
    a build still running is left alone."""
    from memqa.cache import BuildCache

    corpus, index = library
    for stem in REPORTS:
        write_report(corpus, stem, extra="\nA change that needs a rebuild.\n")
    with monkeypatch.context() as m:
        m.setattr(BuildCache, "__exit__", lambda self, *exc: None)  # as if the process died at once
        with pytest.raises(KeyboardInterrupt):
            build_index(corpus, index, [CountingEncoder(fail_after=2)])
    left = [p for p in index.parent.iterdir() if p.name.startswith(".index.cache-")]
    assert len(left) == 1
    dead = left[0].rename(index.parent / ".index.cache-999999999-killed")  # a pid no process has
    running = index.parent / f".index.cache-{os.getpid()}-running"
    running.mkdir()
    m = build_index(corpus, index, [CountingEncoder()])
    assert len(m["build"]["reused"]["fake"]) == 1 and len(m["build"]["embedded"]["fake"]) == 2
    assert not dead.exists() and running.is_dir()


def test_table_of_contents_and_scorecard_by_report_and_unknown_parameters_refused(library, assistant, capsys):
    """From a trial: `memqa sections` ran three reports' units together with no report named, GET /sections
    ignored ?report=, /scorecard ignored ?status= (MCP has it) and a misspelt ?reprot= was silently ignored."""
    corpus, index = library
    assert main(["sections", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    heads = [ln for ln in out.splitlines() if ln.startswith("== ")]
    assert len(heads) == 3 and {h.split()[1] for h in heads} == {rid for rid, *_ in REPORTS.values()}
    assert main(["sections", "--corpus", str(corpus), "--report", "atlantis-2019"]) == 0
    out = capsys.readouterr().out
    assert "== " not in out and out.strip()
    assert main(["sections", "--corpus", str(corpus), "--report", "nowhere-1999"]) == 2
    assert "use one of" in capsys.readouterr().err

    with TestClient(create_app(assistant)) as client:
        rows = client.get("/sections", params={"report": "atlantis-2019"}).json()
        assert rows and {r["report"] for r in rows} == {"atlantis-2019"}
        assert len(client.get("/sections").json()) > len(rows)
        assert client.get("/sections", params={"report": "nowhere"}).status_code == 422
        card = client.get("/scorecard", params={"status": "gap"}).json()
        assert all(r["assessment"]["status"] == "gap" for r in card)
        assert len(card) < len(client.get("/scorecard").json())
        for path, params in (("/scorecard", {"reprot": "atlantis-2019"}), ("/compare", {"priority_action": "1.2",
                             "report": "atlantis-2019"}), ("/reports", {"x": "1"}), ("/sections", {"repor": "a"})):
            r = client.get(path, params=params)
            assert r.status_code == 422 and "unknown query parameter" in r.json()["error"], path


def test_a_question_about_every_report_points_to_compare(assistant):
    """From a trial: "How do the countries handle ...?" was answered from one report with nothing saying how to
    read them all; the notice now names the comparison of the top unit's priority action (one report: no hint)."""
    a = assistant.ask("How do the countries dismantle clandestine laboratories?")
    assert "memqa compare 1.2" in a.notice and "GET /compare?priority_action=1.2" in a.notice
    assert "memqa compare" not in assistant.ask("How does Atlantis dismantle clandestine laboratories?").notice
    assert "memqa compare" not in assistant.ask("How do the countries dismantle laboratories?",
                                                report="atlantis-2019").notice


def test_one_report_gets_no_compare_hint(fake_assistant):
    assert "memqa compare" not in fake_assistant.ask("How do the countries handle Project ION?").notice


def test_a_question_about_one_countrys_partners_gets_no_compare_hint(assistant, monkeypatch):
    """"Which countries does Mexico cooperate with?" names one loaded country: it is asked of that report and
    is not about several reports."""
    metas = {rid: dict(m) for rid, m in assistant.report_metas.items()}
    metas["atlantis-2019"]["country"] = "Mexico"  # a member state the vocabulary knows
    monkeypatch.setattr(assistant, "report_metas", metas)
    a = assistant.ask("Which countries does Mexico cooperate with on clandestine laboratories?", k=6)
    assert reports_of(a) == {"atlantis-2019"} and "memqa compare" not in a.notice
    assert "memqa compare" in assistant.ask("How do the countries dismantle clandestine laboratories?").notice


def test_a_language_given_by_name_in_the_metadata_filters_by_its_code(tmp_path):
    """From a trial: metadata "language": "Spanish" was accepted but the language filter then wanted
    "Spanish", not "es", unlike every other report. Names memqa knows become codes, in the listing too."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem in REPORTS:
        write_report(corpus, stem)
    meta = corpus / "mem-2022-utopia.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"language": "es"', '"language": "Español"'),
                    encoding="utf-8")
    build_index(corpus, tmp_path / "index", [FakeEncoder()])
    a = Assistant.load(tmp_path / "index", encoders=[FakeEncoder()], corpus_dir=corpus)
    assert a.library.values["language"] == ["en", "es"]
    assert {r.report_id: r.language for r in a.library.entries}["utopia-2022"] == "es"
    for value in ("es", "Spanish", "español"):
        assert reports_of(a.ask("laboratories", k=6, language=value)) == {"utopia-2022"}
