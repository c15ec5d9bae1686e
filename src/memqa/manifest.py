"""The shape of an index's ``manifest.json``, checked on load before anything in it is used.

A manifest that is valid JSON of the wrong shape (a list where an object is expected, a missing
``files`` table, an encoder id that is a path) is refused with one line naming the field and
``memqa build`` — never a KeyError or TypeError later. ``files`` must list every data file of the
index with its sha256, so a file swapped or reordered after the build cannot load unnoticed.

>>> check_manifest({"format": "memqa-index/1"}, Path("index"))
Traceback (most recent call last):
...
memqa.errors.CorruptIndexError: index/manifest.json: memqa_version is missing; run `memqa build` to rebuild the index.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import CorruptIndexError, StaleIndexError

REBUILD = "memqa build"
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
EncoderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
Name = Annotated[str, StringConstraints(min_length=1)]
Count = Annotated[int, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class EncoderEntry(_Strict):
    id: EncoderId
    name: Name
    dim: Annotated[int, Field(gt=0)]
    max_tokens: Annotated[int, Field(gt=0)]


class CorpusEntry(_Strict):
    source: Name
    report_id: Name
    sha256: Sha256


class ReportEntry(_Strict):
    report_id: Name
    source: Name


class Manifest(_Strict):
    format: Name
    memqa_version: Name
    created_at: Name
    encoders: Annotated[list[EncoderEntry], Field(min_length=1)]
    corpus: Annotated[list[CorpusEntry], Field(min_length=1)]
    reports: Annotated[list[ReportEntry], Field(min_length=1)]
    chunking: dict
    counts: dict[str, Count]
    files: Annotated[dict[str, Sha256], Field(min_length=1)]
    corpus_files: Annotated[dict[str, Sha256], Field(min_length=1)]


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "the manifest"


def required_files(manifest: dict) -> list[str]:
    """The data files every index of this format holds (the lexical folder is checked by its loader)."""
    names = ["sections.jsonl", "passages.jsonl", "segments.jsonl"]
    for enc in manifest["encoders"]:
        names += [f"dense-{enc['id']}.faiss", f"segments-{enc['id']}.npy"]
    return names


def check_manifest(manifest: object, folder: Path) -> dict:
    """Return ``manifest`` when it has the shape ``load_index`` relies on; else one-line CorruptIndexError."""
    path = Path(folder) / "manifest.json"
    if not isinstance(manifest, dict):
        raise CorruptIndexError(f"{path}: not a JSON object; run `{REBUILD}` to rebuild the index.")
    if "corpus_files" not in manifest and "files" in manifest:
        raise StaleIndexError(f"{folder} was built by an older memqa that did not record every corpus file; "
                              f"run `{REBUILD}` to rebuild it.")
    try:
        Manifest.model_validate(manifest)
    except ValidationError as e:
        err = e.errors()[0]
        what = "is missing" if err["type"] == "missing" else f"is invalid ({err['msg'][0].lower()}{err['msg'][1:]})"
        raise CorruptIndexError(f"{path}: {_where(err['loc'])} {what}; run `{REBUILD}` to rebuild the index.") from None
    for name in manifest["files"]:
        p = PurePosixPath(name)
        if p.is_absolute() or ".." in p.parts or "\\" in name:
            raise CorruptIndexError(f"{path}: files lists {name!r}, outside the index; run `{REBUILD}`.")
    missing = [n for n in required_files(manifest) if n not in manifest["files"]]
    if missing:
        raise CorruptIndexError(f"{path}: files does not list {', '.join(missing)}; run `{REBUILD}` to rebuild "
                                "the index.")
    return manifest


def check_passage_order(sections, passages, folder: Path) -> None:
    """Passages must follow their sections' order, numbered ``<section>#0, #1, ...``: a reordered or edited
    ``passages.jsonl`` would otherwise pair vectors with the wrong text (and cite wrong lines)."""
    position = {s.id: i for i, s in enumerate(sections)}
    last_section, expected = -1, 0
    for row, p in enumerate(passages, start=1):
        where = position.get(p.section_id)
        if where is None or where < last_section:
            bad = True
        else:
            expected = 0 if where != last_section else expected
            bad = p.index != expected or p.id != f"{p.section_id}#{p.index}"
            last_section, expected = where, expected + 1
        if bad:
            raise CorruptIndexError(f"{Path(folder) / 'passages.jsonl'}: line {row} ({p.id!r}) is out of order or "
                                    f"does not match sections.jsonl; run `{REBUILD}` to rebuild the index.")
