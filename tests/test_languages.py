"""The parser reads the Spanish, Portuguese and French editions' headings, in any case, with or without accents."""
from __future__ import annotations

from pathlib import Path

import pytest

from memqa.parsing import parse_report
from memqa.types import ReportMeta

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def meta(lang: str) -> ReportMeta:
    return ReportMeta(report_id=f"x-2022-{lang}", source=f"x-{lang}.txt", country="Mexico", year=2022,
                      round="Eighth Evaluation Round", thematic_area="t", document_code="CICAD/doc.0000/22",
                      title="t", language=lang)


@pytest.mark.parametrize(
    "lang, ids, shared",
    [
        ("es", ["preface", "pa-1.1", "pa-1.2", "pa-3.4", "pa-8.1", "summary-1", "summary-3", "summary-8"], ["8.1", "8.2"]),
        ("fr", ["preface", "pa-1.1", "pa-1.2", "pa-3.4", "pa-3.5", "summary-1", "summary-3"], None),
    ],
)
def test_spanish_and_french_fixtures_parse(lang, ids, shared):
    r = parse_report((FIXTURES / f"mem-2022-mexico-{lang}.txt").read_text(encoding="utf-8"), meta(lang))
    assert [s.id.split("/")[1] for s in r.sections] == ids
    units = {s.id.split("/")[1]: s for s in r.sections}
    if shared:
        assert [h.number for h in units["pa-8.1"].headings] == shared
    assert units["summary-1"].text.split("\n")[0] in ("Objetivo 1", "Objectif 1")
    assert "\t" in units["pa-3.4"].text  # the table stays in its priority action
    assert not any("ORGANIZ" in s.text or "ORGANIS" in s.text for s in r.sections)  # back matter left out


PT = """PREFÁCIO

O Mecanismo de Avaliação Multilateral (MAM) é uma ferramenta única.

OBJETIVO
1

FORTALECER A CAPACIDADE DE INTERDIÇÃO.

Ação prioritária 1.1: Desenvolver capacidades de inteligência.

O Brasil implementa programas de capacitação contínua.

AÇÃO PRIORITÁRIA 1.2 – Implementar políticas de gênero.

O Brasil promove a perspectiva de gênero.

RESUMO AVALIATIVO

Objetivo 1

Fortalecer a capacidade de interdição.

A CICAD observa com satisfação que o Brasil implementa programas.

ORGANIZAÇÃO DOS ESTADOS AMERICANOS (OEA)
"""


def test_portuguese_headings_in_any_case_parse():
    r = parse_report(PT, meta("pt"))
    assert [s.id.split("/")[1] for s in r.sections] == ["preface", "pa-1.1", "pa-1.2", "summary-1"]
    assert [h.title for h in r.headings] == ["Desenvolver capacidades de inteligência.", "Implementar políticas de gênero."]
    assert r.sections[-1].text.endswith("implementa programas.")


@pytest.mark.parametrize(
    "heading, summary",
    [
        ("Acción Prioritaria 1.1: Título.", "RESUMEN EVALUATIVO"),
        ("ACCION PRIORITARIA 1.1 : Título.", "Resumen evaluativo"),
        ("Action prioritaire 1.1 : Titre.", "RÉSUMÉ D'ÉVALUATION"),
        ("ACTION PRIORITAIRE 1.1: Titre.", "Résumé d’évaluation"),
        ("Action prioritaire 1.1 : Titre.", "RESUME EVALUATIF"),
        ("Ação Prioritária 1.1: Título.", "RESUMO AVALIATIVO"),
        ("Acao prioritaria 1.1: Título.", "Resumo avaliativo"),
    ],
)
def test_heading_variants(heading, summary):
    text = f"OBJECTIF\n1\n\nTITRE.\n\n{heading}\n\nCorps.\n\n{summary}\n\nObjectif 1\n\nTitre.\n\nLa CICAD note.\n"
    r = parse_report(text, meta("fr"))
    assert [s.id.split("/")[1] for s in r.sections] == ["pa-1.1", "summary-1"]
    assert r.headings[0].title in ("Título.", "Titre.")
