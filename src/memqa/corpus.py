"""The corpus folder: report text files with a metadata file each. I/O only, no parsing logic.

Layout: ``corpus/<name>.txt`` with ``corpus/<name>.json`` beside it::

    {"report_id": "mexico-2022", "country": "Mexico", "year": 2022, "round": "Eighth",
     "thematic_area": "...", "document_code": "CICAD/doc.2676/22", "title": "...", "language": "en"}
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path

from .corpuscheck import check_corpus_folder
from .errors import CorpusError, NotAReportError
from .parsing import ParsedReport, parse_report
from .types import ReportMeta

REQUIRED = ("report_id", "country", "year", "round", "thematic_area", "document_code", "title")
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]{1,63}\Z")  # \Z: "$" would accept a final newline


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    meta: ReportMeta
    sha256: str
    raw: str


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_meta(txt: Path) -> ReportMeta:
    meta_path = txt.with_suffix(".json")
    if not meta_path.exists():
        raise CorpusError(
            f"{txt.name}: no metadata file {meta_path.name} beside it; create it with the keys "
            f"{', '.join(REQUIRED)} (see README, 'Adding a report')."
        )
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorpusError(f"{meta_path.name}: not valid JSON ({e}); fix the file, then run `memqa build`.") from e
    missing = [k for k in REQUIRED if k not in data]
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


def load_corpus(folder: Path) -> list[CorpusFile]:
    """Every ``*.txt`` report in ``folder`` with its metadata, sorted by file name."""
    folder = Path(folder)
    check_corpus_folder(folder)  # one line for unusable files (links, names, sizes, metadata types)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist; create it and copy the report .txt files into it.")
    others = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in {".pdf", ".docx", ".doc"})
    if others:
        raise CorpusError(
            f"{', '.join(others)}: only UTF-8 .txt reports are read; extract the text (e.g. `pdftotext -layout`) "
            "into a .txt file with a .json metadata file beside it."
        )
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise CorpusError(f"corpus folder {folder} has no .txt reports; copy a MEM report's text into it.")
    out = []
    seen: dict[str, str] = {}
    for txt in files:
        meta = read_meta(txt)
        if meta.report_id in seen:
            raise CorpusError(
                f"{txt.name} and {seen[meta.report_id]} both use report_id {meta.report_id!r}; give each report its own id."
            )
        seen[meta.report_id] = txt.name
        raw, digest = read_text(txt)
        out.append(CorpusFile(path=txt, meta=meta, sha256=digest, raw=raw))
    return out


def parse_corpus(files: list[CorpusFile]) -> list[ParsedReport]:
    return [parse_report(f.raw, f.meta) for f in files]
