"""Gold answer units (quoted from the .txt) are found in a report's text, verbatim or modulo the .txt's markup."""
from __future__ import annotations

from types import SimpleNamespace

from memqa.evaluate import gold_spans


def assistant(*texts: str, start: int = 1000):
    sections, offset = [], start
    for t in texts:
        sections.append(SimpleNamespace(text=t, start_char=offset))
        offset += len(t) + 2
    return SimpleNamespace(sections=sections)


def test_a_verbatim_unit_gives_its_offsets():
    a = assistant("Preface.", "Mexico has the National Law of Extinction of Ownership (*Extinción de Dominio*).")
    unit = "National Law of Extinction of Ownership (*Extinción de Dominio*)"
    (s, e), = gold_spans(a, [unit])
    sec = a.sections[1]
    assert sec.text[s - sec.start_char : e - sec.start_char] == unit


def test_a_unit_with_txt_emphasis_is_found_in_the_pdf_text_without_it():
    pdf = assistant("Preface.", "Mexico has the National Law of Extinction of Ownership (Extinción de\nDominio).")
    (s, e), = gold_spans(pdf, ["National Law of Extinction of Ownership (*Extinción de Dominio*)"])
    sec = pdf.sections[1]
    assert sec.text[s - sec.start_char : e - sec.start_char] == "National Law of Extinction of Ownership (Extinción de\nDominio)"


def test_a_unit_that_is_not_there_gives_no_span():
    assert gold_spans(assistant("Preface."), ["National Law"]) == []


def test_each_confidence_label_reports_its_top1_precision_and_answer_accuracy():
    from memqa.evaluate import GoldQuestion, confidence_table

    gold = [GoldQuestion("a", "q", "en", "k", ("u1",)), GoldQuestion("b", "q", "en", "k", ("u1",)),
            GoldQuestion("c", "q", "en", "k", ("u2",)), GoldQuestion("d", "q", "en", "unanswerable", ())]
    labels = {"a": "high", "b": "high", "c": "medium", "d": "high"}
    run = {"a": {"u1": 2.0, "u2": 1.0}, "b": {"u2": 2.0, "u1": 1.0}, "c": {"u2": 1.0}, "d": {"u1": 1.0}}
    qrels = {g.id: {u: 1 for u in g.gold} for g in gold}
    t = confidence_table(gold, labels, run, qrels, answered={"a": True, "b": True, "c": False})
    assert t["high"]["top1_precision"] == 0.5 and t["high"]["answer_accuracy"] == 1.0  # b: wrong unit, right answer
    assert t["high"]["unanswerable"] == 1 and t["high"]["share_of_answerable"] == 2 / 3
    assert t["medium"]["answer_accuracy"] == 0.0 and t["low"]["answer_accuracy"] is None
