"""Shortest paths on packed weights: drive time and distance in one float64, Dijkstra in blocks.

Each edge weight packs ``(centiseconds << 27) + decimetres`` into an exactly representable
float64, so one Dijkstra minimises time then distance and both totals decode exactly
(:func:`pack`, :func:`unpack`). Large matrices run their Dijkstra blocks in worker processes
(:func:`parallel_blocks`), serially when the pool fails.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from numpy.typing import NDArray

_DIST_BITS = 27
_SHIFT = float(1 << _DIST_BITS)
_MAX_PACKED = float(1 << 53)


def pack(time_s: np.ndarray, dist_m: np.ndarray) -> np.ndarray:
    """Edge weights packing drive time (s) and distance (m): ``(cs << 27) + dm``."""
    t = np.rint(np.asarray(time_s) * 100.0)
    d = np.rint(np.asarray(dist_m) * 10.0)
    w = t * _SHIFT + d
    return np.maximum(w, 1.0)  # scipy ignores zero-weight edges: keep every edge >= 1 dm


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drive times (s) and distances (m) of packed path totals (``inf`` where unreachable)."""
    finite = np.isfinite(packed)
    p = np.where(finite, packed, 0.0)
    t = np.floor(p / _SHIFT)
    d = p - t * _SHIFT
    time_s = np.where(finite, t / 100.0, np.inf)
    dist_m = np.where(finite, d / 10.0, np.inf)
    return time_s, dist_m


# --- worker side of the process pool ------------------------------------------------------
def dijkstra_block(
    indptr: NDArray[np.integer],
    indices: NDArray[np.integer],
    data: NDArray[np.float64],
    n: int,
    sources: NDArray[np.integer],
    targets: NDArray[np.integer],
) -> NDArray[np.float64]:
    """Packed totals from ``sources`` to ``targets`` of the CSR graph given by its arrays."""
    graph = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    out = np.empty((len(sources), len(targets)))
    step = 64
    for i in range(0, len(sources), step):
        full = dijkstra(graph, directed=True, indices=sources[i : i + step])
        out[i : i + step] = full[:, targets]
    return out


_POOL: ProcessPoolExecutor | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """The worker processes of large matrices, started once per process.

    Workers come from a fork server (never a fork of a multi-threaded dashboard), and are
    started while ``__main__`` is masked, so they never re-run the caller's script (a
    script without an ``if __name__ == "__main__"`` guard, or code read from stdin).
    """
    global _POOL
    if _POOL is None:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["dispatch.geo.shortest_paths"])
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            # one busy task per worker makes the executor launch every worker now
            for fut in [pool.submit(time.sleep, 0.2) for _ in range(workers)]:
                fut.result()
        finally:
            if main is not None:
                sys.modules["__main__"] = main
        _POOL = pool
    return _POOL


def parallel_blocks(
    graph: sp.csr_matrix, sources: NDArray[np.integer], targets: NDArray[np.integer], workers: int
) -> NDArray[np.float64]:
    """Dijkstra from the sources split over worker processes (serial if the pool fails)."""
    global _POOL
    n = graph.shape[0]
    chunks = np.array_split(sources, workers)
    try:
        pool = _pool(workers)
        futs = [
            pool.submit(dijkstra_block, graph.indptr, graph.indices, graph.data, n, c, targets)
            for c in chunks
        ]
        return np.vstack([f.result() for f in futs])
    except Exception:  # a broken pool (killed worker, odd __main__) must not fail the query
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None
        return dijkstra_block(graph.indptr, graph.indices, graph.data, n, sources, targets)


def worker_count(setting: int) -> int:
    """Processes for large matrices: the setting, or one per core (at most 2) when 0."""
    cores = os.cpu_count() or 1
    return max(1, min(cores, 2) if setting <= 0 else setting)


def csr_min(
    frm: NDArray[np.integer], to: NDArray[np.integer], w: NDArray[np.float64], n: int
) -> sp.csr_matrix:
    """CSR matrix keeping the smallest weight of parallel edges (scipy would sum them)."""
    order = np.lexsort((w, to, frm))
    frm, to, w = frm[order], to[order], w[order]
    keep = np.r_[True, (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])]
    keep &= frm != to  # self-loops never shorten a path
    m = sp.csr_matrix((w[keep], (frm[keep], to[keep])), shape=(n, n))
    m.sort_indices()
    return m



__all__ = ["csr_min", "dijkstra_block", "pack", "parallel_blocks", "unpack", "worker_count"]
