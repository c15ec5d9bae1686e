"""``memqa build`` never deletes what it did not make, and every corpus or destination fault is one line,
exit code 2 (issue 13, faults 1 and 5). Driven through the CLI as a user would."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TINY_META, TINY_REPORT

TXT, META = "mem-2022-ruritania.txt", "mem-2022-ruritania.json"
pytestmark = pytest.mark.slow  # each test runs the CLI as a process (fake encoder: ~2 s each)


def cli_env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **extra}


def memqa(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "memqa.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env or cli_env(), timeout=timeout)


def one_line_error(done, *fragments: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.startswith("memqa: ")]
    assert len(lines) == 1 and done.stderr.strip().endswith(lines[0]), done.stderr  # the last line; the rest progress
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def build(project: Path, index: Path | str = "index", corpus: Path | str = "corpus", **env):
    return memqa("build", "--encoders", "fake", "--corpus", corpus, "--index", index, cwd=project,
                 env=cli_env(**env) if env else None)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: corpus/ with the tiny report, notes/ with a user's files."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / TXT).write_text(TINY_REPORT, encoding="utf-8")
    (tmp_path / "corpus" / META).write_text(TINY_META, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.md").write_text("my notes\n", encoding="utf-8")
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------- fault 1: data loss
@pytest.mark.parametrize("target, fragment", [
    ("notes", "not a memqa index"),
    ("corpus", "it is the corpus folder"),
    (".", "it contains the corpus folder"),
    ("corpus/..", "it contains the corpus folder"),
])
def test_build_refuses_to_replace_a_folder_it_did_not_make(project, target, fragment):
    before = tree(project)
    done = build(project, index=target)
    one_line_error(done, fragment, "--index")
    assert tree(project) == before  # nothing deleted, nothing added


def test_build_refuses_a_file_as_index(project):
    (project / "index").write_text("a file\n", encoding="utf-8")
    one_line_error(build(project), "not a folder")
    assert (project / "index").read_text(encoding="utf-8") == "a file\n"


def test_build_refuses_a_folder_whose_manifest_is_not_memqas(project):
    (project / "index").mkdir()
    (project / "index" / "manifest.json").write_text('{"name": "another tool"}', encoding="utf-8")
    (project / "index" / "data.bin").write_bytes(b"\0" * 10)
    one_line_error(build(project), "not a memqa index")
    assert (project / "index" / "data.bin").exists()


def test_build_fills_an_empty_folder_or_one_with_only_a_readme_and_replaces_its_own_index(project):
    (project / "index").mkdir()
    (project / "index" / "README.md").write_text("the index goes here\n", encoding="utf-8")
    assert build(project).returncode == 0
    assert build(project).returncode == 0  # rebuilding over our own index is fine
    assert (project / "index" / "README.md").read_text(encoding="utf-8") == "the index goes here\n"
    assert sorted(p.name for p in project.iterdir()) == ["corpus", "index", "notes"]  # no leftovers


def test_build_into_an_unwritable_destination_is_one_line(project):
    (project / "afile").write_text("x", encoding="utf-8")
    one_line_error(build(project, index="afile/index"), "cannot write the index", "afile is not a folder")


def _read_only_folder(project: Path) -> Path:
    """A folder this process cannot write: chmod 555 for a user, a read-only mount (/sys) for root."""
    if os.geteuid() != 0:
        ro = project / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        return ro
    try:
        (Path("/sys") / "memqa-probe").mkdir()
    except OSError:
        return Path("/sys")
    (Path("/sys") / "memqa-probe").rmdir()
    pytest.skip("no read-only folder available to root here")


def test_build_into_a_read_only_folder_is_one_line(project):
    ro = _read_only_folder(project)
    one_line_error(build(project, index=ro / "memqa-index"), "cannot write the index", "not writable")
    assert not (ro / "memqa-index").exists()


def test_a_stranded_old_index_is_recovered_on_the_next_start(project):
    assert build(project).returncode == 0
    # A build killed between its two renames: the previous index sits in .index.old-<pid>, index/ is gone.
    os.rename(project / "index", project / ".index.old-999999")
    done = memqa("ask", "--index", "index", "--corpus", "corpus", "canine detection", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "recovered the index" in done.stderr
    assert (project / "index" / "manifest.json").exists() and not (project / ".index.old-999999").exists()


def test_a_stranded_index_that_cannot_be_moved_back_is_named(tmp_path, monkeypatch, fake_index):
    from memqa.errors import IndexMissingError
    from memqa.store import read_manifest

    shutil.copytree(fake_index, tmp_path / ".index.old-4242")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(IndexMissingError) as e:
        read_manifest(tmp_path / "index")
    assert ".index.old-4242" in str(e.value) and "mv " in str(e.value)


# ---------------------------------------------------------------------- fault 5/6: corpus files
def _symlink_loop(d: Path) -> None:
    (d / "loop.txt").symlink_to(d / "loop.txt")


def _dangling(d: Path) -> None:
    (d / "gone.txt").symlink_to(d / "nowhere.txt")


def _dir_named_txt(d: Path) -> None:
    (d / "x.txt").mkdir()


def _meta(**changes):
    def change(d: Path) -> None:
        data = json.loads((d / META).read_text(encoding="utf-8"))
        (d / META).write_text(json.dumps({**data, **changes}), encoding="utf-8")
    return change


def _meta_raw(text: str):
    def change(d: Path) -> None:
        (d / META).write_text(text, encoding="utf-8")
    return change


def _upper_case(d: Path) -> None:
    (d / TXT).rename(d / "mem-2022-ruritania.TXT")


def _bidi_name(d: Path) -> None:
    (d / "report\u202etxt.exe.txt").write_text(TINY_REPORT, encoding="utf-8")


def _huge(d: Path) -> None:
    with open(d / TXT, "a", encoding="utf-8") as f:
        f.write("x" * 5000)


@pytest.mark.parametrize("breakage, fragments, env", [
    (_symlink_loop, ["loop.txt", "symbolic link loop"], {}),
    (_dangling, ["gone.txt", "missing file"], {}),
    (_dir_named_txt, ["x.txt", "is a folder"], {}),
    (_meta_raw("[1, 2]"), [META, "must be a JSON object", "not a list"], {}),
    (_meta_raw('"ruritania"'), [META, "must be a JSON object", "not a str"], {}),
    (_meta(year=True), [META, "year must be a number", "True"], {}),
    (_meta(year="2022"), [META, "year must be a number", "'2022'"], {}),
    (_meta(country=None), [META, "country is null"], {}),
    (_meta(report_id="copy-2022\n"), [META, "report_id 'copy-2022\\n'"], {}),
    (_upper_case, ["mem-2022-ruritania.TXT", "lower-case", "rename it to mem-2022-ruritania.txt"], {}),
    (_bidi_name, ["U+202E", "rename"], {}),
    (_huge, [TXT, "over the limit", "MEMQA_MAX_REPORT_BYTES"], {"MEMQA_MAX_REPORT_BYTES": "2000"}),
], ids=["symlink-loop", "dangling-symlink", "dir-named-txt", "json-array", "json-string", "year-true",
        "year-string", "null", "id-newline", "upper-case-TXT", "bidi-name", "size-cap"])
def test_corpus_faults_are_one_line_exit_2(project, breakage, fragments, env):
    breakage(project / "corpus")
    done = build(project, **env)
    one_line_error(done, *fragments)
    assert not (project / "index").exists()
