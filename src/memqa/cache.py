"""The build cache: what ``memqa build`` computed for each report, so a rebuild redoes only what changed.

Two kinds of entry, content-addressed, kept inside the index folder (``index/cache/``, never listed
in the manifest, carried from each index into the next)::

    cache/reports/<key>.json       one report parsed: units, passages, sentences, BM25 tokens
    cache/<encoder>/<key>.npz      its passage and sentence vectors for one encoder

A report key hashes everything its parse depends on: the report's bytes and metadata, the chunk
settings, the encoders' tokenizers and the source of the ingest code (so editing the parser
invalidates it). A vector key hashes the encoder and the exact texts it embeds, so two reports with
the same text share vectors, and any change of text re-embeds the whole report.

New entries go to a staging folder beside the index; the new index takes the entries it uses (hard
links) and the swap drops the rest. When a build fails on an exception (Ctrl-C included) after
finishing some reports, their entries are moved into the existing index's cache so the next build
reuses them; the index itself is untouched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .chunking import ChunkSettings
from .encoders import Encoder
from .segments import clean
from .store import SegmentRef, section_from_dict
from .types import Passage, Section

log = logging.getLogger(__name__)

CACHE_DIR = "cache"
CACHE_FORMAT = "memqa-cache/1"
# The ingest code whose source is part of every report key (edit one and every report is re-parsed);
# corpus and pdf too: a report's text is what the PDF extractor makes of its bytes.
INGEST_MODULES = ("corpus", "pdf", "parsing", "chunking", "segments", "lexical", "stopwords", "tokens", "types",
                  "build", "cache", "store")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the ingest modules' source: a parse cached by other code is never reused."""
    h = hashlib.sha256(CACHE_FORMAT.encode())
    here = Path(__file__).parent
    for name in INGEST_MODULES:
        path = here / f"{name}.py"
        h.update(name.encode() + (path.read_bytes() if path.is_file() else b"-"))
    return h.hexdigest()


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little") + b)  # length-prefixed: no two lists hash alike
    return h.hexdigest()


def encoder_identity(e: Encoder) -> str:
    return json.dumps({"id": e.id, "name": e.name, "dim": e.dim, "max_tokens": e.max_tokens}, sort_keys=True)


def report_key(raw_sha256: str, meta: object, settings: ChunkSettings, encoders: Sequence[Encoder]) -> str:
    """Key of one report's parse: bytes, metadata, chunk settings, tokenizers and ingest code."""
    return _digest(code_fingerprint(), raw_sha256, json.dumps(dataclasses.asdict(meta), sort_keys=True),
                   json.dumps(settings.as_dict(), sort_keys=True), *sorted(encoder_identity(e) for e in encoders))


@dataclass(frozen=True)
class ReportParts:
    """One report parsed and chunked: everything of it the index holds except vectors."""

    report_id: str
    key: str
    sections: tuple[Section, ...]
    passages: tuple[Passage, ...]
    segments: tuple[SegmentRef, ...]
    tokens: tuple[tuple[str, ...], ...]  # BM25 tokens of each passage
    headings: int  # priority-action headings (joint units count each)

    def passage_texts(self) -> list[str]:
        return [p.embed_text for p in self.passages]

    def segment_texts(self) -> list[str]:
        by_id = {s.id: s for s in self.sections}
        return [clean(by_id[g.section_id].text[g.start : g.end]) or "." for g in self.segments]

    def vector_key(self, encoder: Encoder) -> str:
        """Key of this report's vectors: the encoder and the exact texts it embeds."""
        return _digest(encoder_identity(encoder), *self.passage_texts(), "\0segments\0", *self.segment_texts())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _running(staging_name: str) -> bool:
    """Whether the build that owns a staging folder (``.<index>.cache-<pid>-<random>``) is still running.

    >>> _running(f".index.cache-{os.getpid()}-abc"), _running(".index.cache-abc")
    (True, False)
    """
    m = re.search(r"\.cache-(\d+)-", staging_name)
    if not m:
        return False  # no pid: a folder of an older memqa, whose build cannot still be running
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's live process (or an absurd number): leave it
    return True


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.partial-{os.getpid()}")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


class BuildCache:
    """Cache lookups in ``<index>/cache`` and new entries in a staging folder, for one build.

    Use as a context manager: ``with BuildCache(index_dir) as cache: ...``. ``used`` maps the
    relative path of every entry the new index keeps to the file that holds it now.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.live = self.index_dir / CACHE_DIR
        self.staging: Path | None = None
        self.used: dict[str, Path] = {}

    def __enter__(self) -> BuildCache:
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        # the build's pid in the name: a later build tells a killed build's leftover from a running one's
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.index_dir.name}.cache-{os.getpid()}-",
                                             dir=self.index_dir.parent))
        self._adopt_orphans()
        return self

    def _adopt_orphans(self) -> None:
        """A build killed outright (SIGKILL, power loss) leaves its staging folder beside the index: take its
        finished entries (written atomically; ``.partial-`` files are not) into this build's staging, so the
        work is reused, and remove the folder. Folders of builds still running are left alone."""
        for old in self.index_dir.parent.glob(f".{self.index_dir.name}.cache-*"):
            if old == self.staging or not old.is_dir() or _running(old.name):
                continue
            for src in sorted(old.rglob("*")):
                if src.is_file() and ".partial-" not in src.name:
                    dst = self.staging / src.relative_to(old)
                    try:
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(src, dst)
                    except OSError as e:
                        log.warning("could not reuse %s from an interrupted build: %s", src, e)
            shutil.rmtree(old, ignore_errors=True)
            log.info("removed %s, left by an interrupted build (its finished entries are reused)", old.name)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None and (self.index_dir / "manifest.json").is_file():
                self._salvage()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _salvage(self) -> None:
        """Keep what a failed build finished: move its new entries into the existing index's cache."""
        moved = 0
        for src in sorted(self.staging.rglob("*")):
            if src.is_file() and ".partial-" not in src.name:
                dst = self.live / src.relative_to(self.staging)
                try:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, dst)
                    moved += 1
                except OSError as e:  # best effort: the index itself is what must survive
                    log.warning("could not keep cache entry %s: %s", src.name, e)
        if moved:
            log.info("kept %d finished cache entries in %s for the next build", moved, self.live)

    def _find(self, rel: str) -> Path | None:
        for base in (self.staging, self.live):
            if base is not None and (base / rel).is_file():
                return base / rel
        return None

    # ------------------------------------------------------------------ reports
    def get_report(self, key: str) -> ReportParts | None:
        rel = f"reports/{key}.json"
        path = self._find(rel)
        if path is None:
            return None
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            parts = ReportParts(
                report_id=d["report_id"], key=key,
                sections=tuple(section_from_dict(s) for s in d["sections"]),
                passages=tuple(Passage(**p) for p in d["passages"]),
                segments=tuple(SegmentRef(**g) for g in d["segments"]),
                tokens=tuple(tuple(t) for t in d["tokens"]), headings=int(d["headings"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("ignoring unreadable cache entry %s (%s); parsing the report again", path, e)
            return None
        self.used[f"{CACHE_DIR}/{rel}"] = path
        return parts

    def put_report(self, parts: ReportParts) -> None:
        rel = f"reports/{parts.key}.json"
        body = {"report_id": parts.report_id, "sections": [dataclasses.asdict(s) for s in parts.sections],
                "passages": [dataclasses.asdict(p) for p in parts.passages],
                "segments": [dataclasses.asdict(g) for g in parts.segments],
                "tokens": [list(t) for t in parts.tokens], "headings": parts.headings}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        _write_atomic(self.staging / rel, lambda f: f.write(data))
        self.used[f"{CACHE_DIR}/{rel}"] = self.staging / rel

    # ------------------------------------------------------------------ other derived data (JSON)
    def get_json(self, rel: str):
        """A cached JSON value (e.g. a report's CICAD assessments), or None."""
        path = self._find(rel)
        if path is None:
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable cache entry %s (%s)", path, e)
            return None
        self.used[f"{CACHE_DIR}/{rel}"] = path
        return value

    def put_json(self, rel: str, value) -> None:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        _write_atomic(self.staging / rel, lambda f: f.write(data))
        self.used[f"{CACHE_DIR}/{rel}"] = self.staging / rel

    # ------------------------------------------------------------------ vectors
    def get_vectors(self, encoder: Encoder, key: str, n_passages: int,
                    n_segments: int) -> tuple[np.ndarray, np.ndarray] | None:
        rel = f"{_safe(encoder.id)}/{key}.npz"
        path = self._find(rel)
        if path is None:
            return None
        try:
            with np.load(path) as z:
                p, s = z["passages"], z["segments"]
            if p.shape != (n_passages, encoder.dim) or s.shape != (n_segments, encoder.dim) or p.dtype != np.float32:
                raise ValueError(f"shapes {p.shape}, {s.shape} do not match the report")
        except (OSError, ValueError, KeyError) as e:
            log.warning("ignoring unreadable cache entry %s (%s); embedding the report again", path, e)
            return None
        self.used[f"{CACHE_DIR}/{rel}"] = path
        return p, s

    def put_vectors(self, encoder: Encoder, key: str, passages: np.ndarray, segments: np.ndarray) -> None:
        rel = f"{_safe(encoder.id)}/{key}.npz"
        _write_atomic(self.staging / rel, lambda f: np.savez(f, passages=np.asarray(passages, dtype=np.float32),
                                                             segments=np.asarray(segments, dtype=np.float32)))
        self.used[f"{CACHE_DIR}/{rel}"] = self.staging / rel
