"""Checks on the corpus folder before anything is read: one clear line for every file memqa cannot use.

``check_corpus_folder`` runs first in ``corpus.load_corpus``. It refuses, naming the file and the fix:

* a name with a control or direction-changing character (U+202E shows ``txt.exe`` as ``exe.txt``);
* an upper-case suffix (``.TXT``: only lower-case ``.txt``, ``.pdf`` and ``.json`` are read);
* a dangling symbolic link, a link loop, a folder named like a report, an unreadable file;
* a report larger than the size cap (a MEM report is ~100 KB of text; a 50 MB file would make every
  question take seconds and the build hours) — ``MEMQA_MAX_REPORT_BYTES`` raises it;
* metadata that is not a JSON object, has a null, a wrong type (``year`` must be an integer, not
  ``true`` or ``"2022"``) or a ``report_id`` that is not lower-case letters, digits and ``-``.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
import unicodedata
from pathlib import Path

from .errors import CorpusError

SUFFIXES = (".txt", ".pdf", ".json")
MAX_REPORT_BYTES = 2 * 1024 * 1024  # text of one report; the bundled one is 97 KB
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_META_BYTES = 64 * 1024
SIZE_ENV = "MEMQA_MAX_REPORT_BYTES"
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]{1,63}\Z")
META_STRINGS = ("country", "round", "thematic_area", "document_code", "title", "language")


def max_report_bytes() -> int:
    value = os.environ.get(SIZE_ENV, "")
    return int(value) if value.isdigit() else MAX_REPORT_BYTES


def _bad_char(name: str) -> str | None:
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return f"U+{ord(ch):04X}"
    return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def check_file(path: Path) -> None:
    """Raise CorpusError unless ``path`` is a readable regular file of a usable name and size."""
    name = path.name
    if (bad := _bad_char(name)) is not None:
        raise CorpusError(f"{name!r}: the file name contains the control or direction-changing character {bad}; "
                          "rename the file to plain text, then run `memqa build`.")
    suffix = path.suffix
    if suffix.lower() in SUFFIXES and suffix != suffix.lower():
        raise CorpusError(f"{name}: only lower-case {', '.join(SUFFIXES)} files are read; rename it to "
                          f"{path.stem}{suffix.lower()}, then run `memqa build`.")
    try:
        st = path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise CorpusError(f"{name}: a symbolic link loop; point the link at a real file or remove it.") from None
        if path.is_symlink():
            raise CorpusError(f"{name}: a symbolic link to a missing file ({os.readlink(path)}); fix or remove "
                              "the link.") from None
        raise CorpusError(f"{name}: cannot be read ({e.strerror}); fix the file, then run `memqa build`.") from None
    if stat.S_ISDIR(st.st_mode):
        raise CorpusError(f"{name}: is a folder, not a file; rename or move it out of the corpus folder.")
    if not stat.S_ISREG(st.st_mode):
        raise CorpusError(f"{name}: is not a regular file; put the report's text in a plain file.")
    cap = {".txt": max_report_bytes(), ".pdf": MAX_PDF_BYTES, ".json": MAX_META_BYTES}[suffix]
    if st.st_size > cap:
        raise CorpusError(f"{name}: {_mb(st.st_size)} is over the limit of {_mb(cap)} per file (a MEM report is "
                          f"about 0.1 MB of text); split it, or raise the limit with {SIZE_ENV}=<bytes>.")
    if not os.access(path, os.R_OK):
        raise CorpusError(f"{name}: cannot be read (permission denied); fix its permissions.")


def check_meta(path: Path, data: object) -> None:
    """Strict types for a report's metadata (already parsed from ``path``)."""
    name = path.name
    if not isinstance(data, dict):
        raise CorpusError(f"{name}: must be a JSON object of metadata, e.g. {{\"report_id\": \"mexico-2022\", "
                          f"\"year\": 2022, ...}}, not a {type(data).__name__}; fix it, then run `memqa build`.")
    nulls = [k for k, v in data.items() if v is None]
    if nulls:
        raise CorpusError(f"{name}: {', '.join(nulls)} is null; give a value or remove the key.")
    rid = data.get("report_id")
    if rid is not None and not (isinstance(rid, str) and ID_RE.match(rid)):
        raise CorpusError(f"{name}: report_id {rid!r} must be 2-64 lower-case letters, digits and '-', e.g. "
                          "'mexico-2022'.")
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200):
        raise CorpusError(f"{name}: year must be a number (an integer such as 2022), got {year!r}.")
    for key in META_STRINGS:
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise CorpusError(f"{name}: {key} must be a non-empty string, got {data[key]!r}.")


def check_corpus_folder(folder: Path) -> None:
    """Check every report, PDF and metadata file of ``folder`` (see the module docstring)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CorpusError(f"{folder} is a file, not a folder; pass the folder that holds the reports (--corpus).")
    if not folder.is_dir():
        return  # load_corpus says the folder does not exist
    entries = sorted(folder.iterdir())
    for p in entries:
        if p.suffix.lower() in SUFFIXES or _bad_char(p.name):
            check_file(p)
    reports = {p.stem for p in entries if p.suffix in (".txt", ".pdf")}
    for p in entries:
        if p.suffix == ".json" and p.stem in reports:
            try:
                data = json.loads(p.read_bytes().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise CorpusError(f"{p.name}: not valid JSON ({e}); fix the file, then run `memqa build`.") from None
            check_meta(p, data)
