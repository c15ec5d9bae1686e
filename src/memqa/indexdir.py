"""Where an index may be written, and what an interrupted build left behind. Never deletes anything.

``memqa build --index X`` replaces X as a whole (``store.save_index`` renames the old folder away and
removes it once the new one is in place), so X must be a folder memqa made: ``check_destination``
refuses anything else — a folder without our ``manifest.json``, a file, the corpus itself or a folder
that contains the corpus — before any work is done.

A build killed between its two renames leaves the previous index in a hidden sibling
``.X.old-<pid>`` and no X. ``recover_stranded`` puts it back on the next start (``load_index``
calls it) or, if it cannot, says where the index is and how to restore it.

>>> check_destination(Path("/tmp/corpus"), corpus_dir=Path("/tmp/corpus"))
Traceback (most recent call last):
...
memqa.errors.DestinationError: refusing to build into /tmp/corpus: it is the corpus folder; choose another --index folder, e.g. index.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from .errors import DestinationError, IndexMissingError

log = logging.getLogger(__name__)

FORMAT_PREFIX = "memqa-index/"
# Files an empty index folder may hold before the first build (the repository's index/README.md).
PLACEHOLDERS = frozenset({"README.md", ".gitkeep", ".gitignore"})


def is_memqa_index(folder: Path) -> bool:
    """True when ``folder/manifest.json`` is a JSON object whose ``format`` is a memqa index format."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(FORMAT_PREFIX)


def check_destination(folder: Path, corpus_dir: Path | None = None) -> None:
    """Raise ``DestinationError`` unless ``folder`` is missing, empty (but for a README) or a memqa index,
    and neither is nor contains ``corpus_dir``."""
    folder = Path(folder)
    target = folder.resolve()
    if corpus_dir is not None:
        corpus = Path(corpus_dir).resolve()
        if corpus == target:
            raise DestinationError(f"refusing to build into {folder}: it is the corpus folder; choose another "
                                   "--index folder, e.g. index.")
        if corpus.is_relative_to(target):
            raise DestinationError(f"refusing to build into {folder}: it contains the corpus folder {corpus_dir}; "
                                   "choose another --index folder, e.g. index.")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DestinationError(f"refusing to build into {folder}: it is not a folder (a file or a link); choose "
                               "another --index folder.")
    if not folder.exists():
        _check_writable_parent(folder)
        return
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError as e:
        raise DestinationError(f"cannot read the index folder {folder} ({e.strerror}); choose another --index "
                               "folder.") from None
    if names <= PLACEHOLDERS or is_memqa_index(folder):
        return
    raise DestinationError(
        f"refusing to replace {folder}: it is not a memqa index (no memqa manifest.json) and a build would delete "
        f"its {len(names)} entries; choose an empty or new --index folder, e.g. index."
    )


def _check_writable_parent(folder: Path) -> None:
    """The nearest existing ancestor of a new index folder must be a writable folder (checked before the build)."""
    parent = folder.absolute().parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DestinationError(f"cannot write the index {folder}: {parent} is not a folder; choose another --index "
                               "folder.")
    try:  # os.access says yes to root on a read-only mount: try it (a folder we make and remove at once)
        os.rmdir(tempfile.mkdtemp(prefix=".memqa-probe-", dir=parent))
    except OSError as e:
        raise DestinationError(f"cannot write the index {folder}: {parent} is not writable ({e.strerror}); choose "
                               "a writable --index folder.") from None


def stranded(folder: Path) -> list[Path]:
    """Previous indexes an interrupted build left beside ``folder`` (``.<name>.old-<pid>``), newest first."""
    folder = Path(folder)
    try:
        found = [p for p in folder.parent.glob(f".{folder.name}.old-*") if p.is_dir() and is_memqa_index(p)]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def recover_stranded(folder: Path) -> Path | None:
    """When ``folder`` is missing but an interrupted build stranded its index, rename it back.

    Returns the folder it recovered from, or None when there was nothing to do. Raises
    ``IndexMissingError`` naming the stranded folder when it cannot be moved back.
    """
    folder = Path(folder)
    if folder.exists() or folder.is_symlink():
        return None
    left = stranded(folder)
    if not left:
        return None
    try:
        os.rename(left[0], folder)
    except OSError as e:
        raise IndexMissingError(
            f"no index at {folder}, but an interrupted `memqa build` left the previous index in {left[0]}; "
            f"move it back (`mv {left[0]} {folder}`) or run `memqa build` ({e.strerror})."
        ) from None
    log.warning("recovered the index %s from %s (left by an interrupted build)", folder, left[0])
    return left[0]
