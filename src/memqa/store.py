"""The index folder: FAISS indexes, passage store, BM25 index and a checked manifest.

Layout of ``index/``::

    manifest.json            format, versions, encoders, corpus sha256, settings, counts, file sha256
    sections.jsonl           citable units (full text, offsets, headings)
    passages.jsonl           embeddable windows
    segments.jsonl           sentence/item/row spans used for highlights
    dense-<encoder>.faiss    inner-product index of passage vectors, one per encoder
    segments-<encoder>.npy   segment vectors, one per encoder
    lexical/                 bm25s index over passages
    cache/                   build cache (``memqa.cache``): not part of the index, not in the manifest

``save_index`` writes everything into a temporary sibling folder and renames it into place, so a
crash mid-build leaves the previous index usable. ``load_index`` checks the manifest first.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__, vectorindex
from .errors import CorruptIndexError, DestinationError, IndexMissingError, StaleIndexError
from .freshness import sha256_file
from .indexdir import check_destination, recover_stranded
from .lexical import LexicalIndex
from .manifest import check_manifest, check_passage_order
from .types import Heading, Passage, Section

FORMAT = "memqa-index/2"  # 2: assessments.json (CICAD's verdict per priority action)
REBUILD = "memqa build"


@dataclass(frozen=True)
class SegmentRef:
    section_id: str
    start: int  # offsets into the section text
    end: int
    kind: str


@dataclass(frozen=True)
class IndexData:
    manifest: dict
    sections: tuple[Section, ...]
    passages: tuple[Passage, ...]
    segments: tuple[SegmentRef, ...]
    dense: dict  # encoder id -> faiss index over passages
    segment_vectors: dict  # encoder id -> (n_segments, dim) float32
    lexical: LexicalIndex
    assessments: dict = field(default_factory=dict)  # heading id -> memqa.assessment JSON (see build)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def section_from_dict(d: dict) -> Section:
    d = dict(d)
    d["headings"] = tuple(Heading(**h) for h in d["headings"])
    return Section(**d)


def save_index(
    folder: Path,
    manifest: dict,
    sections: tuple[Section, ...],
    passages: tuple[Passage, ...],
    segments: tuple[SegmentRef, ...],
    passage_vectors: dict,
    segment_vectors: dict,
    lexical: LexicalIndex,
    carry: Mapping[str, Path] | None = None,
    assessments: dict | None = None,
    faiss_kind: str = "flat",
) -> dict:
    """Write a complete index to ``folder`` atomically (temp folder + rename); returns the manifest written.

    ``faiss_kind`` is the passage index type (``memqa.vectorindex``: auto, flat, ivf); what was built is
    recorded in ``manifest["faiss"]``. ``carry`` maps paths inside the new index to files to put there
    (hard-linked when possible), outside the manifest: the build cache entries the next build may reuse
    (``memqa.cache``).
    """
    import faiss

    folder = Path(folder)
    check_destination(folder)  # never replace (and so delete) a folder that is not a memqa index
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    except OSError as e:
        raise DestinationError(f"cannot write the index {folder} ({e.strerror}); choose a writable --index "
                               "folder.") from None
    old = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the index must be readable like any folder
        _write_jsonl(tmp / "sections.jsonl", (dataclasses.asdict(s) for s in sections))
        _write_jsonl(tmp / "passages.jsonl", (dataclasses.asdict(p) for p in passages))
        _write_jsonl(tmp / "segments.jsonl", (dataclasses.asdict(s) for s in segments))
        built = {}
        for enc_id, vecs in passage_vectors.items():
            idx, built[enc_id] = vectorindex.build(vecs, faiss_kind)
            faiss.write_index(idx, str(tmp / f"dense-{enc_id}.faiss"))
            np.save(tmp / f"segments-{enc_id}.npy", np.asarray(segment_vectors[enc_id], dtype=np.float32))
        lexical.save(tmp / "lexical")
        with open(tmp / "assessments.json", "w", encoding="utf-8") as f:
            json.dump(assessments or {}, f, ensure_ascii=False)
        files = {
            str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        keep = folder / "README.md"  # the one committed file in index/ survives rebuilds (not in the manifest)
        if keep.is_file():
            shutil.copy2(keep, tmp / "README.md")
        for rel, src in (carry or {}).items():
            dst = tmp / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        manifest = {**manifest, "format": FORMAT, "memqa_version": __version__, "faiss": built, "files": files}
        with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, old)
        os.replace(tmp, folder)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)  # the swap failed half-way: put the previous index back
        if isinstance(e, OSError):
            raise DestinationError(f"cannot write the index {folder} ({e.strerror or e}); choose a writable "
                                   "--index folder with free space.") from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return manifest


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    path = folder / "manifest.json"
    recover_stranded(folder)  # a build killed between its two renames left the index in .<name>.old-<pid>
    if not path.exists():
        raise IndexMissingError(f"no index at {folder} (manifest.json missing); run `{REBUILD}` to create it.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # ValueError: bad JSON, bad UTF-8, or nesting too deep
        raise CorruptIndexError(f"{path} is unreadable ({e}); run `{REBUILD}` to rebuild the index.") from None
    except RecursionError:
        raise CorruptIndexError(f"{path} is nested too deeply; run `{REBUILD}` to rebuild the index.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise StaleIndexError(
            f"{folder} holds an index of format {found!r}, this memqa reads {FORMAT!r}; run `{REBUILD}` to rebuild it."
        )
    return check_manifest(manifest, folder)


def check_corpus(manifest: dict, corpus_shas: dict[str, str]) -> None:
    """Raise StaleIndexError when the corpus files differ from the ones the index was built from."""
    built = {c["source"]: c["sha256"] for c in manifest.get("corpus", [])}
    if built != corpus_shas:
        changed = sorted(set(built) ^ set(corpus_shas) | {k for k in built if corpus_shas.get(k) not in (None, built[k])})
        raise StaleIndexError(
            f"the index is stale: corpus changed since it was built ({', '.join(changed) or 'files differ'}); "
            f"run `{REBUILD}` to rebuild it."
        )


def load_index(folder: Path, verify: bool = True) -> IndexData:
    """Load and check an index folder. ``verify`` re-hashes every file against the manifest."""
    import faiss

    folder = Path(folder)
    manifest = read_manifest(folder)
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise CorruptIndexError(f"{path} is missing from the index; run `{REBUILD}` to rebuild it.")
        if verify and sha256_file(path) != digest:
            raise CorruptIndexError(f"{path} does not match the manifest (corrupt?); run `{REBUILD}` to rebuild it.")
    try:
        sections = tuple(section_from_dict(d) for d in _read_jsonl(folder / "sections.jsonl"))
        passages = tuple(Passage(**d) for d in _read_jsonl(folder / "passages.jsonl"))
        segments = tuple(SegmentRef(**d) for d in _read_jsonl(folder / "segments.jsonl"))
        check_passage_order(sections, passages, folder)
        dense = {}
        seg_vecs = {}
        for enc in manifest["encoders"]:
            dense[enc["id"]] = faiss.read_index(str(folder / f"dense-{enc['id']}.faiss"))
            seg_vecs[enc["id"]] = np.load(folder / f"segments-{enc['id']}.npy")
            if dense[enc["id"]].ntotal != len(passages) or seg_vecs[enc["id"]].shape[0] != len(segments):
                raise CorruptIndexError(f"{folder}: vector counts do not match the passages; run `{REBUILD}`.")
        lexical = LexicalIndex.load(folder / "lexical", len(passages))
        assessments = json.loads((folder / "assessments.json").read_text(encoding="utf-8"))
        if not isinstance(assessments, dict):
            raise CorruptIndexError(f"{folder}/assessments.json is not an object; run `{REBUILD}`.")
    except CorruptIndexError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable file is a corrupt index
        raise CorruptIndexError(f"{folder}: cannot read the index ({type(e).__name__}: {e}); run `{REBUILD}`.") from e
    return IndexData(manifest, sections, passages, segments, dense, seg_vecs, lexical, assessments)
