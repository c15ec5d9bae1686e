"""Shared fixtures: a tiny report, the fake encoder, fake-encoder indexes and one real-model index.

* ``tiny_corpus``      — a folder with a small synthetic MEM report + metadata (hand-checkable).
* ``fake_encoder``     — deterministic bag-of-words encoder (no model).
* ``fake_index``       — the bundled Mexico report indexed with the fake encoder (session, fast).
* ``fake_assistant``   — Assistant over ``fake_index``.
* ``real_index``       — the bundled report indexed with MiniLM + e5 (session, ~1 min; slow tests only).
* ``real_assistant``   — Assistant over ``real_index`` with the real models.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
REPORT = CORPUS / "mem-2022-mexico.txt"

TINY_REPORT = """OAS

MULTILATERAL EVALUATION MECHANISM (MEM)

PREFACE

The MEM is a multilateral evaluation tool. It measures progress.

OBJECTIVE
1

REDUCE THE ILLICIT SUPPLY OF DRUGS.

Priority Action 1.1: Strengthen interdiction capabilities.

Ruritania trains customs officers in canine detection of narcotics.

Priority Action 1.2: Dismantle clandestine laboratories.

Ruritania dismantled laboratories with the National Police and the Tax

Administration Service.

- Chemical waste protocol
- Safety equipment for personnel

OBJECTIVE
2

CONTROL CHEMICAL PRECURSORS.

Priority Action 2.1: Control precursor chemicals.

Priority Action 2.2: Use the PEN Online system.

Ruritania uses PEN Online for pre-export notifications of precursor chemicals.

Priority Action 2.3: Promote licit traditional uses.

Not applicable.

EVALUATIVE SUMMARY

Objective 1

Reduce the illicit supply of drugs.

CICAD notes with satisfaction that Ruritania trains customs officers.

Objective 2

Control chemical precursors.

CICAD notes that Ruritania uses PEN Online.
"""

TINY_META = """{"report_id": "ruritania-2022", "country": "Ruritania", "year": 2022, "round": "Eighth Evaluation Round",
 "thematic_area": "Supply reduction", "document_code": "CICAD/doc.0000/22", "title": "Ruritania 2022", "language": "en"}"""


def stop_process(proc, timeout: float = 20) -> None:
    """Terminate a server started by a test; kill it if it does not exit within ``timeout`` seconds."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "mem-2022-ruritania.txt").write_text(TINY_REPORT, encoding="utf-8")
    (d / "mem-2022-ruritania.json").write_text(TINY_META, encoding="utf-8")
    return d


@pytest.fixture
def fake_encoder():
    from memqa.encoders import FakeEncoder

    return FakeEncoder()


@pytest.fixture(scope="session")
def mexico_corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for p in CORPUS.iterdir():
        if p.suffix in {".txt", ".json"}:
            shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory, mexico_corpus) -> Path:
    from memqa.build import build_index
    from memqa.encoders import FakeEncoder

    out = tmp_path_factory.mktemp("fake") / "index"
    build_index(mexico_corpus, out, [FakeEncoder()])
    return out


@pytest.fixture(scope="session")
def fake_assistant(fake_index, mexico_corpus):
    from memqa.assistant import Assistant
    from memqa.encoders import FakeEncoder

    return Assistant.load(fake_index, encoders=[FakeEncoder()], corpus_dir=mexico_corpus)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, mexico_corpus) -> Path:
    """The real index, built once per session (or reused from MEMQA_TEST_INDEX when it is fresh)."""
    from memqa.build import build_index
    from memqa.encoders import E5Encoder, MiniLMEncoder

    out = tmp_path_factory.mktemp("real") / "index"
    build_index(mexico_corpus, out, [MiniLMEncoder(), E5Encoder()])
    return out


@pytest.fixture(scope="session")
def real_assistant(real_index, mexico_corpus):
    from memqa.assistant import Assistant

    return Assistant.load(real_index, corpus_dir=mexico_corpus)
