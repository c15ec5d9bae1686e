"""PDF reports: the bundled report printed as a MEM-style PDF reads back as the .txt does.

The PDFs are made here (tests/pdf_maker.py, reportlab): cover and title page, running header with
the country and title, centred page numbers from the first body page, justified paragraphs that
break across pages with soft hyphens, bulleted lists, ruled 2-, 3- and 4-column tables with wrapped
cells and "X" marks. The full report is built and extracted once per session (a few seconds).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memqa.corpus import load_corpus, read_meta
from memqa.cover import cover_metadata
from memqa.errors import CorpusError, MemqaError, NotAReportError
from memqa.parsing import parse_report
from memqa.pdf import ExtractedPdf, extract_pdf, pages_of
from memqa.toc import table_of_contents
from pdf_maker import FOOTNOTE, encrypted_pdf, make_report_pdf, scanned_pdf, unrelated_pdf

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "mem-2022-mexico.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "Evaluation Report on Drug Policies 2022"
BODY_PAGE_OFFSET = 2  # physical page 3 (index 2) is printed "1"


def norm(text: str) -> str:
    """Compare modulo whitespace and the .txt's markup that the PDF shows as formatting (<i>, *, •)."""
    text = re.sub(r"<[^>]*>", "", text).replace("*", "").replace("•", "-")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pdf")
    make_report_pdf(REPORT.read_text(encoding="utf-8"), d / "mexico-2022.pdf", country="Mexico", header=HEADER)
    return d


@pytest.fixture(scope="session")
def doc(pdf_dir) -> ExtractedPdf:
    return extract_pdf(pdf_dir / "mexico-2022.pdf")


@pytest.fixture(scope="session")
def reports(doc):
    meta = read_meta(REPORT)
    return parse_report(REPORT.read_text(encoding="utf-8"), meta), parse_report(doc.text, meta)


# --------------------------------------------------------------------------- the full report
def test_pdf_gives_the_same_78_table_of_contents_entries(pdf_dir, mexico_corpus):
    from_pdf = table_of_contents(pdf_dir, ("fake",))
    from_txt = table_of_contents(mexico_corpus, ("fake",))
    assert len(from_pdf) == 78
    keys = ("id", "unit", "kind", "title", "priority_action", "objective")
    assert [{k: r.get(k) for k in keys} for r in from_pdf] == [{k: r.get(k) for k in keys} for r in from_txt]
    assert {r["source"] for r in from_pdf} == {"mexico-2022.pdf"}


def test_the_65_heading_titles_are_exactly_the_txt_titles(reports):
    txt, pdf = reports
    assert len(pdf.headings) == 65
    assert [(h.number, h.title) for h in pdf.headings] == [(h.number, h.title) for h in txt.headings]
    assert pdf.objectives == txt.objectives


def test_body_text_matches_the_txt_for_at_least_98_percent_of_units(reports):
    txt, pdf = reports
    got = {s.id: norm(s.text[s.body_start:]) for s in pdf.sections}
    same = [s.id for s in txt.sections if got.get(s.id) == norm(s.text[s.body_start:])]
    assert len(same) / len(txt.sections) >= 0.98, sorted({s.id for s in txt.sections} - set(same))


def test_running_header_and_page_numbers_are_gone(doc):
    assert HEADER not in doc.text and "MEXICO\t" not in doc.text
    lines = [x for x in doc.text.split("\n") if x.strip()]
    lone = [k for k, x in enumerate(lines) if re.fullmatch(r"\d{1,3}", x.strip())]
    assert all(lines[k - 1] == "OBJECTIVE" for k in lone)  # only objective numbers stand alone
    assert len(lone) == 12


def test_table_rows_are_tab_separated_cells_on_one_line(doc):
    lines = {norm(x) for x in doc.text.split("\n")}
    rows = [x for x in REPORT.read_text(encoding="utf-8").split("\n") if "\t" in x]
    assert len(rows) == 62
    assert [r for r in rows if norm(r) not in lines] == []
    assert "Control all persons and companies engaged in the manufacture or distribution of controlled " \
           "chemical substances\tX\t" in doc.text  # the empty "No" cell keeps its column


def test_list_items_stay_one_per_line(doc):
    items = [x.strip() for x in REPORT.read_text(encoding="utf-8").split("\n") if x.strip().startswith("- ")]
    lines = "\n" + "\n".join(norm(x) for x in doc.text.split("\n"))
    assert len(items) > 100
    # an item that the .txt cut at a page break ("... of public" / "security intelligence") is whole here
    assert [i for i in items if "\n" + norm(i) not in lines] == []


def test_words_hyphenated_at_line_ends_are_rejoined(doc):
    broken = re.compile(r"[a-z]-\s+[a-z]")
    assert len(broken.findall(norm(doc.text))) == len(broken.findall(norm(REPORT.read_text(encoding="utf-8"))))
    assert "\xad" not in doc.text
    assert "regulations" in doc.text and "NATIONAL- AND REGIONAL-LEVEL" in doc.text


def test_a_footnote_is_kept_whole_after_the_paragraph_it_interrupts(doc):
    lines = doc.text.split("\n")
    assert "27) " + FOOTNOTE.format(n=27) in lines
    assert next(x for x in lines if x.startswith("Priority Action 3.2:")).endswith("international control. 27)")
    # the paragraph running over the foot of that page ends first, then the note (the .txt has no note text)
    assert "their analogues, and precursors that pose a threat\n\n27) Footnote 27" in doc.text


def test_a_paragraph_cut_by_a_page_break_is_one_line_again(doc):
    # "... pursuant to Article 12, paragraph 8 ..." and others run over a page end in the PDF
    starts = doc.page_starts
    glued = [s for s in starts[3:] if s > 0 and doc.text[s - 1] == " "]
    assert glued, "no paragraph continues over a page break"


@pytest.mark.parametrize("sid", ["preface", "pa-1.1", "pa-2.4", "pa-3.4", "pa-8.1", "pa-10.3", "pa-12.1",
                                 "summary-1", "summary-12"])
def test_page_numbers_of_sections_are_the_printed_ones(pdf_dir, doc, reports, sid):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_dir / "mexico-2022.pdf"))
    pages = [re.sub(r"\s+", " ", pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    s = {x.id.split("/")[1]: x for x in reports[1].sections}[sid]

    def page_of(snippet: str, after: int = 0) -> int:
        return next(i for i, t in enumerate(pages) if i >= after and snippet in t)

    first = page_of(re.sub(r"\s+", " ", s.text[:40]))
    last = page_of(re.sub(r"\s+", " ", s.text[-40:]), after=first)
    printed = (str(first - BODY_PAGE_OFFSET + 1), str(last - BODY_PAGE_OFFSET + 1))
    assert pages_of(doc, s.start_char, s.end_char) == printed


def test_page_map_covers_every_page(doc):
    assert len(doc.page_starts) == len(doc.page_labels) == 45
    assert list(doc.page_starts) == sorted(doc.page_starts) and doc.page_starts[0] == 0
    assert doc.page_labels[:4] == ("1", "2", "1", "2")  # cover pages are unnumbered: physical numbers
    assert doc.page_labels[-1] == "43"
    assert doc.text[doc.page_starts[2]:].startswith("PREFACE")


def test_cover_metadata_matches_the_json(doc):
    want = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
    assert cover_metadata(doc.text) == want


@pytest.fixture(scope="session")
def small_pdf(tmp_path_factory) -> Path:
    """The Spanish test report as a PDF (3 pages: quick to read)."""
    txt = (FIXTURES / "mem-2022-mexico-es.txt").read_text(encoding="utf-8")
    return make_report_pdf(txt, tmp_path_factory.mktemp("es") / "mexico-2022-es.pdf", country="México",
                           header="MEM 2022")


def test_pdf_in_the_corpus_loads_with_cover_metadata_and_a_json_overrides(small_pdf, tmp_path):
    shutil.copy(small_pdf, tmp_path / "informe.pdf")
    (tmp_path / "informe.json").write_text(json.dumps({"report_id": "mexico-2022-pdf", "title": "México (PDF)"}))
    (f,) = load_corpus(tmp_path)
    assert (f.meta.report_id, f.meta.title, f.meta.country, f.meta.source, f.meta.language) == (
        "mexico-2022-pdf", "México (PDF)", "Mexico", "informe.pdf", "es")
    assert f.raw == f.pdf.text == extract_pdf(small_pdf).text
    assert f.sha256 == hashlib.sha256(small_pdf.read_bytes()).hexdigest()


def test_txt_and_pdf_side_by_side(small_pdf, mexico_corpus, tmp_path):
    for p in mexico_corpus.iterdir():
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(small_pdf, tmp_path / small_pdf.name)
    files = load_corpus(tmp_path)
    assert [(f.path.name, f.meta.report_id, f.pdf is None) for f in files] == [
        ("mem-2022-mexico.txt", "mexico-2022", True), ("mexico-2022-es.pdf", "mexico-2022-es", False)]


# --------------------------------------------------------------------------- other languages
@pytest.mark.parametrize("lang, units, country", [("es", 8, "México"), ("fr", 7, "Mexique")])
def test_spanish_and_french_reports_parse_as_text_and_as_pdf(tmp_path, lang, units, country):
    txt = (FIXTURES / f"mem-2022-mexico-{lang}.txt").read_text(encoding="utf-8")
    make_report_pdf(txt, tmp_path / f"mexico-2022-{lang}.pdf", country=country, header="MEM 2022")
    (f,) = load_corpus(tmp_path)
    assert (f.meta.report_id, f.meta.language, f.meta.country) == (f"mexico-2022-{lang}", lang, "Mexico")
    assert f.meta.round == "Eighth Evaluation Round"
    from_pdf = parse_report(f.raw, f.meta)
    from_txt = parse_report(txt, f.meta)
    assert len(from_txt.sections) == units
    assert [(s.id, s.title) for s in from_pdf.sections] == [(s.id, s.title) for s in from_txt.sections]
    assert [norm(s.text) for s in from_pdf.sections] == [norm(s.text) for s in from_txt.sections]


def test_pdf_page_labels_are_used_when_the_pdf_has_them(tmp_path, small_pdf):
    assert extract_pdf(small_pdf).page_labels[:3] == ("1", "2", "1")  # without /PageLabels: printed numbers
    txt = (FIXTURES / "mem-2022-mexico-es.txt").read_text(encoding="utf-8")
    path = make_report_pdf(txt, tmp_path / "es.pdf", country="México", header="MEM 2022", page_labels=True)
    d = extract_pdf(path)
    assert d.page_labels[:3] == ("i", "ii", "1")


# --------------------------------------------------------------------------- bad input
def _encrypted(d: Path, src: Path) -> Path:
    return encrypted_pdf(src, d / "locked.pdf")


def _scanned(d: Path, src: Path) -> Path:
    return scanned_pdf(d / "scan.pdf")


def _truncated(d: Path, src: Path) -> Path:
    data = src.read_bytes()
    (d / "cut.pdf").write_bytes(data[: len(data) // 2])
    return d / "cut.pdf"


def _corrupt(d: Path, src: Path) -> Path:
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return d / "broken.pdf"


def _empty(d: Path, src: Path) -> Path:
    (d / "empty.pdf").write_bytes(b"")
    return d / "empty.pdf"


def _not_a_pdf(d: Path, src: Path) -> Path:
    (d / "notes.pdf").write_text("Minutes of the meeting.\n", encoding="utf-8")
    return d / "notes.pdf"


def _unrelated(d: Path, src: Path) -> Path:
    return unrelated_pdf(d / "manual.pdf", pages=3)


@pytest.fixture(scope="session")
def long_unrelated(tmp_path_factory) -> Path:
    return unrelated_pdf(tmp_path_factory.mktemp("long") / "manual-200.pdf", pages=200)


@pytest.mark.parametrize(
    "make, error, fragments",
    [
        (_encrypted, CorpusError, ["locked.pdf", "password-protected", "unprotected copy"]),
        (_scanned, CorpusError, ["scan.pdf", "no text layer", "OCR"]),
        (_truncated, CorpusError, ["cut.pdf", "truncated", "copy the PDF again"]),
        (_corrupt, CorpusError, ["broken.pdf", "damaged", "copy the PDF again"]),
        (_empty, CorpusError, ["empty.pdf", "empty (0 bytes)", "remove the file"]),
        (_not_a_pdf, NotAReportError, ["notes.pdf", "not a PDF file"]),
        (_unrelated, NotAReportError, ["manual.pdf", "does not look like a MEM evaluation report", "remove it"]),
    ],
    ids=["encrypted", "scanned", "truncated", "corrupt", "zero-bytes", "not-a-pdf", "not-a-report"],
)
def test_bad_pdfs_get_one_line_naming_the_file_and_the_fix(pdf_dir, tmp_path, make, error, fragments):
    make(tmp_path, pdf_dir / "mexico-2022.pdf")
    with pytest.raises(error) as e:
        load_corpus(tmp_path)
    assert isinstance(e.value, MemqaError) and e.value.exit_code == 2
    assert "\n" not in str(e.value)
    for f in fragments:
        assert f in str(e.value)


def test_a_200_page_unrelated_pdf_is_refused_from_its_first_pages(long_unrelated):
    t0 = time.perf_counter()
    with pytest.raises(NotAReportError, match="manual-200.pdf: does not look like a MEM evaluation report"):
        extract_pdf(long_unrelated)
    assert time.perf_counter() - t0 < 2.0


def test_a_pdf_whose_cover_lacks_metadata_asks_for_its_json(tmp_path):
    txt = (FIXTURES / "mem-2022-mexico-es.txt").read_text(encoding="utf-8")
    txt = txt.replace("MÉXICO", "RURITANIA").replace("México\n", "Ruritania\n")
    make_report_pdf(txt, tmp_path / "ruritania.pdf", country="Ruritania", header="MEM 2022")
    with pytest.raises(CorpusError) as e:
        load_corpus(tmp_path)
    msg = str(e.value)
    assert msg.startswith("ruritania.pdf: its cover does not give report_id, country")
    assert "write ruritania.json beside it" in msg and "\n" not in msg
    (tmp_path / "ruritania.json").write_text('{"report_id": "ruritania-2022", "country": "Ruritania", '
                                             '"title": "Ruritania 2022"}')
    (f,) = load_corpus(tmp_path)
    assert (f.meta.country, f.meta.year, f.meta.language) == ("Ruritania", 2022, "es")


def test_cli_prints_one_line_and_exits_2_for_a_bad_pdf(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "memqa.cli", "sections", "--corpus", str(tmp_path), "--encoders", "fake"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert r.stderr.startswith("memqa: empty.pdf: the file is empty (0 bytes)")
