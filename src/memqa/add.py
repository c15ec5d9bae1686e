"""``memqa add PATH [--id ID] [--force]``: one report into the corpus folder, then the incremental build.

``plan_add`` checks everything before the corpus is touched: the file (exists, ``.pdf`` or ``.txt``, a
usable name and size), its metadata (a ``.json`` with the same stem beside it, else the PDF's cover), that
it is a MEM report that parses (a PDF that is encrypted, scanned, damaged or unrelated is refused), the
report id (``--id``, else the metadata's ``report_id``, else the file name made into an id) and what the
corpus already holds under that id. ``apply_add`` then copies the report (and its metadata) into the corpus
as ``<id>.pdf`` / ``<id>.txt`` (+ ``<id>.json``), each through a temporary file renamed into place, and runs
``build_index`` — which reuses the cached parse and vectors of every unchanged report. If the build fails
(or is interrupted), the copied files are removed and any replaced ones put back: the corpus is as before,
and the index, which a build swaps in only when complete, too.

Every refusal is one ``MemqaError`` line naming the file and what to do (the CLI exits with 2).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import ChunkSettings
from .corpus import ID_RE, SUFFIXES, read_meta, read_text
from .corpuscheck import check_file, check_meta
from .errors import CorpusError, MemqaError
from .freshness import sha256_file

log = logging.getLogger(__name__)

# The corpus-centred advice of the ingest errors, said for a file being added.
_ADVICE = (
    ("copy the report's PDF again or remove the file from corpus/", "copy the report's PDF again, then run `memqa add` again"),
    ("remove the file from corpus/ or fix its text, then run `memqa build`", "fix its text, then run `memqa add` again"),
    ("remove it from corpus/", "it was not added"),
    ("put the report's PDF (or its .txt) in corpus/ instead", "add the report's PDF (or its .txt) instead"),
    ("put that in corpus/", "add that instead"),
    ("put the result in corpus/", "add the result"),
    ("then run `memqa build`", "then run `memqa add` again"),
)


def for_add(message: str, staged_name: str, source: Path) -> str:
    """An ingest error's message naming ``source`` (not the staged copy) and saying what to do for ``add``.

    >>> for_add("x.pdf: the PDF is password-protected; save an unprotected copy and put that in corpus/",
    ...         "x.pdf", Path("/in/X.PDF"))
    '/in/X.PDF: the PDF is password-protected; save an unprotected copy and add that instead'
    """
    text = message
    for said, instead in _ADVICE:
        text = text.replace(said, instead)
    for name in (staged_name, Path(staged_name).with_suffix(".json").name):
        if text.startswith(f"{name}: ") or text.startswith(f"{name!r}: "):
            shown = source if name == staged_name else source.with_suffix(".json")
            text = f"{shown}: " + text.split(": ", 1)[1]
            break
    return text


@dataclass
class AddPlan:
    """What ``apply_add`` will do; made by ``plan_add`` without touching the corpus."""

    source: Path
    corpus: Path
    report_id: str
    files: dict[str, bytes]  # corpus file name -> bytes to write
    replaces: list[Path] = field(default_factory=list)  # corpus files the report replaces (--force)
    already: str | None = None  # the corpus already holds exactly this report, under this file name
    language: str = ""
    title: str = ""


@dataclass(frozen=True)
class Added:
    report_id: str
    written: tuple[str, ...]  # file names copied into the corpus
    removed: tuple[str, ...]  # file names the report replaced
    already: str | None
    manifest: dict


def _slug_id(stem: str) -> str:
    from .cover import slug

    return slug(stem)[:64].strip("-")


def _existing(corpus: Path, index: Path | None) -> dict[str, list[Path]]:
    """Report id -> its files (report, then metadata if any) for every report in ``corpus``.

    An id is taken from the index manifest when the report and its metadata are byte-identical to what
    the index was built from (no PDF is read again); otherwise from the files (a PDF is extracted).
    """
    from .store import read_manifest

    built_ids: dict[str, str] = {}
    built_files: dict[str, str] = {}
    if index is not None:
        try:
            m = read_manifest(index)
            built_ids = {c["source"]: c["report_id"] for c in m.get("corpus", [])}
            built_files = dict(m.get("corpus_files", {}))
        except MemqaError:
            pass
    out: dict[str, list[Path]] = {}
    if not corpus.is_dir():
        return out
    for p in sorted(corpus.iterdir()):
        if p.name.startswith(".") or p.suffix not in SUFFIXES or not p.is_file():
            continue
        meta = p.with_suffix(".json")
        files = [p] + ([meta] if meta.is_file() else [])
        same = p.name in built_ids and all(built_files.get(f.name) == sha256_file(f) for f in files) and (
            meta.is_file() or meta.name not in built_files)
        if same:
            rid = built_ids[p.name]
        elif p.suffix == ".pdf":
            from .corpus import read_pdf

            rid = read_pdf(p).meta.report_id
        else:
            rid = read_meta(p).report_id
        out.setdefault(rid, []).extend(files)
    return out


def plan_add(source: str | os.PathLike, corpus: Path, index: Path | None = None, report_id: str | None = None,
             force: bool = False) -> AddPlan:
    """Check ``source`` and the corpus; nothing is written to the corpus (see the module docstring)."""
    from .cover import cover_metadata
    from .indexdir import check_destination
    from .parsing import parse_report

    src = Path(source).expanduser()
    corpus = Path(corpus)
    if not src.exists() and not src.is_symlink():
        raise CorpusError(f"{src}: no such file; give the path of a MEM report's .pdf or .txt file.")
    if src.is_dir():
        raise CorpusError(f"{src}: is a folder; give the path of one report file (.pdf or .txt).")
    suffix = src.suffix.lower()
    if suffix not in SUFFIXES:
        what = {".docx": "a Word file", ".doc": "a Word file", ".json": "a metadata file"}.get(
            suffix, f"a {suffix} file" if suffix else "a file without an extension")
        raise CorpusError(f"{src}: {what}; memqa add takes a report's .pdf, or its UTF-8 .txt with a .json of "
                          "metadata beside it — save the report as PDF and add that.")
    if report_id is not None and not ID_RE.match(report_id):
        raise CorpusError(f"{src}: --id {report_id!r} is not a report id; use 2-64 lower-case letters, digits and "
                          "'-', e.g. --id mexico-2022.")
    if index is not None:
        check_destination(Path(index), corpus)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder {corpus} does not exist; create it, or pass --corpus (or --home) with "
                          "the corpus folder to add the report to.")
    sidecar = src.with_suffix(".json")
    staged_name = src.stem + suffix
    with tempfile.TemporaryDirectory(prefix="memqa-add-") as tmp:
        staged = Path(tmp) / staged_name
        staged_meta = staged.with_suffix(".json")
        try:
            shutil.copyfile(src, staged)
            check_file(staged)
            own: dict | None = None
            if sidecar.is_file():
                shutil.copyfile(sidecar, staged_meta)
                check_file(staged_meta)
                try:
                    own = json.loads(staged_meta.read_bytes().decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as e:
                    raise CorpusError(f"{staged_meta.name}: not valid JSON ({e}); fix the file, then run "
                                      "`memqa add` again.") from None
                check_meta(staged_meta, own)
            elif suffix == ".txt":
                read_meta(staged)  # a .txt needs its .json: say so before anything else
            cover: dict | None = None
            doc = None
            if suffix == ".pdf":
                from .pdf import extract_pdf

                doc = extract_pdf(staged)
                cover = cover_metadata(doc.text)
            rid = report_id or (own or {}).get("report_id") or (cover or {}).get("report_id") or _slug_id(src.stem)
            if not ID_RE.match(rid):
                raise CorpusError(f"{src}: no report id in its metadata and its file name does not make one; "
                                  "pass --id, e.g. --id mexico-2022.")
            # The metadata to write: the .json's with its report_id set to the id, or only the id when the
            # cover gives another (or none); nothing when the cover gives it all.
            files: dict[str, bytes] = {f"{rid}{suffix}": staged.read_bytes()}
            if own is not None:
                files[f"{rid}.json"] = (staged_meta.read_bytes() if own.get("report_id") == rid else
                                        (json.dumps({**own, "report_id": rid}, ensure_ascii=False, indent=1)
                                         + "\n").encode("utf-8"))
            elif cover is not None and cover.get("report_id") != rid:
                files[f"{rid}.json"] = (json.dumps({"report_id": rid}) + "\n").encode("utf-8")
            if f"{rid}.json" in files:
                staged_meta.write_bytes(files[f"{rid}.json"])
            # As the build will read it: metadata complete and valid, the text a MEM report that parses.
            meta = read_meta(staged, cover)
            raw = doc.text if doc is not None else read_text(staged)[0]
            parse_report(raw, meta)
        except MemqaError as e:
            raise type(e)(for_add(str(e), staged_name, src)) from None
        except OSError as e:
            raise CorpusError(f"{src}: cannot be read ({e.strerror or e}); check the file and its permissions.") from None
    plan = AddPlan(src, corpus, rid, files, language=meta.language, title=meta.title)
    existing = _existing(corpus, index)
    new_names = set(files)
    mine = existing.get(rid, [])
    for other, paths in existing.items():
        if other == rid:
            continue
        clash = [p.name for p in paths if p.stem == rid]
        if clash:
            raise CorpusError(f"{src}: the corpus already has {clash[0]} (report {other!r}); pass --id with "
                              "another id.")
    if mine:
        old_report = mine[0]
        old = {p.name: p.read_bytes() for p in mine}
        same_bytes = old_report.read_bytes() == files[f"{rid}{suffix}"] and (
            old.get(old_report.with_suffix(".json").name) == files.get(f"{rid}.json"))
        if same_bytes:
            plan.already = old_report.name
            plan.files = {}
            return plan
        if not force:
            raise CorpusError(f"{src}: report id {rid!r} is already in the corpus ({old_report.name}) with other "
                              "content; pass --force to replace it, or --id with another id.")
        plan.replaces = list(mine)
    stray = [n for n in new_names if (corpus / n).exists() and corpus / n not in plan.replaces]
    if stray:
        raise CorpusError(f"{src}: the corpus already has {stray[0]}; pass --id with another id, or remove that "
                          "file first.")
    return plan


def _install(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.add-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def apply_add(plan: AddPlan, index: Path, encoders: Sequence, settings: ChunkSettings = ChunkSettings(),
              progress: Callable[[str, int, int], None] | None = None, build: Callable | None = None,
              faiss: str = "auto") -> Added:
    """Copy the planned files into the corpus and build (``faiss``: the passage index type, as ``memqa build``);
    on any failure put the corpus back as it was."""
    from .build import build_index

    build = build or build_index
    corpus = plan.corpus
    written: list[Path] = []
    moved: list[tuple[Path, Path]] = []  # (backup, original)
    try:
        if plan.files:
            for p in plan.replaces:
                backup = p.with_name(f".{p.name}.replaced-{os.getpid()}")
                os.replace(p, backup)
                moved.append((backup, p))
            # metadata first: a report never sits in the corpus without the .json it needs
            for name in sorted(plan.files, key=lambda n: not n.endswith(".json")):
                _install(corpus / name, plan.files[name])
                written.append(corpus / name)
        manifest = build(corpus, index, encoders, settings, progress=progress, faiss=faiss)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        for backup, original in moved:
            os.replace(backup, original)
        raise
    for backup, _ in moved:
        backup.unlink(missing_ok=True)
    return Added(plan.report_id, tuple(p.name for p in written), tuple(orig.name for _, orig in moved),
                 plan.already, manifest)


def add_report(source: str | os.PathLike, corpus: Path, index: Path, encoders: Sequence,
               settings: ChunkSettings = ChunkSettings(), report_id: str | None = None, force: bool = False,
               progress: Callable[[str, int, int], None] | None = None) -> Added:
    """``plan_add`` then ``apply_add``: the library form of ``memqa add``."""
    return apply_add(plan_add(source, corpus, index, report_id, force), index, encoders, settings, progress)
