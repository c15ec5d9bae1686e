"""Parser: the real Mexico report -> 76 citable units, with every quirk of its PDF-extracted text."""
from __future__ import annotations

import dataclasses
from itertools import pairwise
from pathlib import Path

import pytest

from memqa.corpus import read_meta
from memqa.errors import NotAReportError
from memqa.parsing import clean_title, normalise, parse_report

REPORT = Path(__file__).resolve().parent.parent / "corpus" / "mem-2022-mexico.txt"
RID = "mexico-2022"

# Priority actions per objective; 12.4 is printed between 12.1 and 12.2 (it shares 12.1's body).
PER_OBJECTIVE = {1: 10, 2: 5, 3: 8, 4: 3, 5: 4, 6: 5, 7: 7, 8: 4, 9: 5, 10: 7, 11: 3}
HEADINGS = [f"{o}.{m}" for o, n in PER_OBJECTIVE.items() for m in range(1, n + 1)] + ["12.1", "12.4", "12.2", "12.3"]
JOINT = {"8.2": "8.1", "12.4": "12.1"}  # heading -> the unit that answers it


@pytest.fixture(scope="module")
def meta():
    return read_meta(REPORT)


@pytest.fixture(scope="module")
def raw() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(raw, meta):
    return parse_report(raw, meta)


@pytest.fixture(scope="module")
def sec(report):
    """Sections by short id: sec["pa-2.4"], sec["summary-3"], sec["preface"]."""
    return {s.id.split("/", 1)[1]: s for s in report.sections}


def body(section) -> str:
    return section.text[section.body_start :]


# --------------------------------------------------------------------------- shape of the report
def test_report_has_76_citable_units(report):
    kinds = [s.kind for s in report.sections]
    assert len(kinds) == 76
    assert kinds.count("preface") == 1
    assert kinds.count("priority_action") == 63
    assert kinds.count("evaluative_summary") == 12


def test_units_come_in_reading_order_with_stable_ids(report):
    pa_units = [h for h in HEADINGS if h not in JOINT]
    expected = ["preface"] + [f"pa-{n}" for n in pa_units] + [f"summary-{n}" for n in range(1, 13)]
    assert [s.id for s in report.sections] == [f"{RID}/{x}" for x in expected]


def test_all_65_headings_are_found_in_reading_order(report):
    assert [h.number for h in report.headings] == HEADINGS
    assert len(HEADINGS) == 65


def test_every_heading_belongs_to_exactly_one_unit(report):
    assert [h.number for s in report.sections for h in s.headings] == HEADINGS


def test_every_heading_id_maps_to_its_unit(report):
    unit_of = report.unit_of()
    for n in HEADINGS:
        assert unit_of[f"{RID}/pa-{n}"] == f"{RID}/pa-{JOINT.get(n, n)}"


def test_twelve_objectives_with_full_titles(report):
    assert sorted(report.objectives) == list(range(1, 13))
    assert report.objectives[1].startswith("DEVELOP AND/OR STRENGTHEN NATIONAL- AND REGIONAL-LEVEL INTERDICTION")
    assert report.objectives[1].endswith("EACH COUNTRY'S DOMESTIC LEGISLATION AND RESPECT FOR HUMAN RIGHTS.")
    assert report.objectives[12] == (
        "ADDRESS THE EFFECTS OF SMALL-SCALE DRUG TRAFFICKING ON PUBLIC HEALTH, THE ECONOMY, "
        "SOCIAL COHESION, AND CITIZEN SECURITY."
    )


@pytest.mark.parametrize("number", range(1, 13))
def test_objective_title_is_one_complete_line_of_text(report, number):
    title = report.objectives[number]
    assert len(title) > 50 and "\n" not in title and "Priority Action" not in title


# --------------------------------------------------------------------------- priority actions
@pytest.mark.parametrize(
    "number, title",
    [
        ("1.10", ("Enhance capacities for forfeiture, seizure, and management of assets, tools, or products "
                  "related to illicit drug markets.")),
        ("7.3", ("Enhance investigations by competent authorities into drug trafficking cases linked to money "
                 "laundering and illicit use of assets.")),
        ("11.3", "Promote and strengthen the use of environmental management tools, as appropriate."),
        ("12.4", ("Encourage the development and implementation of comprehensive intervention strategies to "
                  "counter local illicit distribution and sale of drugs.")),
    ],
)
def test_heading_titles_are_complete(report, number, title):
    assert {h.number: h.title for h in report.headings}[number] == title


def test_heading_title_of_2_4_is_the_whole_long_line(report):
    title = {h.number: h.title for h in report.headings}["2.4"]
    assert title.startswith("Promote participation in the Project ION Incident Communication System (IONICS)")
    assert title.endswith("other non-medical synthetic opioids and amphetamine derivatives.")


def test_dangling_footnote_marker_is_stripped_from_the_3_2_title(raw, report):
    line = raw.split("\n")[296 - 1]
    assert line.startswith("Priority Action 3.2:") and line.endswith("international control. 27)")
    title = {h.number: h.title for h in report.headings}["3.2"]
    assert title.endswith("to identify substances for expedited international control.")


@pytest.mark.parametrize(
    "raw_title, clean",
    [
        ("Use the *PEN Online* system. 27)", "Use the PEN Online system."),
        ("**Train**   personnel", "Train personnel"),
        ("Control precursors 3)", "Control precursors"),
        ("", ""),
    ],
)
def test_clean_title_strips_emphasis_footnotes_and_spaces(raw_title, clean):
    assert clean_title(raw_title) == clean


def test_no_title_keeps_markdown_emphasis(report):
    assert not [s.id for s in report.sections if "*" in s.title]
    assert not [h.number for h in report.headings if "*" in h.title]


def test_priority_action_unit_2_4(report, sec):
    s = sec["pa-2.4"]
    assert (s.kind, s.objective, s.priority_action, s.label) == ("priority_action", 2, "2.4", "Priority Action 2.4")
    assert (s.start_line, s.end_line) == (259, 266)
    assert s.objective_title == report.objectives[2]
    assert s.text.startswith("Priority Action 2.4: Promote participation")
    assert body(s).startswith("Mexico takes part in the International Operations on New Psychoactive Substances")


def test_every_priority_action_starts_with_its_heading_and_has_a_body(sec):
    for sid, s in sec.items():
        if s.kind != "priority_action":
            continue
        assert s.text.startswith(f"Priority Action {s.priority_action}:"), sid
        assert body(s).strip(), sid
        assert not body(s).lstrip().startswith("Priority Action"), sid


@pytest.mark.parametrize("number, objective", [("1.1", 1), ("3.8", 3), ("7.7", 7), ("10.1", 10), ("12.3", 12)])
def test_priority_action_knows_its_objective(sec, number, objective):
    assert sec[f"pa-{number}"].objective == objective


def test_heading_without_body_joins_the_next_heading(sec):
    s = sec["pa-8.1"]
    assert [h.number for h in s.headings] == ["8.1", "8.2"]
    assert s.label == "Priority Actions 8.1 and 8.2"
    assert (s.start_line, s.end_line) == (638, 644)
    assert [h.line for h in s.headings] == [638, 640]
    assert s.title == " / ".join(h.title for h in s.headings)
    assert body(s).startswith("Mexico has the Institute for Returning to the People what was Stolen (INDEP)")
    assert "pa-8.2" not in sec


def test_two_headings_share_one_body_out_of_numeric_order(sec):
    s = sec["pa-12.1"]
    assert [h.number for h in s.headings] == ["12.1", "12.4"]
    assert s.label == "Priority Actions 12.1 and 12.4"
    assert (s.start_line, s.end_line) == (790, 794)
    assert body(s).startswith("Mexico has developed and implemented approaches to control micro-trafficking")
    assert "pa-12.4" not in sec
    assert (sec["pa-12.2"].start_line, sec["pa-12.3"].start_line) == (796, 805)


@pytest.mark.parametrize("number, text, lines", [("11.2", "Not applicable.", (777, 779)),
                                                  ("11.3", "Not Applicable.", (781, 783))])
def test_not_applicable_body_is_its_own_unit(sec, number, text, lines):
    s = sec[f"pa-{number}"]
    assert [h.number for h in s.headings] == [number]
    assert body(s) == text
    assert (s.start_line, s.end_line) == lines


# --------------------------------------------------------------------------- summary and preface
@pytest.mark.parametrize("number", range(1, 13))
def test_each_objective_has_an_evaluative_summary_block(report, sec, number):
    s = sec[f"summary-{number}"]
    assert (s.kind, s.objective, s.priority_action, s.headings) == ("evaluative_summary", number, None, ())
    assert s.label == f"Evaluative Summary, Objective {number}"
    assert s.text.startswith(f"Objective {number}\n")
    assert body(s).startswith("CICAD ")
    # The summary repeats the objective's title in sentence case (its punctuation differs at times).
    assert s.title.split()[0].lower() == report.objectives[number].split()[0].lower()
    assert s.title != s.title.upper() and "\n" not in s.title


@pytest.mark.parametrize(
    "number, title",
    [
        (2, ("Strengthen national measures to address the challenges posed by NPS and illicit synthetic drugs, and "
             "the threat of fentanyl-related substances, non-medical synthetic opioids, and illicit amphetamine "
             "derivatives.")),
        (12, ("Address the effects of small-scale drug trafficking on public health, the economy, social cohesion, "
              "and citizen security.")),
    ],
)
def test_summary_titles(sec, number, title):
    assert sec[f"summary-{number}"].title == title


def test_last_summary_stops_before_the_back_matter(sec):
    s = sec["summary-12"]
    assert "1889 F Street" not in s.text
    assert "ORGANIZATION OF AMERICAN STATES" not in s.text
    assert (s.start_line, s.end_line) == (888, 892)


def test_preface_runs_from_its_heading_to_the_first_objective(sec):
    s = sec["preface"]
    assert (s.id, s.kind, s.label, s.objective) == (f"{RID}/preface", "preface", "Preface", None)
    assert (s.start_line, s.end_line) == (43, 59)
    assert body(s).startswith("The Multilateral Evaluation Mechanism (MEM), established by a mandate")
    assert s.text.endswith("both at the national and regional levels.")


# --------------------------------------------------------------------------- offsets and lines
def test_every_section_text_is_the_exact_source_slice(report):
    for s in report.sections:
        assert report.text[s.start_char : s.end_char] == s.text, s.id


def test_every_section_line_numbers_are_the_lines_of_its_offsets(report):
    for s in report.sections:
        assert s.start_line == report.text.count("\n", 0, s.start_char) + 1, s.id
        assert s.end_line == report.text.count("\n", 0, s.end_char - 1) + 1, s.id


def test_every_heading_line_holds_its_heading(report):
    lines = report.text.split("\n")
    for h in report.headings:
        assert lines[h.line - 1].startswith(f"Priority Action {h.number}:"), h.number


def test_sections_do_not_overlap(report):
    spans = sorted((s.start_char, s.end_char) for s in report.sections)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))


# --------------------------------------------------------------------------- platform variants
def _key(parsed):
    return [(s.id, s.title, s.start_line, s.end_line, [h.line for h in s.headings]) for s in parsed.sections]


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t,
        lambda t: "\ufeff" + t.replace("\n", "\r\n"),
    ],
    ids=["crlf", "bom", "bom+crlf"],
)
def test_crlf_and_bom_parse_like_lf(raw, meta, report, variant):
    other = parse_report(variant(raw), meta)
    assert _key(other) == _key(report)
    assert [s.text.replace("\r\n", "\n") for s in other.sections] == [s.text for s in report.sections]
    assert other.objectives == report.objectives


def test_normalise_drops_bom_and_carriage_returns():
    assert normalise("\ufeffa\r\nb\rc\n") == "a\nb\nc\n"


# --------------------------------------------------------------------------- not a report
NO_PA = """PREFACE

Some text.

OBJECTIVE
1

REDUCE SUPPLY.

The country reports progress without any numbered headings.
"""


@pytest.mark.parametrize(
    "text, missing",
    [
        ("", "Priority Action"),
        ("It was a dark and stormy night.\n\nThe rain fell in torrents, except at occasional intervals.\n",
         "Priority Action"),
        (NO_PA, "Priority Action"),
        ("Priority Action 1.1: Do things.\n\nThe country does things.\n", "OBJECTIVE"),
    ],
    ids=["empty", "prose", "objectives-without-priority-actions", "priority-actions-without-objectives"],
)
def test_not_a_report_names_the_file_and_what_was_expected(meta, text, missing):
    with pytest.raises(NotAReportError) as e:
        parse_report(text, dataclasses.replace(meta, source="notes.txt"))
    msg = str(e.value)
    assert msg.startswith("notes.txt: does not look like a MEM evaluation report")
    assert missing in msg
    assert "memqa build" in msg


def test_duplicate_heading_is_rejected(meta):
    text = "OBJECTIVE\n1\n\nTITLE.\n\nPriority Action 1.1: A.\n\nBody a.\n\nPriority Action 1.1: A again.\n\nBody b.\n"
    with pytest.raises(NotAReportError, match=r"pa-1\.1.*memqa build"):
        parse_report(text, meta)
