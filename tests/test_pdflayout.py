"""The pure side of PDF reading: lines from characters, furniture, hyphens, the page map, cover metadata."""
from __future__ import annotations

import doctest

import pytest

import memqa.cover
import memqa.pdflayout
import memqa.pdftext
from memqa.cover import cover_metadata
from memqa.pdflayout import Line, Page, Table, furniture, grids, join_text, labels, lines_of, page_numbers
from memqa.pdftext import ExtractedPdf, assemble, pages_of


@pytest.mark.parametrize("module", [memqa.pdflayout, memqa.pdftext, memqa.cover])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def word(text: str, x: float, base: float, size: float = 10.0, bold: bool = False) -> list:
    """Characters of ``text`` from ``x`` at 0.5 em each."""
    return [(c, x + k * size / 2, x + (k + 1) * size / 2, base, size, bold) for k, c in enumerate(text)]


def test_lines_of_groups_by_baseline_and_spaces_by_gaps():
    chars = word("world", 60, 700) + word("Hello", 20, 700) + word("2", 85, 703, 6) + word("next", 20, 686)
    # a raised small digit is a footnote reference, written " 2)" like the corpus .txt files
    assert [(ln.text, ln.base) for ln in lines_of(chars)] == [("Hello world 2)", 700), ("next", 686)]


def test_a_wide_gap_is_a_cell_boundary():
    (ln,) = lines_of(word("Yes", 20, 700) + word("No", 200, 700))
    assert ln.text == "Yes\tNo"


def test_grids_need_two_cells():
    box = [(10, 100, 200, 100), (10, 50, 200, 50), (10, 50, 10, 100), (200, 50, 200, 100)]
    assert grids(box) == []  # a frame around text is no table
    assert len(grids([*box, (90, 50, 90, 100)])) == 1  # two cells side by side
    assert grids([(10, 100, 200, 100)]) == []  # nor is a header rule


@pytest.mark.parametrize(
    "a, b, vocab, joined",
    [
        ("the inter-", "national system", {"international"}, "the international system"),
        ("drug-", "related crime", {"drug", "related"}, "drug-related crime"),
        ("non-", "medical use", {"non-medical"}, "non-medical use"),
        ("NATIONAL-", "AND REGIONAL", set(), "NATIONAL- AND REGIONAL"),
        ("regula\xad", "tions apply", set(), "regulations apply"),
        ("2021 -", "2025 plan", set(), "2021 - 2025 plan"),
        ("ends.", "Next", set(), "ends. Next"),
    ],
)
def test_join_text_rejoins_hyphenated_words(a, b, vocab, joined):
    assert join_text(a, b, frozenset(vocab)) == joined


def _page(*texts: tuple[str, float], height: float = 800) -> Page:
    return Page(tuple(Line(t, 50, 300, y, 10, False) for t, y in texts), 600, height)


def test_running_header_and_numbers_are_furniture_but_objective_headings_are_not():
    pages = [_page(("MEXICO Report 2022", 780), ("OBJECTIVE", 740), (f"Body {'ABCD'[i]}.", 700), (str(i + 1), 30))
             for i in range(4)]
    assert furniture(pages) == {(p, k) for p in range(4) for k in (0, 3)}
    assert page_numbers(pages) == {p: 3 for p in range(4)}
    assert labels(pages, page_numbers(pages)) == ("1", "2", "3", "4")


def test_labels_follow_the_printed_numbers_after_an_unnumbered_cover():
    pages = [_page(("Cover", 400)), _page(("Title", 400))] + [_page(("Body.", 400), (str(i), 30)) for i in (1, 2, 3)]
    nums = page_numbers(pages)
    assert nums == {2: 1, 3: 1, 4: 1}
    assert labels(pages, nums) == ("1", "2", "1", "2", "3")


def test_assemble_glues_a_paragraph_over_a_page_break_and_maps_pages():
    p1 = _page(("A paragraph that runs to the", 700))
    p2 = _page(("end of the page.", 700), ("- an item", 670))
    p3 = Page((Table(((("Cell",), ("X",)),), 700, 680),), 600, 800)
    doc = assemble([p1, p2, p3])
    assert doc.text == "A paragraph that runs to the end of the page.\n\n- an item\n\nCell\tX\n"
    assert doc.page_starts == (0, doc.text.index("end"), doc.text.index("Cell"))
    assert pages_of(doc, 0, doc.text.index(".") + 1) == ("1", "2")


def test_pages_of_an_empty_map_and_of_the_last_character():
    assert pages_of(ExtractedPdf("", (), ()), 0, 0) == ("", "")
    doc = ExtractedPdf("ab", (0, 1, 2), ("i", "ii", "iii"))
    assert pages_of(doc, 1, 2) == ("ii", "ii")


@pytest.mark.parametrize(
    "cover, want",
    [
        ("MECANISMO DE EVALUACIÓN MULTILATERAL (MEM)\n\nREPÚBLICA DOMINICANA\n\nInforme de Evaluación sobre Políticas "
         "de Drogas: Fortalecimiento Institucional\n\nOCTAVA RONDA DE EVALUACIÓN\n\n2023\n\nCICAD/doc.2701/23\n\n"
         "PREFACIO\n\nEl Mecanismo de Evaluación Multilateral es una herramienta única.",
         {"country": "Dominican Republic", "year": 2023, "round": "Eighth Evaluation Round", "language": "es",
          "thematic_area": "Fortalecimiento Institucional", "document_code": "CICAD/doc.2701/23",
          "report_id": "dominican-republic-2023-es"}),
        ("MECANISMO DE AVALIAÇÃO MULTILATERAL (MAM)\n\nBRASIL\n\nRelatório de Avaliação sobre Políticas de Drogas:"
         "\n\nMedidas de Prevenção\n\nOITAVA RODADA DE AVALIAÇÃO\n\n2021\n\nPREFÁCIO\n\nO Mecanismo é único.",
         {"country": "Brazil", "year": 2021, "round": "Eighth Evaluation Round", "language": "pt",
          "thematic_area": "Medidas de Prevenção", "report_id": "brazil-2021-pt"}),
        ("Minutes of the meeting\n\nNothing was decided.", {"language": "en"}),
    ],
    ids=["es", "pt", "nothing"],
)
def test_cover_metadata_in_other_languages(cover, want):
    got = cover_metadata(cover)
    assert {k: got.get(k) for k in want} == want
    assert set(got) - set(want) <= {"title"}
