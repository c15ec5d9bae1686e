"""``memqa add``: a report copied into the corpus and the index rebuilt incrementally (fake encoder); every bad
input refused with one line naming the file, exit 2, the corpus and the index untouched."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import REPORT, TINY_META, TINY_REPORT
from memqa.build import build_index
from memqa.cli import main
from memqa.encoders import FakeEncoder
from memqa.store import load_index, read_manifest
from pdf_maker import encrypted_pdf, make_report_pdf, scanned_pdf, unrelated_pdf
from test_library import CountingEncoder

ATLANTIS = {"report_id": "atlantis-2019", "country": "Atlantis", "year": 2019, "round": "Seventh Evaluation Round",
            "thematic_area": "Supply reduction", "document_code": "CICAD/doc.0000/19", "title": "Atlantis 2019",
            "language": "en"}


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder (hidden ones too) with its sha256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path, Path]:
    """A corpus holding the tiny Ruritania report, its fake-encoder index, and a folder of reports to add."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mem-2022-ruritania.txt").write_text(TINY_REPORT, encoding="utf-8")
    (corpus / "mem-2022-ruritania.json").write_text(TINY_META, encoding="utf-8")
    index = tmp_path / "index"
    build_index(corpus, index, [FakeEncoder()])
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    return corpus, index, incoming


def atlantis_txt(folder: Path, stem: str = "atlantis report", meta: dict | None = None) -> Path:
    path = folder / f"{stem}.txt"
    path.write_text(TINY_REPORT.replace("Ruritania", "Atlantis"), encoding="utf-8")
    if meta is not False:
        (folder / f"{stem}.json").write_text(json.dumps(meta or ATLANTIS), encoding="utf-8")
    return path


def add(project, *argv: str) -> int:
    corpus, index, _ = project
    return main(["add", *argv, "--corpus", str(corpus), "--index", str(index), "--encoders", "fake"])


# --------------------------------------------------------------------------- adding
def test_a_txt_with_its_json_is_copied_under_its_id_and_only_it_is_embedded(project, capsys, monkeypatch):
    corpus, index, incoming = project
    src = atlantis_txt(incoming)
    enc = CountingEncoder()
    monkeypatch.setattr("memqa.encoders.load_encoder", lambda name: enc)
    assert add(project, str(src)) == 0
    out = capsys.readouterr().out
    assert "added atlantis-2019" in out and "reused fake vectors of 1 report(s): ruritania-2022" in out
    assert (corpus / "atlantis-2019.txt").read_bytes() == src.read_bytes()
    assert (corpus / "atlantis-2019.json").read_bytes() == src.with_suffix(".json").read_bytes()
    m = read_manifest(index)
    assert sorted(r["report_id"] for r in m["reports"]) == ["atlantis-2019", "ruritania-2022"]
    assert m["build"]["embedded"] == {"fake": ["atlantis-2019"]} and enc.texts > 0
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_id_renames_the_report_and_sets_its_report_id(project, capsys):
    corpus, index, incoming = project
    assert add(project, str(atlantis_txt(incoming)), "--id", "atlantis-2019-v2") == 0
    meta = json.loads((corpus / "atlantis-2019-v2.json").read_text(encoding="utf-8"))
    assert meta == {**ATLANTIS, "report_id": "atlantis-2019-v2"}
    assert {s.report for s in load_index(index).sections} == {"atlantis-2019-v2", "ruritania-2022"}


def test_without_a_report_id_the_file_name_gives_it(project):
    corpus, index, incoming = project
    meta = {k: v for k, v in ATLANTIS.items() if k != "report_id"}
    assert add(project, str(atlantis_txt(incoming, "Atlantis 2019", meta))) == 0
    assert (corpus / "atlantis-2019.txt").is_file()
    assert json.loads((corpus / "atlantis-2019.json").read_text())["report_id"] == "atlantis-2019"


def test_adding_the_same_report_again_copies_nothing(project, capsys):
    corpus, index, incoming = project
    src = atlantis_txt(incoming)
    assert add(project, str(src)) == 0
    before = snapshot(corpus)
    capsys.readouterr()
    assert add(project, str(src)) == 0
    assert "already in the corpus as atlantis-2019.txt; nothing copied" in capsys.readouterr().out
    assert snapshot(corpus) == before


def test_force_replaces_the_report_of_that_id(project, capsys):
    corpus, index, incoming = project
    changed = incoming / "ruritania.txt"
    changed.write_text(TINY_REPORT + "\nCICAD also notes a new finding.\n", encoding="utf-8")
    (incoming / "ruritania.json").write_text(TINY_META, encoding="utf-8")
    assert add(project, str(changed), "--force") == 0
    assert "replacing mem-2022-ruritania.txt, mem-2022-ruritania.json" in capsys.readouterr().out
    assert sorted(p.name for p in corpus.iterdir()) == ["ruritania-2022.json", "ruritania-2022.txt"]
    assert "a new finding" in load_index(index).sections[-1].text


def test_a_pdf_is_named_from_its_cover(project, tmp_path, capsys):
    corpus, index, incoming = project
    pdf = make_report_pdf(REPORT.read_text(encoding="utf-8"), incoming / "Mexico MEM report.pdf", country="Mexico",
                          header="Evaluation Report on Drug Policies 2022")
    assert add(project, str(pdf)) == 0
    assert (corpus / "mexico-2022.pdf").read_bytes() == pdf.read_bytes()
    assert not (corpus / "mexico-2022.json").exists()  # the cover gives every key
    m = read_manifest(index)
    assert {r["report_id"]: r.get("pages") is not None for r in m["reports"]} == {"mexico-2022": True,
                                                                                   "ruritania-2022": False}
    assert m["build"]["embedded"] == {"fake": ["mexico-2022"]}


def test_a_pdf_with_a_json_beside_it(project):
    corpus, index, incoming = project
    pdf = make_report_pdf(TINY_REPORT.replace("Ruritania", "Atlantis"), incoming / "atlantis.pdf",
                          country="Atlantis", header="Evaluation Report 2019")
    (incoming / "atlantis.json").write_text(json.dumps(ATLANTIS), encoding="utf-8")
    assert add(project, str(pdf)) == 0
    assert (corpus / "atlantis-2019.pdf").is_file() and (corpus / "atlantis-2019.json").is_file()
    assert "atlantis-2019" in {s.report for s in load_index(index).sections}


# --------------------------------------------------------------------------- refusals
def refused(project, capsys, *argv: str) -> str:
    corpus, index, _ = project
    before = snapshot(corpus), snapshot(index)
    assert add(project, *argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("memqa: "), err
    assert (snapshot(corpus), snapshot(index)) == before
    return err


def test_a_missing_file(project, capsys):
    _, _, incoming = project
    err = refused(project, capsys, str(incoming / "nothing.pdf"))
    assert f"{incoming / 'nothing.pdf'}: no such file" in err


@pytest.mark.parametrize("name", ["report.docx", "report.md", "report"])
def test_an_unsupported_file(project, capsys, name):
    _, _, incoming = project
    (incoming / name).write_bytes(b"some text")
    err = refused(project, capsys, str(incoming / name))
    assert str(incoming / name) in err and ".pdf" in err


def test_an_id_already_taken_by_other_content(project, capsys):
    _, _, incoming = project
    other = incoming / "ruritania.txt"
    other.write_text(TINY_REPORT + "\nAnother edition.\n", encoding="utf-8")
    (incoming / "ruritania.json").write_text(TINY_META, encoding="utf-8")
    err = refused(project, capsys, str(other))
    assert "'ruritania-2022' is already in the corpus (mem-2022-ruritania.txt)" in err
    assert "--force" in err and "--id" in err


@pytest.mark.parametrize("bad", ["Atlantis_2019", "a", "-x", "../x"])
def test_an_invalid_id(project, capsys, bad):
    _, _, incoming = project
    err = refused(project, capsys, str(atlantis_txt(incoming)), f"--id={bad}")
    assert "is not a report id" in err


def test_a_txt_without_metadata(project, capsys):
    _, _, incoming = project
    src = atlantis_txt(incoming, meta=False)
    err = refused(project, capsys, str(src))
    assert f"{src}: no metadata file atlantis report.json beside it" in err


def test_a_txt_that_is_not_a_mem_report(project, capsys):
    _, _, incoming = project
    (incoming / "notes.txt").write_text("Minutes of the meeting.\n\nNothing about drugs.\n", encoding="utf-8")
    (incoming / "notes.json").write_text(json.dumps(ATLANTIS), encoding="utf-8")
    err = refused(project, capsys, str(incoming / "notes.txt"))
    assert f"{incoming / 'notes.txt'}: does not look like a MEM evaluation report" in err
    assert "corpus/" not in err and "memqa add" in err


def test_bad_json_beside_the_report(project, capsys):
    _, _, incoming = project
    src = atlantis_txt(incoming)
    src.with_suffix(".json").write_text("{not json", encoding="utf-8")
    err = refused(project, capsys, str(src))
    assert f"{src.with_suffix('.json')}: not valid JSON" in err


@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad-pdfs")
    good = make_report_pdf(TINY_REPORT, d / "good.pdf", country="Ruritania", header="Evaluation Report 2022")
    data = good.read_bytes()
    (d / "corrupt.pdf").write_bytes(data[: len(data) // 2])
    (d / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\n%%EOF\n")
    (d / "empty.pdf").write_bytes(b"")
    (d / "not-a-pdf.pdf").write_text("plain text", encoding="utf-8")
    return {"encrypted": encrypted_pdf(good, d / "encrypted.pdf"), "scanned": scanned_pdf(d / "scanned.pdf"),
            "unrelated": unrelated_pdf(d / "unrelated.pdf", pages=8), "corrupt": d / "corrupt.pdf",
            "garbage": d / "garbage.pdf", "empty": d / "empty.pdf", "not-a-pdf": d / "not-a-pdf.pdf"}


@pytest.mark.parametrize("kind, says", [
    ("encrypted", "password-protected"),
    ("scanned", "no text layer"),
    ("unrelated", "does not look like a MEM evaluation report"),
    ("corrupt", "truncated"),
    ("garbage", "damaged"),
    ("empty", "empty"),
    ("not-a-pdf", "not a PDF"),
])
def test_a_pdf_that_cannot_be_added(project, capsys, bad_pdfs, kind, says):
    err = refused(project, capsys, str(bad_pdfs[kind]))
    assert err.startswith(f"memqa: {bad_pdfs[kind]}: ") and says in err
    assert "corpus/" not in err  # the advice is about the file given, not the corpus


def test_a_pdf_whose_cover_lacks_metadata_asks_for_the_json(project, capsys, bad_pdfs):
    err = refused(project, capsys, str(bad_pdfs["encrypted"].with_name("good.pdf")))
    assert "good.pdf: its cover does not give" in err and "good.json" in err


def test_a_missing_corpus_folder_is_not_created(project, capsys, tmp_path):
    _, index, incoming = project
    missing = tmp_path / "nowhere"
    rc = main(["add", str(atlantis_txt(incoming)), "--corpus", str(missing), "--index", str(index),
               "--encoders", "fake"])
    assert rc == 2 and "does not exist" in capsys.readouterr().err and not missing.exists()


# --------------------------------------------------------------------------- a build that fails after the copy
@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failed_build_removes_the_copy(project, monkeypatch, failure):
    corpus, index, incoming = project
    before = snapshot(corpus), snapshot(index)
    seen = []

    def boom(corpus_dir, *args, **kwargs):
        seen.append(sorted(p.name for p in Path(corpus_dir).iterdir()))
        raise failure

    monkeypatch.setattr("memqa.build.build_index", boom)
    if isinstance(failure, KeyboardInterrupt):
        assert add(project, str(atlantis_txt(incoming))) == 130  # Ctrl-C (SIGTERM unwinds the same way)
    else:
        with pytest.raises(RuntimeError):
            add(project, str(atlantis_txt(incoming)))
    assert "atlantis-2019.txt" in seen[0]  # the build did see the report ...
    assert (snapshot(corpus), snapshot(index)) == before  # ... and the corpus is as it was


def test_a_failed_build_puts_a_replaced_report_back(project, monkeypatch):
    corpus, index, incoming = project
    before = snapshot(corpus)
    other = incoming / "ruritania.txt"
    other.write_text(TINY_REPORT + "\nAnother edition.\n", encoding="utf-8")
    (incoming / "ruritania.json").write_text(TINY_META, encoding="utf-8")
    enc = CountingEncoder(fail_after=0)  # the embedding is interrupted
    monkeypatch.setattr("memqa.encoders.load_encoder", lambda name: enc)
    assert add(project, str(other), "--force") == 130
    assert enc.calls == 0 and snapshot(corpus) == before
