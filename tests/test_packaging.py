"""The wheel carries its data files and installs the HTTP layer as memqa.api (no top-level ``api``)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("memqa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("memqa/data/calibration.json", "memqa/data/mem_vocabulary.json", "memqa/api/app.py",
                   "memqa/api/static/index.html", "memqa/api/static/app.js", "memqa/cli.py"):
        assert needed in names, needed
    assert not any(n.startswith("api/") for n in names)  # no top-level package named "api"


def test_make_run_takes_port_and_host():
    venv = Path(sys.executable).resolve().parent.parent
    out = subprocess.run(["make", "-n", "run", "PORT=8123", "HOST=0.0.0.0", f"VENV={venv}"], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert "serve --host 0.0.0.0 --port 8123" in out


def test_the_offline_manual_assets_are_a_declared_dependency():
    """/docs is served from fastapi-offline's files: the package must be installed with memqa."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(d.split(">")[0].split("=")[0].strip() == "fastapi-offline" for d in deps)
    from memqa.api.docs import assets_dir

    assert {"swagger-ui-bundle.js", "swagger-ui.css"} <= {p.name for p in assets_dir().iterdir()}


# ------------------------------------------------------------------------------------------- Dockerfile
# No Docker daemon runs on the CI machine, so the image cannot be built here; these tests check what can
# break it without one: its sources, its install order and pin, its commands and its health check.
def _docker_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def test_dockerfile_copies_what_a_wheel_needs_and_the_wheel_builds_from_it(tmp_path):
    """Build context = the COPY sources only (minus .dockerignore): pip must build memqa from exactly that."""
    import shutil

    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip()}
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    for op, rest in _docker_instructions():
        if op != "COPY":
            continue
        *sources, dest = rest.split()
        for src in sources:
            assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repository"
            assert src not in ignored, f"{src} is excluded by .dockerignore"
            if (ROOT / src).is_dir():
                shutil.copytree(ROOT / src, ctx / src, symlinks=False,
                                ignore=shutil.ignore_patterns("__pycache__", "api"))  # src/memqa/api: dev symlink
            else:
                shutil.copy(ROOT / src, ctx / src)
    assert {"index", ".venv", ".git"} <= ignored
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ctx)], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("memqa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"memqa/data/calibration.json", "memqa/api/static/index.html", "memqa/cli.py"} <= names
    assert any(p.suffix == ".txt" for p in (ctx / "corpus").iterdir())  # `memqa build` in the image has a report


def test_dockerfile_installs_cpu_torch_first_with_the_projects_pin():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pin = next(d for d in deps if d.startswith("torch"))
    runs = [rest for op, rest in _docker_instructions() if op == "RUN"]
    install = next(r for r in runs if "pip install" in r)
    assert pin in install and "whl/cpu" in (ROOT / "Dockerfile").read_text()
    assert install.index(pin) < install.index("pip install --no-cache-dir .")
    assert pin in (ROOT / "Makefile").read_text()  # the same pin as `make install`


def test_dockerfile_commands_are_real_memqa_commands():
    import json as _json
    import shlex

    from memqa.api.app import create_app  # noqa: F401  (the app module imports)

    from memqa.cli import build_parser

    ins = _docker_instructions()
    env = dict(kv.split("=", 1) for op, rest in ins if op == "ENV" for kv in shlex.split(rest))
    workdir = next(rest for op, rest in ins if op == "WORKDIR")
    assert env["MEMQA_HOME"] == workdir and env["HF_HUB_OFFLINE"] == "1"
    cmd = _json.loads(next(rest for op, rest in ins if op == "CMD"))
    assert cmd[0] == "memqa"
    args = build_parser().parse_args(cmd[1:])
    assert args.host == "0.0.0.0" and args.port == int(next(rest for op, rest in ins if op == "EXPOSE"))
    build = next(rest for op, rest in ins if op == "RUN" and "memqa build" in rest)
    build_parser().parse_args(shlex.split(build.split("&&")[0])[1:])
    health = next(rest for op, rest in ins if op == "HEALTHCHECK")
    assert f"127.0.0.1:{args.port}/health" in health
