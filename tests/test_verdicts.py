"""CICAD's verdict beside the evidence: stored in the index, on every priority-action passage, on
GET /sections/{id}, MCP get_section, the scorecard (CLI, HTTP, MCP), the CLI text."""
from __future__ import annotations

import json

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client import Client
from memqa.api.app import create_app

from memqa.assistant import Assistant
from memqa.build import build_index
from memqa.cli import main
from memqa.encoders import FakeEncoder
from memqa.mcp_server import create_server

STATUSES = {"positive", "gap", "partial", "not_applicable", "none"}


@pytest.fixture
def tiny(tiny_corpus, tmp_path):
    out = tmp_path / "index"
    build_index(tiny_corpus, out, [FakeEncoder()])
    return out, Assistant.load(out, encoders=[FakeEncoder()], corpus_dir=tiny_corpus)


def test_the_tiny_reports_verdicts_are_the_summarys_clauses(tiny):
    _, a = tiny
    rows = {r.priority_action: r.assessment for r in a.scorecard()}
    assert set(rows) == {"1.1", "1.2", "2.1", "2.2", "2.3"}
    assert rows["1.1"].status == "positive"
    assert rows["1.1"].text == "CICAD notes with satisfaction that Ruritania trains customs officers."
    assert rows["1.2"].status == "none" and rows["1.2"].citation is None
    c = rows["2.2"].citation
    assert c.kind == "evaluative_summary" and c.objective == 2
    summary = a.resolve_section(c.section_id)
    assert rows["2.2"].text in "\n".join(summary.text.split("\n")[c.start_line - summary.start_line:
                                                                  c.end_line - summary.start_line + 1])


def test_every_priority_action_passage_carries_its_verdict(fake_assistant):
    for h in fake_assistant.ask("precursor chemicals control", k=10).passages:
        if h.citation.kind == "priority_action":
            assert h.assessment is not None and h.assessment.status in STATUSES
        else:
            assert h.assessment is None


def test_the_bundled_report_has_a_verdict_for_most_headings(fake_assistant):
    rows = fake_assistant.scorecard("mexico-2022")
    assert len(rows) == 65
    assert sum(r.assessment.status != "none" for r in rows) >= 55


def test_http_sections_and_scorecard(fake_assistant):
    client = TestClient(create_app(fake_assistant))
    full = client.get("/sections/mexico-2022/pa-5.4").json()
    assert [v["priority_action"] for v in full["assessments"]] == ["5.4"]
    assert full["assessments"][0]["status"] in STATUSES
    joint = client.get("/sections/mexico-2022/pa-8.1").json()
    assert [v["priority_action"] for v in joint["assessments"]] == ["8.1", "8.2"]  # one per heading
    rows = client.get("/scorecard", params={"report": "mexico-2022"}).json()
    assert len(rows) == 65 and {r["assessment"]["status"] for r in rows} <= STATUSES
    assert client.get("/scorecard", params={"report": "peru-2020"}).status_code == 422


def test_cli_scorecard_and_ask_print_the_verdict(capsys, fake_index, mexico_corpus):
    assert main(["scorecard", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 65
    assert main(["scorecard", "--index", str(fake_index), "--corpus", str(mexico_corpus)]) == 0
    text = capsys.readouterr().out
    assert "Objective 10" in text and ("gap" in text or "meets" in text)
    assert main(["ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "-k", "3",
                 "--kind", "priority_action", "I2ES import export authorizations"]) == 0
    assert "CICAD: " in capsys.readouterr().out


def test_mcp_get_section_and_scorecard(fake_assistant):
    async def body():
        async with Client(create_server(fake_assistant)) as client:
            r = await client.call_tool("get_section", {"id": "pa-5.4"})
            assert "CICAD's assessment of 5.4" in r.content[0].text
            r = await client.call_tool("scorecard", {"status": "gap"})
            assert not r.is_error
            assert all(row["assessment"]["status"] == "gap" for row in r.structured_content["rows"])

    anyio.run(body)


def test_scorecard_is_in_priority_action_order_and_its_text_cites_each_clause_in_full(fake_assistant):
    from memqa.render import comparison_text, scorecard_text

    rows = fake_assistant.scorecard()
    numbers = [tuple(int(x) for x in r.priority_action.split(".")) for r in rows]
    assert numbers == sorted(numbers)  # 12.1, 12.2, 12.3, 12.4 (12.4 shares 12.1's unit in the source)
    text = scorecard_text(rows, width=100)
    flat = " ".join(text.split())
    for r in rows:
        if r.assessment.citation is not None:
            assert " ".join(r.assessment.text.split()) in flat and r.assessment.citation.place() in flat
        else:
            assert "(no clause of the evaluative summary judges it)" in flat
    assert "meets" not in text and "positive" in text  # the JSON's status names, as filters take them
    compared = comparison_text(fake_assistant.compare("8.1"))
    assert "*" not in compared and "CICAD, Mexico: Evaluation Report" in compared
    assert "Evaluative Summary, Objective 8, mem-2022-mexico.txt, lines" in " ".join(compared.split())


def test_a_question_about_unmet_priority_actions_is_pointed_to_the_scorecard(fake_assistant):
    from memqa.assistant import SCORECARD_HINT

    for q in ("Which priority actions does Mexico not meet?", "¿Qué deficiencias señaló la CICAD?"):
        a = fake_assistant.ask(q, k=1)
        assert a.answerable and SCORECARD_HINT in a.notice, q
    assert SCORECARD_HINT not in fake_assistant.ask("Which agencies are ION focal points?", k=1).notice
