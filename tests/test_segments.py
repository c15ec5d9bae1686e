"""Segments (sentences, list items, table rows) and clean(): page breaks, tables, HTML and emphasis."""
from __future__ import annotations

from pathlib import Path

import pytest

from memqa.corpus import read_meta
from memqa.parsing import parse_report
from memqa.segments import clean, is_page_break, paragraph_spans, segment

REPORT = Path(__file__).resolve().parent.parent / "corpus" / "mem-2022-mexico.txt"
TABLES = ["3.1", "3.4", "3.6", "4.1", "5.2", "10.5", "12.2"]


@pytest.fixture(scope="module")
def sec():
    r = parse_report(REPORT.read_text(encoding="utf-8"), read_meta(REPORT))
    return {s.id.split("/", 1)[1]: s for s in r.sections}


def pieces(text: str, start: int = 0) -> list[str]:
    return [text[s.start : s.end] for s in segment(text, start)]


# --------------------------------------------------------------------------- small, hand-checked
def test_segment_splits_sentences_items_and_rows():
    assert pieces("A b. C d.\n- item one\nrow\tcell") == ["A b.", "C d.", "- item one", "row\tcell"]


def test_segment_offsets_point_into_the_text():
    text = "Head.\n\nOne two. Three four.\n\n- x\n- y"
    assert [(s.start, s.end, s.kind) for s in segment(text, 7)] == [
        (7, 15, "sentence"), (16, 27, "sentence"), (29, 32, "item"), (33, 36, "item")]


def test_abbreviations_do_not_end_a_sentence():
    assert pieces("Training in Orlando, Florida, U.S.A. took place. It ended.") == [
        "Training in Orlando, Florida, U.S.A. took place.", "It ended."]


def test_list_item_wraps_onto_the_next_line():
    assert pieces("- an item that\ncontinues here\n- next") == ["- an item that\ncontinues here", "- next"]


@pytest.mark.parametrize(
    "prev, nxt, expected",
    [
        ("comprised of the Ministry of Foreign Affairs, the National Guard, and the Tax", "Administration Service",
         True),  # long prose without a full stop continues after the break
        ("- the Ministry of Foreign Affairs, and the Tax", "Administration Service", True),  # a short item tail
        ("Security Cabinet meetings", "The country reports.", False),  # a short caption-like line
        ("Mexico conducts analyses regarding substances that pose a threat", "to public health.", True),  # lower case
        ("The country has a law.", "It applies nationwide.", False),  # a finished sentence
        ("Some paragraph ends here without a full stop but it is long", "- A list item", False),  # a list follows
        ("Priority Action 3.2: Conduct analyses. 27)", "Mexico conducts analyses.", False),  # a heading never continues
        ("Name\tValue", "Next row", False),  # a table row
    ],
)
def test_is_page_break(prev, nxt, expected):
    assert is_page_break(prev, nxt, prev.rsplit("\n", 1)[-1]) is expected


def test_a_glued_list_item_tail_does_not_swallow_the_next_paragraph():
    text = "- item one\n- and the Tax\n\nAdministration Service\n\nIn addition, another paragraph starts here."
    assert [text[a:b] for a, b in paragraph_spans(text)] == [
        "- item one\n- and the Tax\n\nAdministration Service", "In addition, another paragraph starts here."]


@pytest.mark.parametrize(
    "text, cleaned",
    [
        ("The *Fiscalía General* (FGR).", "The Fiscalía General (FGR)."),
        ("A **bold** word and a stray * star.", "A bold word and a stray star."),
        ("The (<i>Sistema Penal</i>).", "The ( Sistema Penal )."),
        ("Name\tYes\tNo\nRow\t\tX", "Name | Yes | No\nRow | | X"),
        ("Cell\t<ul> • first. • second.</ul>", "Cell |\n- first.\n- second."),
        ("the Ministry of Foreign Affairs, the National Guard, and the Tax\n\nAdministration Service.",
         "the Ministry of Foreign Affairs, the National Guard, and the Tax Administration Service."),
    ],
)
def test_clean(text, cleaned):
    assert clean(text) == cleaned


# --------------------------------------------------------------------------- the real report's quirks
def test_page_break_in_1_2_is_one_segment_and_joined_by_clean(sec):
    s = sec["pa-1.2"]
    segs = pieces(s.text, s.body_start)
    broken = [x for x in segs if "and the Tax" in x]
    assert len(broken) == 1 and broken[0].endswith("and the Tax\n\nAdministration Service")
    assert any(x.startswith("In addition, The National Institute of Women (INMUJERES)") for x in segs)
    assert "and the Tax Administration Service\nIn addition, The National Institute" in clean(s.text)


@pytest.mark.parametrize(
    "section, joined",
    [
        ("pa-3.2", "that pose a threat to public health. This includes:"),
        ("pa-5.3", "narcotic drugs and psychotropic substances:"),
        ("pa-10.4", "or preventive alternative development programs, in the medium or long term."),
        ("summary-8", "to facilitate the accountability and transparency"),
    ],
)
def test_other_page_breaks_are_rejoined(sec, section, joined):
    assert joined in clean(sec[section].text)


def test_heading_with_footnote_marker_stays_on_its_own_line(sec):
    first, second = clean(sec["pa-3.2"].text).split("\n")[:2]
    assert first.startswith("Priority Action 3.2:") and first.endswith("27)")
    assert second.startswith("Mexico conducts analyses")


@pytest.mark.parametrize("number", TABLES)
def test_each_table_row_is_one_segment(sec, number):
    s = sec[f"pa-{number}"]
    rows = [line.strip() for line in s.text.split("\n") if "\t" in line]
    assert len(rows) >= 2
    row_segments = [s.text[x.start : x.end].strip() for x in segment(s.text, s.body_start) if x.kind == "row"]
    assert row_segments == rows


@pytest.mark.parametrize(
    "number, row",
    [
        ("3.1", "COFEPRIS | Yes, health surveillance checks are conducted throughout the annual cycle | Yes | No"),
        ("3.4", ("Order the seizure of any controlled substance if there is sufficient evidence that it is to be "
                 "used in the illicit manufacture of narcotic drugs or psychotropic substances | | X")),
        ("3.6", ("Sampling plan for Chemical Experts. | Office for general coordination of expert services: "
                 "General Directorate of Forensic Laboratories.")),
        ("4.1", "Medications containing narcotic or psychotropic substances | 14 days | 14 days"),
        ("5.2", "Criminal | 2021"),
        ("10.5", "Agricultural Research Institute | | X"),  # the X is in the "No" column
        ("10.5", "Ministry of Agriculture | X |"),  # the X is in the "Yes" column
        ("12.2", ("State Roundtables for Peacebuilding, at the national level | Interagency meetings, through the "
                  "National Security Council | 2019 to date, on an ongoing basis")),
    ],
)
def test_clean_keeps_table_rows_readable(sec, number, row):
    assert row in clean(sec[f"pa-{number}"].text).split("\n")


def test_html_list_in_a_table_cell_becomes_items(sec):
    text = clean(sec["pa-8.3"].text)
    assert "<ul" not in text and "</" not in text and "•" not in text
    items = [line for line in text.split("\n") if line.startswith("- ")]
    assert len(items) == 4
    assert items[0].startswith('- Online course entitled "Secured Assets, their Operability and Transfer"')
    assert items[1].startswith('- Keynote Lecture entitled "Final Destination of Secured Assets"')


def test_stray_italic_tag_in_3_6_is_removed(sec):
    s = sec["pa-3.6"]
    assert "<i>" in s.text
    text = clean(s.text)
    assert "<i>" not in text and "</i>" not in text
    assert "Sistema Penal Acusatorio" in text


def test_markdown_emphasis_is_removed(sec):
    s = sec["pa-1.2"]
    assert "(*Fiscalía General de la República* -FGR)" in s.text
    assert "(Fiscalía General de la República -FGR)" in clean(s.text)
    assert "*" not in clean(s.text)


def test_every_section_has_segments_inside_its_text(sec):
    for sid, s in sec.items():
        spans = segment(s.text, s.body_start)
        assert spans, sid
        assert all(s.body_start <= x.start < x.end <= len(s.text) for x in spans), sid
        assert all(s.text[x.start : x.end].strip() and not s.text[x.start].isspace() for x in spans), sid
