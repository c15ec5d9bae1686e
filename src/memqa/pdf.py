"""Reading a PDF report: checks for bad input, then the text layer of every page. The I/O side.

pypdfium2 (PDFium, Apache-2.0/BSD) reads the characters with their positions and fonts, and the
straight lines that rule tables; ``pdflayout`` and ``pdftext`` turn them into the report text
(chosen by measurement: eval/pdf_explore.py). Every problem is one MemqaError line naming the
file and what to do: empty, not a PDF, truncated, damaged, password-protected, scanned (no text
layer), or not a MEM report, which is told from the first pages alone, so a long unrelated PDF
is refused at once.

Example: ``doc = extract_pdf(Path("corpus/mexico-2022.pdf"))``; then
``doc.text[doc.page_starts[2]:][:7], doc.page_labels[2]`` is ``('PREFACE', '1')`` for a report whose
third physical page is printed "1".
"""
from __future__ import annotations

import ctypes
import logging
import re
from pathlib import Path

from .errors import CorpusError, NotAReportError
from .pdflayout import Char, Page, Rule, page_items
from .pdftext import ExtractedPdf, assemble, pages_of

__all__ = ["EXTRACTOR", "ExtractedPdf", "extract_pdf", "looks_like_mem", "pages_of"]

log = logging.getLogger(__name__)

EXTRACTOR = "pdfium-layout/1"  # record it in an index manifest: a new version changes offsets
PROBE_PAGES = 6  # the cover, title page and preface of a MEM report all fall within these
MEM_RE = re.compile(
    r"multilateral\s+evaluation\s+mechanism|mecanismo\s+de\s+evaluaci[oó]n\s+multilateral|"
    r"mecanismo\s+de\s+avalia[cç][aã]o\s+multilateral|m[eé]canisme\s+d.[eé]valuation\s+multilat[eé]ral|"
    r"\bCICAD\b|\bMEM\b|\bMAM\b|priority\s+action|acci[oó]n\s+prioritaria|a[cç][aã]o\s+priorit[aá]ria|"
    r"action\s+prioritaire", re.I)
BOLD_RE = re.compile(rb"bold|black|heavy|semibold|demi", re.I)


def looks_like_mem(text: str) -> bool:
    """Does the text of a report's first pages name the MEM, CICAD or a priority action?"""
    return bool(MEM_RE.search(text))


def _fix(name: str, problem: str, todo: str) -> str:
    return f"{name}: {problem}; {todo}"


def _open(data: bytes, name: str):
    import pypdfium2 as pdfium

    if not data:
        raise CorpusError(_fix(name, "the file is empty (0 bytes)", "copy the report's PDF again or remove the file from corpus/"))
    if b"%PDF-" not in data[:1024]:
        raise NotAReportError(_fix(name, "not a PDF file (no %PDF header)", "put the report's PDF (or its .txt) in corpus/ instead"))
    if b"%%EOF" not in data[-2048:]:
        raise CorpusError(_fix(name, "the PDF is truncated (no end-of-file marker)", "download or copy the PDF again, then run `memqa build`"))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise CorpusError(_fix(name, "the PDF is password-protected", "save an unprotected copy (or extract its text to a .txt file) and put that in corpus/")) from None
        raise CorpusError(_fix(name, f"the PDF is damaged and cannot be read ({e})", "download or copy the PDF again, then run `memqa build`")) from None
    if len(pdf) == 0:
        raise CorpusError(_fix(name, "the PDF has no pages", "download or copy the PDF again, then run `memqa build`"))
    return pdf


def _chars(textpage) -> list[Char]:
    """Every drawn character with its loose box (the glyph's advance) and its font's size and weight.

    Font size and weight are read at the start of each word and kept for the rest of it: the calls
    cost as much as the boxes, and a font change inside a word is rare.
    """
    import pypdfium2.raw as r

    tp = textpage.raw
    n = r.FPDFText_CountChars(tp)
    box = r.FS_RECTF()
    buf = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    get_unicode, get_box = r.FPDFText_GetUnicode, r.FPDFText_GetLooseCharBox
    out: list[Char] = []
    word_start = True
    size, bold = 0.0, False
    for i in range(n):
        u = get_unicode(tp, i)
        if u in (0, 10, 13, 0xFFFE, 0xFFFF) or (u == 32 and r.FPDFText_IsGenerated(tp, i)):
            word_start = True
            continue
        get_box(tp, i, box)
        if word_start or u == 32:
            size = round(r.FPDFText_GetFontSize(tp, i), 1)
            r.FPDFText_GetFontInfo(tp, i, buf, 96, flags)
            bold = bool(BOLD_RE.search(buf.value)) or bool(flags.value & 0x40000)
        word_start = u == 32
        ch = chr(u) if u < 0xD800 or u > 0xDFFF else "\ufffd"
        # the loose box's bottom sits at the baseline less the font's descent: the same along a line
        out.append((ch, box.left, box.right, box.bottom, size, bold))
    return out


def _rules(page) -> list[Rule]:
    """Straight horizontal and vertical lines drawn on the page (table borders), in page space."""
    import pypdfium2.raw as r

    out: list[Rule] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj in page.get_objects(filter=[r.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        if right - left < 3 or top - bottom < 3:  # a thin line or a thin filled rectangle
            out.append((left, bottom, right, top))
            continue
        m = obj.get_matrix()
        n = r.FPDFPath_CountSegments(obj.raw)
        if n > 400:
            continue  # a drawing, not a table
        prev = None
        start = None
        for k in range(n):
            seg = r.FPDFPath_GetPathSegment(obj.raw, k)
            r.FPDFPathSegment_GetPoint(seg, x, y)
            pt = (m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f)
            kind = r.FPDFPathSegment_GetType(seg)
            if kind == r.FPDF_SEGMENT_MOVETO:
                start = pt
            elif kind == r.FPDF_SEGMENT_LINETO and prev is not None:
                out.append((prev[0], prev[1], pt[0], pt[1]))
            if r.FPDFPathSegment_GetClose(seg) and start is not None:
                out.append((pt[0], pt[1], start[0], start[1]))
            prev = pt
    return [(min(a, c), min(b, d), max(a, c), max(b, d)) for a, b, c, d in out
            if abs(a - c) < 1.5 or abs(b - d) < 1.5]


def _has_images(page) -> bool:
    import pypdfium2.raw as r

    return any(True for _ in page.get_objects(filter=[r.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def extract_pdf(path: Path, data: bytes | None = None) -> ExtractedPdf:
    """Text and page map of the MEM report PDF at ``path`` (``data``: its bytes, if already read).

    Raises CorpusError for an empty, truncated, damaged, password-protected or scanned PDF and
    NotAReportError for a PDF whose first pages show no MEM report, each naming the file.
    """
    path = Path(path)
    data = path.read_bytes() if data is None else data
    name = path.name
    pdf = _open(data, name)
    try:
        n = len(pdf)
        probe = []
        for i in range(min(n, PROBE_PAGES)):
            tp = pdf[i].get_textpage()
            probe.append(tp.get_text_range())
        probe_text = "\n".join(probe)
        if not probe_text.strip():
            scanned = any(_has_images(pdf[i]) for i in range(min(n, PROBE_PAGES)))
            what = "its pages are images with no text layer (a scan)" if scanned else "its first pages have no text"
            raise CorpusError(_fix(name, what, "run OCR on it (e.g. `ocrmypdf in.pdf out.pdf`) and put the result in corpus/"))
        if not looks_like_mem(probe_text):
            raise NotAReportError(_fix(
                name, f"does not look like a MEM evaluation report (its first {min(n, PROBE_PAGES)} pages never "
                "mention the Multilateral Evaluation Mechanism, CICAD or a priority action)",
                "remove it from corpus/"))
        pages = []
        for i in range(n):
            page = pdf[i]
            tp = page.get_textpage()
            pages.append(Page(tuple(page_items(_chars(tp), _rules(page))), page.get_width(), page.get_height(),
                              pdf.get_page_label(i) or None))
            tp.close()
            page.close()
    finally:
        pdf.close()
    doc = assemble(pages)
    if not doc.text.strip():
        raise CorpusError(_fix(name, "no text could be read from it", "run OCR on it (e.g. `ocrmypdf`) and put the result in corpus/"))
    log.info("%s: %d pages, %d characters", name, n, len(doc.text))
    return doc
