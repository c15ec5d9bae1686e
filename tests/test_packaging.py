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
