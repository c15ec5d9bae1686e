"""The corpus folder: report .txt files with .json metadata; every mistake gets a message that says what to do."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from memqa.assistant import Assistant
from memqa.build import build_index
from memqa.corpus import load_corpus, parse_corpus, read_meta
from memqa.encoders import FakeEncoder
from memqa.errors import CorpusError, MemqaError, NotAReportError, NotFoundError

TXT = "mem-2022-ruritania.txt"
META = "mem-2022-ruritania.json"


def test_tiny_corpus_loads_with_its_metadata(tiny_corpus):
    (f,) = load_corpus(tiny_corpus)
    assert f.path.name == TXT
    assert (f.meta.report_id, f.meta.country, f.meta.year, f.meta.source) == ("ruritania-2022", "Ruritania", 2022, TXT)
    assert f.sha256 == hashlib.sha256((tiny_corpus / TXT).read_bytes()).hexdigest()


def test_tiny_report_parses_into_its_units(tiny_corpus):
    (r,) = parse_corpus(load_corpus(tiny_corpus))
    assert [s.id.split("/")[1] for s in r.sections] == [
        "preface", "pa-1.1", "pa-1.2", "pa-2.1", "pa-2.3", "summary-1", "summary-2"]
    units = {s.id.split("/")[1]: s for s in r.sections}
    assert [h.number for h in units["pa-2.1"].headings] == ["2.1", "2.2"]  # 2.1 has no body of its own
    assert units["pa-2.3"].text.endswith("Not applicable.")
    assert r.objectives == {1: "REDUCE THE ILLICIT SUPPLY OF DRUGS.", 2: "CONTROL CHEMICAL PRECURSORS."}


def test_bom_and_crlf_file_loads_like_the_lf_file(tiny_corpus, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    raw = (tiny_corpus / TXT).read_text(encoding="utf-8")
    (other / TXT).write_bytes(b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").encode("utf-8"))
    shutil.copy(tiny_corpus / META, other / META)
    (a,), (b,) = parse_corpus(load_corpus(tiny_corpus)), parse_corpus(load_corpus(other))
    assert a.sections == b.sections


# --------------------------------------------------------------------------- errors
def _remove_meta(d: Path) -> None:
    (d / META).unlink()


def _bad_json(d: Path) -> None:
    (d / META).write_text('{"report_id": "ruritania-2022",', encoding="utf-8")


def _missing_keys(d: Path) -> None:
    (d / META).write_text('{"report_id": "ruritania-2022", "title": "R"}', encoding="utf-8")


def _bad_report_id(d: Path) -> None:
    data = json.loads((d / META).read_text(encoding="utf-8"))
    (d / META).write_text(json.dumps({**data, "report_id": "Ruritania 2022"}), encoding="utf-8")


def _bad_year(d: Path) -> None:
    data = json.loads((d / META).read_text(encoding="utf-8"))
    (d / META).write_text(json.dumps({**data, "year": "twenty"}), encoding="utf-8")


def _duplicate_id(d: Path) -> None:
    shutil.copy(d / TXT, d / "mem-2022-ruritania-copy.txt")
    shutil.copy(d / META, d / "mem-2022-ruritania-copy.json")


def _latin1_text(d: Path) -> None:
    (d / TXT).write_bytes("OBJECTIVE 1\n\nAcción en México\n".encode("latin-1"))


def _word_file_in_folder(d: Path) -> None:
    (d / "mem-2023-ruritania.docx").write_bytes(b"PK\x03\x04")


def _empty_folder(d: Path) -> None:
    for p in d.iterdir():
        p.unlink()


def _no_folder(d: Path) -> None:
    shutil.rmtree(d)


def _not_a_report(d: Path) -> None:
    (d / TXT).write_text("Minutes of the meeting.\n\nNothing was decided.\n", encoding="utf-8")


@pytest.mark.parametrize(
    "breakage, error, fragments",
    [
        (_remove_meta, CorpusError, [TXT, f"no metadata file {META}", "create it with the keys report_id"]),
        (_bad_json, CorpusError, [META, "not valid JSON", "fix the file", "memqa build"]),
        (_missing_keys, CorpusError, [META, "missing keys country, year, round", "add them"]),
        (_bad_report_id, CorpusError, [META, "'Ruritania 2022'", "lower-case letters, digits and '-'"]),
        (_bad_year, CorpusError, [META, "year must be a number", "'twenty'"]),
        (_duplicate_id, CorpusError, ["both use report_id 'ruritania-2022'", "give each report its own id"]),
        (_latin1_text, NotAReportError, [TXT, "not UTF-8", "convert it to UTF-8", "memqa build"]),
        (_word_file_in_folder, CorpusError, ["mem-2023-ruritania.docx", "Word files are not read", "save them as PDF"]),
        (_empty_folder, CorpusError, ["has no .txt or .pdf reports", "copy a MEM report's PDF or text into it"]),
        (_no_folder, CorpusError, ["does not exist", "create it"]),
        (_not_a_report, NotAReportError, [TXT, "does not look like a MEM evaluation report", "memqa build"]),
    ],
    ids=["missing-metadata", "bad-json", "missing-keys", "bad-report-id", "bad-year", "duplicate-report-id",
         "not-utf8", "word-file-in-folder", "empty-folder", "missing-folder", "not-a-report"],
)
def test_corpus_mistakes_raise_a_message_that_says_what_to_do(tiny_corpus, breakage, error, fragments):
    breakage(tiny_corpus)
    with pytest.raises(error) as e:
        parse_corpus(load_corpus(tiny_corpus))
    assert isinstance(e.value, MemqaError)
    for fragment in fragments:
        assert fragment in str(e.value)


def test_metadata_keys_beyond_the_known_ones_are_ignored(tiny_corpus):
    data = json.loads((tiny_corpus / META).read_text(encoding="utf-8"))
    (tiny_corpus / META).write_text(json.dumps({**data, "notes": "extra"}), encoding="utf-8")
    meta = read_meta(tiny_corpus / TXT)
    assert (meta.report_id, meta.language) == ("ruritania-2022", "en")


# --------------------------------------------------------------------------- several reports
def test_two_reports_side_by_side_are_both_indexed(tiny_corpus, tmp_path):
    shutil.copy(tiny_corpus / TXT, tiny_corpus / "mem-2021-atlantis.txt")
    data = json.loads((tiny_corpus / META).read_text(encoding="utf-8"))
    (tiny_corpus / "mem-2021-atlantis.json").write_text(
        json.dumps({**data, "report_id": "atlantis-2021", "country": "Atlantis", "year": 2021}), encoding="utf-8")

    files = load_corpus(tiny_corpus)
    assert [f.meta.report_id for f in files] == ["atlantis-2021", "ruritania-2022"]  # sorted by file name

    manifest = build_index(tiny_corpus, tmp_path / "index", [FakeEncoder()])
    assert manifest["counts"]["reports"] == 2
    assert manifest["counts"]["sections"] == 14
    assert {c["report_id"] for c in manifest["corpus"]} == {"atlantis-2021", "ruritania-2022"}

    a = Assistant.load(tmp_path / "index", encoders=[FakeEncoder()], corpus_dir=tiny_corpus)
    assert a.reports == ["atlantis-2021", "ruritania-2022"]
    assert a.resolve_section("atlantis-2021/pa-2.2").id == "atlantis-2021/pa-2.1"
    assert a.resolve_section("ruritania-2022/Priority Action 1.2").id == "ruritania-2022/pa-1.2"
    with pytest.raises(NotFoundError, match="use one of atlantis-2021/pa-1.2, ruritania-2022/pa-1.2"):
        a.resolve_section("Priority Action 1.2")  # both reports have it: the message names both ids
    cite = a.ask("canine detection", k=1, report="atlantis-2021").passages[0].citation.cite
    assert cite.startswith("CICAD, *Ruritania 2022*, MEM Eighth Evaluation Round, CICAD/doc.0000/22, ")
    answer = a.ask("canine detection of narcotics", k=3, report="atlantis-2021")
    assert answer.passages and {h.citation.report for h in answer.passages} == {"atlantis-2021"}
    assert answer.passages[0].citation.source == "mem-2021-atlantis.txt"
