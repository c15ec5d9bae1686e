"""A manifest of the wrong shape, or a passages file out of order, is refused on load with one line
naming ``memqa build`` — never a traceback or wrong passages (issue 13, faults 4 and 5)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from memqa.errors import CorruptIndexError, MemqaError, StaleIndexError
from memqa.store import load_index
from test_build_safety import memqa, one_line_error


@pytest.fixture
def index(tmp_path, fake_index) -> Path:
    out = tmp_path / "index"
    shutil.copytree(fake_index, out)
    return out


def edit_manifest(index: Path, change) -> None:
    path = index / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    change(m)
    path.write_text(json.dumps(m), encoding="utf-8")


def _set(key, value):
    return lambda m: m.__setitem__(key, value)


def _del(key):
    return lambda m: m.pop(key)


def _encoder(key, value):
    return lambda m: m["encoders"][0].__setitem__(key, value)


SHAPES = {
    "encoders-not-a-list": (_set("encoders", {"id": "fake"}), "encoders"),
    "encoder-without-id": (lambda m: m["encoders"][0].pop("id"), "encoders.0.id is missing"),
    "encoder-id-is-a-path": (_encoder("id", "../../etc/x"), "encoders.0.id"),
    "dim-is-a-string": (_encoder("dim", "64"), "encoders.0.dim"),
    "dim-is-true": (_encoder("dim", True), "encoders.0.dim"),
    "corpus-not-a-list": (_set("corpus", "mem-2022-mexico.txt"), "corpus"),
    "reports-missing": (_del("reports"), "reports is missing"),
    "counts-a-string": (_set("counts", "many"), "counts"),
    "files-a-list": (_set("files", ["passages.jsonl"]), "files"),
    "files-missing": (_del("files"), "files is missing"),
    "files-without-passages": (lambda m: m["files"].pop("passages.jsonl"), "does not list passages.jsonl"),
    "files-outside-the-index": (lambda m: m["files"].__setitem__("../secret", "0" * 64), "outside the index"),
    "sha-not-hex": (lambda m: m["files"].__setitem__("passages.jsonl", "zz"), "files.passages.jsonl"),
    "corpus-files-missing": (_del("corpus_files"), "older memqa"),
    "manifest-a-list": (lambda m: None, "format 'list'"),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_manifest_of_the_wrong_shape_is_one_line_naming_memqa_build(index, name):
    change, fragment = SHAPES[name]
    if name == "manifest-a-list":
        (index / "manifest.json").write_text('["memqa-index/1"]', encoding="utf-8")
    else:
        edit_manifest(index, change)
    with pytest.raises((CorruptIndexError, StaleIndexError)) as e:
        load_index(index)
    message = str(e.value)
    assert fragment in message and "memqa build" in message and "\n" not in message


@pytest.mark.slow
@pytest.mark.parametrize("name", ["encoder-without-id", "counts-a-string", "files-missing"])
def test_the_cli_turns_a_bad_manifest_into_one_line_and_exit_2(index, tmp_path, mexico_corpus, name):
    edit_manifest(index, SHAPES[name][0])
    done = memqa("ask", "--index", index, "--corpus", mexico_corpus, "ION focal points", cwd=tmp_path)
    one_line_error(done, "memqa build")


def _reorder(index: Path) -> None:
    lines = (index / "passages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3], lines[40] = lines[40], lines[3]
    (index / "passages.jsonl").write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize("verify", [True, False])
def test_a_reordered_passages_file_without_a_files_table_is_refused(index, verify):
    edit_manifest(index, _del("files"))
    _reorder(index)
    with pytest.raises(MemqaError) as e:
        load_index(index, verify=verify)
    assert "memqa build" in str(e.value)


def test_a_reordered_passages_file_is_refused_even_unverified(index):
    _reorder(index)
    # The manifest's sha256 no longer matches (verify=True); without verification the order check catches it.
    with pytest.raises(CorruptIndexError) as e:
        load_index(index, verify=False)
    assert "passages.jsonl" in str(e.value) and "out of order" in str(e.value)


def test_deeply_nested_manifest_is_one_line(index):
    (index / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(MemqaError) as e:
        load_index(index)
    assert "memqa build" in str(e.value)
