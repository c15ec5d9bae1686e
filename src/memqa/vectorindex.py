"""The FAISS index over passage vectors: which type to build, and how to search it with a filter.

Measured (eval/bench_library.py, stage flat; one thread, k=100, real e5 vectors plus noise): flat search
costs ~0.08 ms per 1,000 vectors — 1.1 ms at 15,000 passages (100 reports), 12.3 ms at 150,000 (~1,000
reports), where it nears the e5 encode itself (~15–20 ms); IVF answered in 0.24 ms at 150,000. So:

* ``flat`` — exact; the default below ``AUTO_IVF_FROM`` passages;
* ``ivf`` — inverted lists (``nlist`` ≈ 4√n, trained on the passages themselves) searched with the smallest
  ``nprobe`` whose recall@100 against exact search, measured at build time on probe queries made from the
  library's own vectors (``probe_queries``), is at least ``TARGET_RECALL``, times ``SAFETY`` (real questions
  are harder than the probes); the build records nlist, nprobe and that recall
  in the manifest;
* ``auto`` — ``ivf`` from ``AUTO_IVF_FROM`` passages on, else ``flat``.

Filters (report, country, ...) are FAISS ID selectors with either type, so a filtered question searches
only the allowed passages.
"""
from __future__ import annotations

import numpy as np

KINDS = ("auto", "flat", "ivf")
AUTO_IVF_FROM = 100_000  # passages (~650 reports of the bundled report's size)
TARGET_RECALL = 0.99
RECALL_K = 100
PROBES = (4, 8, 16, 32, 64, 128, 256)
SAMPLE_QUERIES = 200
# Real questions are harder than the probes: on a 150,000-passage library (real e5 vectors plus noise), the
# probes reached recall@100 0.997 at nprobe 16 where 200 gold questions reached 0.963 (0.984 at 32, 0.994 at
# 64). So the index probes SAFETY times the lists the probes needed.
SAFETY = 4
MIN_PER_LIST = 39  # FAISS wants ~39 training points per list


def choose(kind: str, n: int) -> str:
    """The index type to build for ``n`` passages.

    >>> choose("auto", 15_000), choose("auto", 150_000), choose("ivf", 10), choose("flat", 10**6)
    ('flat', 'ivf', 'ivf', 'flat')
    """
    if kind not in KINDS:
        raise ValueError(f"unknown FAISS index type {kind!r}; use one of {', '.join(KINDS)}.")
    if kind == "auto":
        return "ivf" if n >= AUTO_IVF_FROM else "flat"
    return kind


def build(vectors: np.ndarray, kind: str = "auto", seed: int = 0):
    """(FAISS index holding ``vectors``, manifest info about it)."""
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = x.shape
    chosen = choose(kind, n)
    if chosen == "flat" or n == 0:
        index = faiss.IndexFlatIP(dim)
        index.add(x)
        return index, {"type": "flat", "requested": kind, "vectors": int(n)}
    nlist = int(max(1, min(4 * np.sqrt(n), n // MIN_PER_LIST)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(x)
    index.add(x)
    q = probe_queries(x, seed)
    k = min(RECALL_K, n)
    exact = faiss.IndexFlatIP(dim)
    exact.add(x)
    truth, _ = exact.search(q, k)
    recall = 0.0
    probes = [p for p in PROBES if p < nlist] + [nlist]
    for nprobe in probes:
        index.nprobe = nprobe
        got, _ = index.search(q, k)
        recall = recall_at(truth, got)
        if recall >= TARGET_RECALL:
            break
    index.nprobe = min(nlist, index.nprobe * SAFETY)
    got, _ = index.search(q, k)
    return index, {"type": "ivf", "requested": kind, "vectors": int(n), "nlist": nlist, "nprobe": int(index.nprobe),
                   "recall_at_100": round(recall_at(truth, got), 4), "recall_queries": len(q)}


def recall_at(truth: np.ndarray, got: np.ndarray) -> float:
    """Share of the exact top-k that the approximate search found, counted by similarity so that ties
    (duplicate passages, common in a library of near-identical reports) count as found.

    >>> recall_at(np.array([[0.9, 0.8, 0.8]]), np.array([[0.9, 0.8, 0.5]]))
    0.6666666666666666
    """
    kth = truth[:, -1:] - 1e-6
    return float(np.mean(np.sum(got >= kth, axis=1) / truth.shape[1]))


def probe_queries(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Queries to measure recall with: the normalised midpoints of random pairs of the library's vectors.
    A question rarely sits on one passage; a midpoint lies between two clusters as often as not, which
    makes it a harder probe than the passages themselves (they are always in their own list)."""
    rng = np.random.default_rng(seed)
    m = min(SAMPLE_QUERIES, len(x))
    q = x[rng.integers(0, len(x), m)] + x[rng.integers(0, len(x), m)]
    norms = np.linalg.norm(q, axis=1, keepdims=True)
    return np.ascontiguousarray(q / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def search(index, q: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, ids) of the ``k`` best vectors for one query among the ``allowed`` ones (None: all),
    an IVF index probing its own ``nprobe`` lists."""
    import faiss

    params = None
    if allowed is not None:
        bits = np.packbits(allowed, bitorder="little")  # alive until the search returns
        sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        ivf = faiss.try_extract_index_ivf(index)
        params = (faiss.SearchParametersIVF(sel=sel, nprobe=ivf.nprobe) if ivf is not None
                  else faiss.SearchParameters(sel=sel))
    sims, ids = index.search(q[None, :], k, params=params)
    return sims[0], ids[0]


def vectors_of(index) -> np.ndarray:
    """The vectors an IVF index holds, in id order (a copy; flat indexes are read in place by the retriever)."""
    ivf = __import__("faiss").try_extract_index_ivf(index)
    if ivf is not None:
        ivf.make_direct_map()
    return index.reconstruct_n(0, index.ntotal)
