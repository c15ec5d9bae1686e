"""The index folder: manifest, checked load, clear errors naming `memqa build`, atomic writes."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from datetime import datetime
from pathlib import Path

import pytest

import memqa
from memqa.assistant import Assistant
from memqa.build import build_index
from memqa.corpus import load_corpus
from memqa.encoders import FakeEncoder
from memqa.errors import CorruptIndexError, IndexMissingError, StaleIndexError
from memqa.lexical import LexicalIndex
from memqa.parsing import parse_report
from memqa.store import FORMAT, load_index

TXT = "mem-2022-ruritania.txt"


@pytest.fixture
def tiny_index(tiny_corpus, tmp_path) -> Path:
    out = tmp_path / "index"
    build_index(tiny_corpus, out, [FakeEncoder()])
    return out


def _manifest(index: Path) -> dict:
    return json.loads((index / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(index: Path, manifest: dict) -> None:
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.parent.iterdir() if p.name.startswith(f".{index.name}."))


# --------------------------------------------------------------------------- manifest
def test_manifest_records_how_the_index_was_built(tiny_index, tiny_corpus):
    m = _manifest(tiny_index)
    assert m["format"] == FORMAT
    assert m["memqa_version"] == memqa.__version__
    assert [(e["id"], e["dim"]) for e in m["encoders"]] == [("fake", 64)]
    assert m["corpus"] == [{"source": TXT, "report_id": "ruritania-2022",
                            "sha256": hashlib.sha256((tiny_corpus / TXT).read_bytes()).hexdigest()}]
    assert (m["chunking"]["max_tokens"], m["chunking"]["overlap"]) == (256, 1)
    # 10 segments: 2 preface sentences, 1 + 3 in 1.1 and 1.2, 1 each in 2.1, 2.3 and the two summaries.
    # 3 headings judged: 1.1, and 2.1 + 2.2 (one body, judged by "uses PEN Online"); 1.2 and 2.3 by nothing.
    assert m["counts"] == {"reports": 1, "sections": 7, "passages": 7, "segments": 10, "headings": 5,
                           "assessed_headings": 3}
    assert datetime.fromisoformat(m["created_at"]).tzinfo is not None


def test_manifest_lists_every_file_with_its_sha256(tiny_index):
    """Every file of the index, that is all but the manifest itself and the build cache (memqa.cache)."""
    files = _manifest(tiny_index)["files"]
    on_disk = {str(p.relative_to(tiny_index)) for p in tiny_index.rglob("*")
               if p.is_file() and p.parts[len(tiny_index.parts)] != "cache"} - {"manifest.json"}
    assert set(files) == on_disk
    assert {"sections.jsonl", "passages.jsonl", "segments.jsonl", "dense-fake.faiss", "segments-fake.npy"} <= on_disk
    for name, digest in files.items():
        assert hashlib.sha256((tiny_index / name).read_bytes()).hexdigest() == digest, name


def test_load_returns_what_was_built(tiny_index, tiny_corpus):
    (f,) = load_corpus(tiny_corpus)
    data = load_index(tiny_index)
    assert data.sections == parse_report(f.raw, f.meta).sections
    assert len(data.passages) == data.dense["fake"].ntotal == 7
    assert data.segment_vectors["fake"].shape == (len(data.segments), 64)
    assert data.lexical.n_docs == 7


def test_index_folder_has_the_usual_permissions(tiny_index):
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(tiny_index.stat().st_mode) == 0o777 & ~umask


def test_rebuild_replaces_the_index_and_leaves_no_temp_folders(tiny_index, tiny_corpus):
    with open(tiny_corpus / TXT, "a", encoding="utf-8") as f:
        f.write("\nCICAD also notes a new finding.\n")
    build_index(tiny_corpus, tiny_index, [FakeEncoder()])
    Assistant.load(tiny_index, encoders=[FakeEncoder()], corpus_dir=tiny_corpus)  # fresh again: no error
    assert "new finding" in load_index(tiny_index).sections[-1].text
    assert _leftovers(tiny_index) == []


# --------------------------------------------------------------------------- errors
def _change_corpus(index: Path, corpus: Path) -> None:
    with open(corpus / TXT, "a", encoding="utf-8") as f:
        f.write("\nAn edit after the build.\n")


def _add_report(index: Path, corpus: Path) -> None:
    shutil.copy(corpus / TXT, corpus / "mem-2021-atlantis.txt")


def _delete_file(index: Path, corpus: Path) -> None:
    (index / "passages.jsonl").unlink()


def _flip_bytes(index: Path, corpus: Path) -> None:
    path = index / "dense-fake.faiss"
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 16, len(data)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _foreign_format(index: Path, corpus: Path) -> None:
    _write_manifest(index, {**_manifest(index), "format": "someone-else/7"})


def _garbled_manifest(index: Path, corpus: Path) -> None:
    (index / "manifest.json").write_text("{ not json", encoding="utf-8")


def _delete_manifest(index: Path, corpus: Path) -> None:
    (index / "manifest.json").unlink()


def _delete_index(index: Path, corpus: Path) -> None:
    shutil.rmtree(index)


@pytest.mark.parametrize(
    "breakage, error, fragment",
    [
        (_change_corpus, StaleIndexError, f"stale: corpus changed since it was built ({TXT})"),
        (_add_report, StaleIndexError, "mem-2021-atlantis.txt"),
        (_delete_file, CorruptIndexError, "passages.jsonl is missing"),
        (_flip_bytes, CorruptIndexError, "dense-fake.faiss does not match the manifest"),
        (_foreign_format, StaleIndexError, "format 'someone-else/7'"),
        (_garbled_manifest, CorruptIndexError, "manifest.json is unreadable"),
        (_delete_manifest, IndexMissingError, "manifest.json missing"),
        (_delete_index, IndexMissingError, "no index at"),
    ],
    ids=["stale-corpus", "new-report", "missing-file", "corrupted-file", "foreign-format", "garbled-manifest",
         "missing-manifest", "missing-folder"],
)
def test_a_bad_index_raises_the_right_error_naming_memqa_build(tiny_index, tiny_corpus, breakage, error, fragment):
    breakage(tiny_index, tiny_corpus)
    with pytest.raises(error) as e:
        Assistant.load(tiny_index, encoders=[FakeEncoder()], corpus_dir=tiny_corpus)
    assert fragment in str(e.value)
    assert "memqa build" in str(e.value)


@pytest.mark.parametrize(
    "encoder, fragment",
    [(FakeEncoder(dim=32), "gives 32-d vectors but the index holds 64-d ones"),
     (FakeEncoder(id="other"), "built with encoders fake, not 'other'")],
    ids=["other-dim", "other-encoder"],
)
def test_an_encoder_the_index_was_not_built_with_is_refused(tiny_index, encoder, fragment):
    with pytest.raises(StaleIndexError) as e:
        Assistant.load(tiny_index, encoders=[encoder])
    assert fragment in str(e.value) and "memqa build" in str(e.value)


def test_unreadable_file_is_corrupt_even_without_verification(tiny_index):
    manifest = _manifest(tiny_index)
    (tiny_index / "dense-fake.faiss").write_bytes(b"not a faiss index")
    _write_manifest(tiny_index, manifest)
    with pytest.raises(CorruptIndexError, match="memqa build"):
        load_index(tiny_index, verify=False)


# --------------------------------------------------------------------------- atomic write
def _fail_lexical_save(monkeypatch) -> None:
    def boom(self, folder):
        raise OSError("disk full")

    monkeypatch.setattr(LexicalIndex, "save", boom)


def _fail_faiss_write(monkeypatch) -> None:
    import faiss

    def boom(index, path):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", boom)


def _fail_final_rename(monkeypatch) -> None:
    real = os.replace

    def replace(src, dst):
        if ".tmp-" in str(src):
            raise OSError("rename failed")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("failure", [_fail_lexical_save, _fail_faiss_write, _fail_final_rename],
                         ids=["lexical-save", "faiss-write", "final-rename"])
def test_a_failed_build_leaves_the_previous_index_intact(tiny_index, tiny_corpus, monkeypatch, failure):
    before = _manifest(tiny_index)
    with open(tiny_corpus / TXT, "a", encoding="utf-8") as f:
        f.write("\nA change that would need a rebuild.\n")
    failure(monkeypatch)
    with pytest.raises(OSError):
        build_index(tiny_corpus, tiny_index, [FakeEncoder()])
    monkeypatch.undo()
    assert _manifest(tiny_index) == before
    assert len(load_index(tiny_index).sections) == 7
    assert _leftovers(tiny_index) == []


def test_a_failed_first_build_leaves_nothing_behind(tiny_corpus, tmp_path, monkeypatch):
    _fail_lexical_save(monkeypatch)
    with pytest.raises(OSError):
        build_index(tiny_corpus, tmp_path / "index", [FakeEncoder()])
    assert not (tmp_path / "index").exists()
    assert _leftovers(tmp_path / "index") == []
