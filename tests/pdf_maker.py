"""Test support: MEM-style PDFs made with reportlab from a report's text.

The layout copies what CICAD's PDFs do: an unnumbered cover and title page, a running header with
the country and the report title above a rule, centred page numbers, justified paragraphs that
break across pages (with soft hyphens at some line ends), footnotes (a superscript reference and
small print at the page's foot, for a heading whose .txt ends in "27)"), bulleted lists,
objectives that start on a new page, and ruled tables whose cells wrap and hold "X" marks.

``make_report_pdf(text, path, country=..., header=...)`` writes the PDF; the bad-input helpers
(``encrypted_pdf``, ``scanned_pdf``, ``unrelated_pdf``) write the other fixtures. Only tests and
eval scripts import this module (reportlab is a dev dependency).
"""
from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from memqa.parsing import BACK_MATTER_RE, OBJ_MARK_RE, PA_RE, PREFACE_RE, SUMMARY_OBJ_RE, SUMMARY_RE

WIDTH, HEIGHT = A4
MARGIN = 2.5 * cm
FRAME_W = WIDTH - 2 * MARGIN

_base = dict(fontName="Helvetica", fontSize=11, leading=14, embeddedHyphenation=1, hyphenationMinWordLength=5)
STYLES = {
    "body": ParagraphStyle("body", alignment=TA_JUSTIFY, spaceAfter=9, **_base),
    "pa": ParagraphStyle("pa", alignment=TA_JUSTIFY, spaceBefore=4, spaceAfter=9,
                         **{**_base, "fontName": "Helvetica-Bold"}),
    "item": ParagraphStyle("item", alignment=TA_JUSTIFY, leftIndent=22, bulletIndent=8, spaceAfter=3, **_base),
    "centre": ParagraphStyle("centre", alignment=TA_CENTER, spaceAfter=12,
                             **{**_base, "fontName": "Helvetica-Bold", "fontSize": 14, "leading": 18}),
    "objective": ParagraphStyle("objective", alignment=TA_CENTER, spaceAfter=6,
                                **{**_base, "fontName": "Helvetica-Bold", "fontSize": 18, "leading": 24}),
    "objnum": ParagraphStyle("objnum", alignment=TA_CENTER, spaceAfter=16,
                             **{**_base, "fontName": "Helvetica-Bold", "fontSize": 30, "leading": 36}),
    "objtitle": ParagraphStyle("objtitle", alignment=TA_CENTER, spaceAfter=20,
                               **{**_base, "fontName": "Helvetica-Bold", "fontSize": 12, "leading": 16}),
    "sumobj": ParagraphStyle("sumobj", alignment=TA_LEFT, spaceBefore=8, spaceAfter=6,
                             **{**_base, "fontName": "Helvetica-Bold"}),
    "sumtitle": ParagraphStyle("sumtitle", alignment=TA_JUSTIFY, spaceAfter=9,
                               **{**_base, "fontName": "Helvetica-BoldOblique"}),
    "cover": ParagraphStyle("cover", alignment=TA_CENTER, spaceAfter=22,
                            **{**_base, "fontName": "Helvetica-Bold", "fontSize": 15, "leading": 20}),
    "cell": ParagraphStyle("cell", alignment=TA_LEFT, **{**_base, "fontSize": 9.5, "leading": 11.5}),
    "head": ParagraphStyle("head", alignment=TA_LEFT, **{**_base, "fontName": "Helvetica-Bold", "fontSize": 9.5,
                                                         "leading": 11.5}),
    "mark": ParagraphStyle("mark", alignment=TA_CENTER, **{**_base, "fontSize": 9.5, "leading": 11.5}),
}
NOTE_MARK_RE = re.compile(r"\s(\d{1,3})\)$")  # the .txt's footnote reference: "... international control. 27)"
FOOTNOTE = "Footnote {n} of the test report: printed in small type at the foot of the page."


class _Note(Flowable):
    """Zero-size marker: the page it lands on prints footnote ``n`` at its foot."""

    def __init__(self, n: str, notes: list) -> None:
        super().__init__()
        self.n, self.notes = n, notes

    def wrap(self, *_):
        return 0, 0

    def draw(self) -> None:
        self.notes.append(self.n)


class _Doc(SimpleDocTemplate):
    def __init__(self, *a, notes: list, **k) -> None:
        super().__init__(*a, **k)
        self.notes = notes

    def afterPage(self) -> None:
        if not self.notes:
            return
        c = self.canv
        c.saveState()
        c.setLineWidth(0.4)
        c.line(MARGIN, 2.45 * cm, MARGIN + 5 * cm, 2.45 * cm)
        y = 2.1 * cm
        for n in self.notes:
            c.setFont("Helvetica", 5.5)
            c.drawString(MARGIN, y + 3, n)
            c.setFont("Helvetica", 8)
            c.drawString(MARGIN + 8, y, FOOTNOTE.format(n=n))
            y -= 10
        c.restoreState()
        self.notes.clear()


SUFFIXES = ("tion", "tions", "ment", "ments", "ities", "ical", "ance", "ence")


def soft_hyphens(text: str) -> str:
    """Put a soft hyphen before a common suffix of long words, where a word processor would hyphenate."""
    def one(m: re.Match) -> str:
        w = m.group(0)
        for suf in SUFFIXES:
            if w.endswith(suf) and len(w) - len(suf) >= 5:
                return w[: -len(suf)] + "\xad" + w[-len(suf):]
        return w
    return re.sub(r"\b[a-z]{10,}\b", one, text)


def markup(text: str, hyphenate: bool = True) -> str:
    """The report text's light markup (*italic*, **bold**, <i>..</i>) as reportlab paragraph markup."""
    text = re.sub(r"<(?!/?i>)[^>]*>", " ", text)  # drop HTML other than <i>
    parts = re.split(r"(</?i>)", text)
    out = []
    for p in parts:
        if p in ("<i>", "</i>"):
            out.append(p)
            continue
        p = escape(soft_hyphens(p) if hyphenate else p)
        p = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", p)
        p = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", p)
        out.append(p.replace("*", ""))
    return "".join(out)


def _cell(text: str, header: bool) -> list:
    text = text.strip()
    if "•" in text:  # a bulleted list inside a cell (the .txt keeps the HTML list's bullets)
        items = [t.strip() for t in re.sub(r"<[^>]*>", " ", text).split("•") if t.strip()]
        return [Paragraph(markup(t, False), STYLES["cell"], bulletText="•") for t in items]
    if len(text) <= 3 and text:
        return [Paragraph(markup(text, False), STYLES["mark"])]
    return [Paragraph(markup(text, False), STYLES["head" if header else "cell"])]


def _table(rows: list[str]) -> Table:
    cells = [r.split("\t") for r in rows]
    ncol = max(len(c) for c in cells)
    cells = [c + [""] * (ncol - len(c)) for c in cells]
    narrow = [all(len(c[j].strip()) <= 8 for c in cells[1:]) and len(cells) > 1 for j in range(ncol)]
    wide = ncol - sum(narrow)
    # a narrow column is as wide as the longest word of its header (word processors never split words)
    narrow_w = [max(2.2 * cm, 12 + max(stringWidth(w, "Helvetica-Bold", 9.5) for w in (cells[0][j] or "X").split()))
                for j in range(ncol)]
    rest = (FRAME_W - sum(w for w, n in zip(narrow_w, narrow) if n)) / max(wide, 1)
    widths = [w if n else rest for w, n in zip(narrow_w, narrow)]
    data = [[_cell(c, i == 0) for c in row] for i, row in enumerate(cells)]
    t = Table(data, colWidths=widths)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.85, 0.88, 0.93)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]))
    return t


def _cover(chunks: list[str]) -> list:
    """Cover and title page: each blank-line chunk is one centred paragraph; a page per cover block."""
    story: list = []
    for chunk in chunks:
        if chunk == "\f":
            story.append(PageBreak())
            continue
        story.append(Paragraph("<br/>".join(markup(x, False) for x in chunk.split("\n")), STYLES["cover"]))
    return story


def report_story(text: str, notes: list | None = None) -> list:
    """Flowables for a report's text, from the PREFACE (or first OBJECTIVE) to the back matter."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next((i for i, x in enumerate(lines) if PREFACE_RE.match(x)), None)
    if start is None:
        start = next(i for i, x in enumerate(lines) if OBJ_MARK_RE.match(x))
    # Cover: the part before the preface; a second "MULTILATERAL EVALUATION MECHANISM" line opens the title page.
    cover_chunks: list[str] = []
    seen_mem = 0
    for chunk in re.split(r"\n\s*\n", "\n".join(lines[:start])):
        chunk = chunk.strip()
        if not chunk:
            continue
        if re.search(r"MULTILATERAL|MULTILATERAL|MULTILATÉRAL", chunk, re.I):
            seen_mem += 1
            if seen_mem == 2:
                cover_chunks.append("\f")
        cover_chunks.append(chunk)
    story = _cover(cover_chunks) + [PageBreak()]

    table: list[str] = []
    first_obj = True
    summary = False
    i = start
    while i < len(lines):
        line = lines[i]
        if "\t" in line:
            table.append(line)
            i += 1
            continue
        if table and (line.strip() or not (i + 1 < len(lines) and "\t" in lines[i + 1])):
            story += [_table(table), Spacer(1, 10)]
            table = []
        s = line.strip()
        i += 1
        if not s:
            continue
        if BACK_MATTER_RE.match(s):
            story.append(PageBreak())
            rest = "\n".join(lines[i - 1:]).strip()
            story += _cover([c.strip() for c in re.split(r"\n\s*\n", rest) if c.strip()])
            break
        if PREFACE_RE.match(s):
            story.append(Paragraph(markup(s), STYLES["centre"]))
        elif SUMMARY_RE.match(s):
            summary = True
            story += [PageBreak(), Paragraph(markup(s), STYLES["centre"])]
        elif OBJ_MARK_RE.match(s) and not summary:
            if not first_obj:
                story.append(PageBreak())
            first_obj = False
            story.append(Paragraph(markup(s), STYLES["objective"]))
            # the objective number, then its title, follow on their own lines
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i < len(lines) and re.fullmatch(r"\s*\d{1,2}\s*", lines[i]):
                story.append(Paragraph(lines[i].strip(), STYLES["objnum"]))
                i += 1
                while i < len(lines) and not lines[i].strip():
                    i += 1
                if i < len(lines) and not PA_RE.match(lines[i]):
                    story.append(Paragraph(markup(lines[i].strip(), False), STYLES["objtitle"]))
                    i += 1
        elif PA_RE.match(s):
            mark = NOTE_MARK_RE.search(s)
            if mark and notes is not None:  # a superscript reference, and the note at the page's foot
                story.append(Paragraph(markup(s[: mark.start()], False) + f"<super>{mark.group(1)}</super>",
                                       STYLES["pa"]))
                story.append(_Note(mark.group(1), notes))
            else:
                story.append(Paragraph(markup(s, False), STYLES["pa"]))
        elif summary and SUMMARY_OBJ_RE.match(s):
            story.append(Paragraph(markup(s), STYLES["sumobj"]))
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i < len(lines):
                story.append(Paragraph(markup(lines[i].strip()), STYLES["sumtitle"]))
                i += 1
        elif re.match(r"^[-•]\s+", s):
            story.append(Paragraph(markup(re.sub(r"^[-•]\s+", "", s)), STYLES["item"], bulletText="•"))
        else:
            story.append(Paragraph(markup(s), STYLES["body"]))
    if table:
        story.append(_table(table))
    return story


def make_report_pdf(text: str, path: Path, *, country: str, header: str, page_labels: bool = False) -> Path:
    """Write ``text`` (a report in the corpus .txt layout) as a MEM-style PDF at ``path``.

    Pages 1-2 are the cover and title page (no header, no number); body pages carry ``country``
    and ``header`` at the top and a centred page number from 1 at the bottom. With ``page_labels``
    the PDF also gets /PageLabels (i, ii for the cover, then 1, 2, ...).
    """
    path = Path(path)

    def later(canv, doc):
        if doc.page <= 2:
            return
        canv.saveState()
        canv.setFont("Helvetica", 8.5)
        canv.drawString(MARGIN, HEIGHT - 1.5 * cm, country.upper())
        canv.drawRightString(WIDTH - MARGIN, HEIGHT - 1.5 * cm, header)
        canv.setLineWidth(0.4)
        canv.line(MARGIN, HEIGHT - 1.65 * cm, WIDTH - MARGIN, HEIGHT - 1.65 * cm)
        canv.setFont("Helvetica", 10)
        canv.drawCentredString(WIDTH / 2, 1.4 * cm, str(doc.page - 2))
        canv.restoreState()

    notes: list[str] = []
    doc = _Doc(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
               bottomMargin=MARGIN, title=f"{country}: Evaluation Report", author="CICAD", notes=notes)

    def first(canv, doc):
        if page_labels:
            canv.addPageLabel(0, "ROMAN_LOWER", 1)
            canv.addPageLabel(2, "ARABIC", 1)

    doc.build(report_story(text, notes), onFirstPage=first, onLaterPages=later)
    return path


# --------------------------------------------------------------------------- bad inputs
def encrypted_pdf(src: Path, path: Path, password: str = "secret") -> Path:
    """``src`` re-saved with a user password (it cannot be opened without it)."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(str(src)))
    w.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    with open(path, "wb") as f:
        w.write(f)
    return Path(path)


def scanned_pdf(path: Path, pages: int = 3) -> Path:
    """Pages that are pictures only (no text layer), like a scan."""
    import io
    import struct
    import zlib

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    def png(w: int, h: int) -> bytes:
        raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(w)) for y in range(h))
        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

    img = ImageReader(io.BytesIO(png(200, 280)))
    c = Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.drawImage(img, 0, 0, WIDTH, HEIGHT)
        c.showPage()
    c.save()
    return Path(path)


def unrelated_pdf(path: Path, pages: int = 200) -> Path:
    """A long document that is not a MEM report (a numbered manual)."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), pagesize=A4)
    for p in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(MARGIN, HEIGHT - 3 * cm, f"Chapter {p}: Maintenance of the pumping station")
        c.setFont("Helvetica", 11)
        y = HEIGHT - 4 * cm
        for k in range(40):
            c.drawString(MARGIN, y, f"Step {k + 1}. Check valve {k} and record the pressure in the daily log book.")
            y -= 14
        c.drawCentredString(WIDTH / 2, 1.4 * cm, str(p))
        c.showPage()
    c.save()
    return Path(path)
