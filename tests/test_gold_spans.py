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
