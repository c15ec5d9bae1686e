"""Chunking: every passage is an exact slice of the source, fits the encoder window, nothing is lost."""
from __future__ import annotations

from itertools import groupby, pairwise
from pathlib import Path

import pytest

from memqa.build import build_index
from memqa.chunking import ChunkSettings, chunk_sections, context_prefix
from memqa.corpus import read_meta
from memqa.encoders import FakeEncoder
from memqa.errors import MemqaError, SettingsError
from memqa.parsing import parse_report
from memqa.store import load_index
from memqa.tokens import count_tokens

REPORT = Path(__file__).resolve().parent.parent / "corpus" / "mem-2022-mexico.txt"
WINDOW = 256


def words(text: str) -> int:
    """The fake encoder's token count: words plus [CLS]/[SEP]."""
    return FakeEncoder().count_tokens(text)


@pytest.fixture(scope="module")
def report():
    return parse_report(REPORT.read_text(encoding="utf-8"), read_meta(REPORT))


@pytest.fixture(scope="module")
def passages(report):
    return chunk_sections(report.sections, report.text, words, count_tokens, ChunkSettings(max_tokens=WINDOW))


def by_section(passages) -> dict[str, list]:
    return {sid: list(g) for sid, g in groupby(passages, key=lambda p: p.section_id)}


def uncovered(section, passages) -> str:
    """Non-blank characters of the section that no passage contains."""
    covered = [False] * len(section.text)
    for p in passages:
        for i in range(p.start_char - section.start_char, p.end_char - section.start_char):
            covered[i] = True
    return "".join(c for c, ok in zip(section.text, covered) if not ok and not c.isspace())


# --------------------------------------------------------------------------- offsets and lines
def test_every_passage_is_the_exact_source_slice(report, passages):
    for p in passages:
        assert report.text[p.start_char : p.end_char] == p.text, p.id


def test_every_passage_line_numbers_are_the_lines_of_its_offsets(report, passages):
    for p in passages:
        assert p.start_line == report.text.count("\n", 0, p.start_char) + 1, p.id
        assert p.end_line == report.text.count("\n", 0, p.end_char - 1) + 1, p.id


def test_every_passage_lies_inside_its_section(report, passages):
    sections = {s.id: s for s in report.sections}
    for p in passages:
        s = sections[p.section_id]
        assert s.start_char <= p.start_char < p.end_char <= s.end_char, p.id
        assert s.start_line <= p.start_line <= p.end_line <= s.end_line, p.id


def test_passage_text_has_no_surrounding_blank_space(passages):
    assert all(p.text == p.text.strip() for p in passages)


def test_passage_tokens_are_cl100k_counts_of_the_text(passages):
    for p in passages:
        assert p.tokens == count_tokens(p.text), p.id


# --------------------------------------------------------------------------- ids
def test_passage_ids_are_section_id_and_index(report, passages):
    groups = by_section(passages)
    assert list(groups) == [s.id for s in report.sections]  # every section has passages, in order
    for sid, ps in groups.items():
        assert [p.id for p in ps] == [f"{sid}#{k}" for k in range(len(ps))]
        assert [p.index for p in ps] == list(range(len(ps)))


def test_passage_ids_are_stable_across_two_builds(tiny_corpus, tmp_path):
    build_index(tiny_corpus, tmp_path / "a", [FakeEncoder()])
    build_index(tiny_corpus, tmp_path / "b", [FakeEncoder()])
    a, b = load_index(tmp_path / "a").passages, load_index(tmp_path / "b").passages
    assert [(p.id, p.start_char, p.end_char) for p in a] == [(p.id, p.start_char, p.end_char) for p in b]
    assert "ruritania-2022/pa-1.2#0" in {p.id for p in a}


# --------------------------------------------------------------------------- windows
def test_every_embed_text_fits_the_encoder_window(passages):
    for p in passages:
        assert words(p.embed_text) <= WINDOW, p.id


@pytest.mark.parametrize("window", [100, 160])
def test_smaller_windows_fit_and_still_cover_every_section(report, window):
    ps = chunk_sections(report.sections, report.text, words, count_tokens, ChunkSettings(max_tokens=window))
    assert all(words(p.embed_text) <= window for p in ps)
    groups = by_section(ps)
    for s in report.sections:
        assert uncovered(s, groups[s.id]) == "", s.id


def test_every_section_is_covered_by_its_passages(report, passages):
    groups = by_section(passages)
    for s in report.sections:
        assert uncovered(s, groups[s.id]) == "", s.id


@pytest.mark.parametrize("section", ["preface", "pa-1.6"])
def test_long_unit_is_split_into_overlapping_passages(report, passages, section):
    sid = f"mexico-2022/{section}"
    s = next(x for x in report.sections if x.id == sid)
    ps = by_section(passages)[sid]
    assert len(ps) >= 3
    assert ps[0].start_char == s.start_char and ps[-1].end_char == s.end_char
    assert all(b.start_char < a.end_char for a, b in pairwise(ps))  # neighbours overlap
    assert uncovered(s, ps) == ""


def test_short_unit_is_one_passage_equal_to_the_section(report, passages):
    s = next(x for x in report.sections if x.id == "mexico-2022/pa-2.4")
    (p,) = by_section(passages)[s.id]
    assert (p.text, p.start_line, p.end_line) == (s.text, 259, 266)


# --------------------------------------------------------------------------- embed text
def test_embed_text_starts_with_the_section_context(passages):
    ps = {p.id: p for p in passages}
    assert ps["mexico-2022/pa-2.4#0"].embed_text.startswith(
        "Objective 2. Priority Action 2.4: Promote participation in the Project ION")
    assert ps["mexico-2022/summary-3#0"].embed_text.startswith("CICAD evaluative summary, Objective 3\n")
    assert ps["mexico-2022/preface#1"].embed_text.startswith("Preface of the MEM evaluation report")


def test_context_prefix_of_a_joint_unit_names_both_headings(report):
    s = next(x for x in report.sections if x.id == "mexico-2022/pa-8.1")
    assert context_prefix(s).startswith("Objective 8. Priority Actions 8.1 and 8.2: ")


def test_embed_text_is_cleaned(passages):
    ps = {p.id: p for p in passages}
    assert "\t" not in ps["mexico-2022/pa-5.2#0"].embed_text
    assert "Criminal | 2021" in ps["mexico-2022/pa-5.2#0"].embed_text
    assert not [p.id for p in passages if "<ul" in p.embed_text or "<i>" in p.embed_text]


def test_a_window_too_small_for_the_context_is_a_clear_error(report):
    with pytest.raises(SettingsError, match="--max-tokens") as e:
        chunk_sections(report.sections, report.text, words, count_tokens, ChunkSettings(max_tokens=10))
    assert isinstance(e.value, MemqaError)


@pytest.mark.slow
def test_every_embed_text_fits_the_real_minilm_tokenizer(report):
    from memqa.toc import tokenizer_counter

    window, count = tokenizer_counter(["minilm"])
    assert window == 256
    ps = chunk_sections(report.sections, report.text, count, count_tokens, ChunkSettings(max_tokens=window))
    too_long = [(p.id, count(p.embed_text)) for p in ps if count(p.embed_text) > window]
    assert too_long == []
    groups = by_section(ps)
    assert len(groups["mexico-2022/pa-1.6"]) > 1
    for s in report.sections:
        assert uncovered(s, groups[s.id]) == "", s.id
