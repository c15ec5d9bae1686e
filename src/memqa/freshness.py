"""Is the index still the corpus? Every corpus file (report text, PDF, metadata) against the manifest.

``memqa build`` records ``corpus_files`` — the sha256 of every ``*.txt``, ``*.pdf`` and ``*.json`` in
the corpus folder. Every entry point (``ask``, ``serve``, ``mcp``, ``eval``) calls ``check_fresh``
at start-up, wherever the corpus path came from; ``resolve_corpus`` refuses a ``--corpus`` that is a
file or a named folder that does not exist, and says so (one warning line) when the default
``./corpus`` is missing rather than skipping the check silently.

A server runs for weeks, so ``CorpusWatch`` re-checks on every request: one ``scandir`` of the
corpus folder compared with the last (name, size, mtime, inode) signature — measured ~30 µs for the
bundled corpus — and the files are hashed again only when that signature changes. A changed corpus
makes the server report ``"status": "stale"`` on ``/health`` and answer with a notice and no
passages (their line numbers would point at the old text) until the index is rebuilt and the server
restarted. Putting the original files back makes it fresh again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, StaleIndexError

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".pdf", ".json")
REBUILD = "memqa build"


def _is_corpus_file(name: str) -> bool:
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_digest(folder: Path) -> dict[str, str]:
    """``{file name: sha256}`` of every report text, PDF and metadata file in ``folder`` (any suffix case).

    Unreadable entries (a folder named ``x.txt``, a dangling link) are recorded as ``"unreadable"`` so a
    change to them still counts; ``memqa build`` refuses them before it gets here.
    """
    out = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if _is_corpus_file(entry.name):
            try:
                out[entry.name] = sha256_file(Path(entry.path))
            except OSError:
                out[entry.name] = "unreadable"
    return out


def differences(built: dict[str, str], now: dict[str, str]) -> list[str]:
    """Human-readable changes, e.g. ``["mem-2022-mexico.json changed", "new.txt added"]``."""
    out = [f"{n} changed" for n in sorted(built) if n in now and now[n] != built[n]]
    out += [f"{n} added" for n in sorted(set(now) - set(built))]
    out += [f"{n} removed" for n in sorted(set(built) - set(now))]
    return out


def stale_message(changes: list[str]) -> str:
    shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
    return f"the index is stale: the corpus changed since it was built ({shown}); run `{REBUILD}` to rebuild it."


def check_fresh(manifest: dict, folder: Path) -> None:
    """Raise StaleIndexError when any corpus file differs from the ones the index was built from."""
    changes = differences(manifest.get("corpus_files", {}), corpus_digest(folder))
    if changes:
        raise StaleIndexError(stale_message(changes))


def resolve_corpus(path: str | Path | None, explicit: bool) -> Path | None:
    """The corpus folder to check, or None (with a warning) when the default ``corpus`` is absent.

    ``explicit`` is true when the path came from ``--corpus`` or ``MEMQA_CORPUS``: then a missing
    folder is an error, as is a path that is a file wherever it came from.
    """
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CorpusError(f"--corpus {p} is a file, not a folder; pass the folder that holds the reports and "
                          "their .json metadata.")
    if not p.exists():
        if explicit:
            raise CorpusError(f"--corpus {p} does not exist; pass the folder the index was built from.")
        log.warning("no corpus folder at %s: cannot check that the index matches its reports; pass --corpus "
                    "(or set MEMQA_CORPUS) to check it", p)
        return None
    return p


@dataclass(frozen=True)
class Freshness:
    status: str  # "ok" | "stale" | "unchecked"
    message: str  # empty when ok


class CorpusWatch:
    """Per-request freshness of a running server: cheap stat signature, hash only on change. Thread-safe."""

    def __init__(self, manifest: dict, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.built = dict(manifest.get("corpus_files", {}))
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._state = Freshness("unchecked" if folder is None else "ok", "")
        if self.folder is not None:
            self.check()

    def _stat_signature(self) -> tuple:
        try:
            entries = os.scandir(self.folder)
        except OSError as e:
            return (("error", e.errno),)
        with entries:
            sig = []
            for e in entries:
                if _is_corpus_file(e.name):
                    try:
                        st = e.stat()
                        sig.append((e.name, st.st_size, st.st_mtime_ns, st.st_ino))
                    except OSError:
                        sig.append((e.name, -1, -1, -1))
        return tuple(sorted(sig))

    def check(self) -> Freshness:
        """The current state; re-hashes the corpus only when a file's size, mtime or inode changed."""
        if self.folder is None:
            return self._state
        sig = self._stat_signature()
        if sig == self._signature:
            return self._state
        with self._lock:
            if sig != self._signature:
                try:
                    changes = differences(self.built, corpus_digest(self.folder))
                except OSError as e:
                    changes = [f"the corpus folder is unreadable ({e.strerror})"]
                state = Freshness("stale", stale_message(changes)) if changes else Freshness("ok", "")
                if state != self._state:
                    log.warning("corpus %s: %s", self.folder, state.message or "matches the index again")
                self._state, self._signature = state, sig
        return self._state


def check_entry(index_dir: str | Path, corpus: str | Path | None, explicit: bool) -> Path | None:
    """Start-up check of ``ask``/``serve``/``mcp``/``eval``: the corpus folder to watch (or None), after
    refusing a bad ``--corpus`` and a stale index with one line each."""
    from .store import read_manifest

    manifest = read_manifest(Path(index_dir))  # a missing index is the first thing to say
    folder = resolve_corpus(corpus, explicit)
    if folder is not None:
        check_fresh(manifest, folder)
    return folder
