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
