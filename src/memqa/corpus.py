"""The corpus folder: report PDFs and text files with their metadata. I/O only, no parsing logic.

Layout: ``corpus/<name>.txt`` with ``corpus/<name>.json`` beside it::

    {"report_id": "mexico-2022", "country": "Mexico", "year": 2022, "round": "Eighth",
     "thematic_area": "...", "document_code": "CICAD/doc.2676/22", "title": "...", "language": "en"}

or ``corpus/<name>.pdf``: its text is extracted (``memqa.pdf``) and its metadata read from its
cover (``memqa.cover``); a ``<name>.json`` beside it, if any, overrides any of those keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

from .corpuscheck import check_corpus_folder
from .cover import cover_metadata
from .errors import CorpusError, NotAReportError
from .parsing import ParsedReport, parse_report
from .pdftext import ExtractedPdf
from .types import ReportMeta

REQUIRED = ("report_id", "country", "year", "round", "thematic_area", "document_code", "title")
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]{1,63}\Z")  # \Z: "$" would accept a final newline
SUFFIXES = (".txt", ".pdf")


@dataclass(frozen=True)
class CorpusFile:
    """One report: its metadata, the sha256 of the file's bytes and its text.

    For a PDF, ``raw`` is the extracted text (section offsets index it) and ``pdf`` carries the
    page map: ``memqa.pdf.pages_of(f.pdf, start_char, end_char)`` gives the page labels of a span.
    """

    path: Path
    meta: ReportMeta
    sha256: str
    raw: str
    pdf: ExtractedPdf | None = None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_meta(txt: Path, found: dict | None = None) -> ReportMeta:
    """Metadata of the report at ``txt``: its .json file, over ``found`` (what its cover says), if given."""
    meta_path = txt.with_suffix(".json")
    if not meta_path.exists() and found is None:
        raise CorpusError(
            f"{txt.name}: no metadata file {meta_path.name} beside it; create it with the keys "
            f"{', '.join(REQUIRED)} (see README, 'Adding a report')."
        )
    data = dict(found or {})
    if meta_path.exists():
        try:
            own = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise CorpusError(f"{meta_path.name}: not valid JSON ({e}); fix the file, then run `memqa build`.") from e
        if not isinstance(own, dict):
            raise CorpusError(f"{meta_path.name}: must hold a JSON object of metadata keys; fix it, then run `memqa build`.")
        data.update(own)
    missing = [k for k in REQUIRED if k not in data]
    if missing and found is not None:
        raise CorpusError(
            f"{txt.name}: its cover does not give {', '.join(missing)}; write {meta_path.name} beside it with "
            f"those keys (e.g. {{\"{missing[0]}\": ...}}), then run `memqa build`."
        )
    if missing:
        raise CorpusError(f"{meta_path.name}: missing keys {', '.join(missing)}; add them, then run `memqa build`.")
    if not ID_RE.match(str(data["report_id"])):
        raise CorpusError(
            f"{meta_path.name}: report_id {data['report_id']!r} must be lower-case letters, digits and '-', "
            "e.g. 'mexico-2022'."
        )
    known = {f.name for f in fields(ReportMeta)}
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs["source"] = txt.name
    try:
        kwargs["year"] = int(kwargs["year"])
    except (TypeError, ValueError) as e:
        raise CorpusError(f"{meta_path.name}: year must be a number, got {data['year']!r}.") from e
    return ReportMeta(**kwargs)


def read_text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), sha256_bytes(data)
    except UnicodeDecodeError as e:
        raise NotAReportError(
            f"{path.name}: not UTF-8 text (byte {e.start}); convert it to UTF-8 text, then run `memqa build`."
        ) from e


def read_pdf(path: Path) -> CorpusFile:
    """A PDF report: its extracted text and page map, metadata from its cover and any .json beside it."""
    from .pdf import extract_pdf  # pypdfium2 is loaded only when the corpus has a PDF

    data = path.read_bytes()
    doc = extract_pdf(path, data)
    meta = read_meta(path, cover_metadata(doc.text))
    return CorpusFile(path=path, meta=meta, sha256=sha256_bytes(data), raw=doc.text, pdf=doc)


def load_corpus(folder: Path) -> list[CorpusFile]:
    """Every ``*.txt`` and ``*.pdf`` report in ``folder`` with its metadata, sorted by file name."""
    folder = Path(folder)
    check_corpus_folder(folder)  # one line for unusable files (links, names, sizes, metadata types)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist; create it and copy the report PDFs or .txt files into it.")
    others = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in {".docx", ".doc"})
    if others:
        raise CorpusError(
            f"{', '.join(others)}: Word files are not read; save them as PDF (or UTF-8 .txt with a .json "
            "metadata file beside it) in corpus/, then run `memqa build`."
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise CorpusError(f"corpus folder {folder} has no .txt or .pdf reports; copy a MEM report's PDF or text into it.")
    out = []
    seen: dict[str, str] = {}
    for path in files:
        if path.suffix.lower() == ".pdf":
            f = read_pdf(path)
        else:
            meta = read_meta(path)
            raw, digest = read_text(path)
            f = CorpusFile(path=path, meta=meta, sha256=digest, raw=raw)
        if f.meta.report_id in seen:
            raise CorpusError(
                f"{path.name} and {seen[f.meta.report_id]} both use report_id {f.meta.report_id!r}; give each report its own id."
            )
        seen[f.meta.report_id] = path.name
        out.append(f)
    return out


def parse_corpus(files: list[CorpusFile]) -> list[ParsedReport]:
    return [parse_report(f.raw, f.meta) for f in files]
