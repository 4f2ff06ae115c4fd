"""Road network services: snapping, travel-time matrices, paths, one-to-all drives.

The network is a directed graph in compressed sparse row form (scipy), built from the
region's road segments. Points are snapped onto the nearest *edge* (not the nearest node):
a snapped point becomes a virtual node splitting its edge, so a trip starts and ends where
the customer is, and one-way streets are respected from the first metre.

Shortest paths minimise drive time. One Dijkstra gives both the time and the length of
the fastest path: each edge weight packs ``(centiseconds << 27) + decimetres`` into an
exactly representable float64, so the minimum is lexicographic (time, then distance) and
both totals decode exactly. Pairs with no path are reported as unreachable (``inf`` and
``reachable = False``), never as a large number.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from dispatch.errors import InvalidInput, Unreachable
from dispatch.geo.point import GeoPoint

_DIST_BITS = 27
_SHIFT = float(1 << _DIST_BITS)
_MAX_PACKED = float(1 << 53)


def _pack(time_s: np.ndarray, dist_m: np.ndarray) -> np.ndarray:
    t = np.rint(np.asarray(time_s) * 100.0)
    d = np.rint(np.asarray(dist_m) * 10.0)
    w = t * _SHIFT + d
    return np.maximum(w, 1.0)  # scipy ignores zero-weight edges: keep every edge >= 1 dm


def _unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(packed)
    p = np.where(finite, packed, 0.0)
    t = np.floor(p / _SHIFT)
    d = p - t * _SHIFT
    time_s = np.where(finite, t / 100.0, np.inf)
    dist_m = np.where(finite, d / 10.0, np.inf)
    return time_s, dist_m


# --- worker side of the process pool ------------------------------------------------------
def _dijkstra_block(indptr, indices, data, n, sources, targets):
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
        import multiprocessing as mp
        import sys
        import types

        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["dispatch.geo.network"])
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            import time

            # one busy task per worker makes the executor launch every worker now
            for fut in [pool.submit(time.sleep, 0.2) for _ in range(workers)]:
                fut.result()
        finally:
            if main is not None:
                sys.modules["__main__"] = main
        _POOL = pool
    return _POOL


def _parallel_blocks(graph, sources, targets, workers) -> np.ndarray:
    """Dijkstra from the sources split over worker processes (serial if the pool fails)."""
    global _POOL
    n = graph.shape[0]
    chunks = np.array_split(sources, workers)
    try:
        pool = _pool(workers)
        futs = [
            pool.submit(_dijkstra_block, graph.indptr, graph.indices, graph.data, n, c, targets)
            for c in chunks
        ]
        return np.vstack([f.result() for f in futs])
    except Exception:  # a broken pool (killed worker, odd __main__) must not fail the query
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None
        return _dijkstra_block(graph.indptr, graph.indices, graph.data, n, sources, targets)


def _workers(setting: int) -> int:
    cores = os.cpu_count() or 1
    return max(1, min(cores, 2) if setting <= 0 else setting)


# --- values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Snapped:
    """Points snapped onto road segments (arrays, one entry per point)."""

    segment: np.ndarray  # int64 segment index
    fraction: np.ndarray  # position along the segment's geometry, 0 at u, 1 at v
    distance_m: np.ndarray  # from the given point to the road
    lat: np.ndarray  # snapped position
    lon: np.ndarray
    far: np.ndarray  # bool: farther than the snap limit (flagged, not moved silently)

    def __len__(self) -> int:
        return len(self.segment)


@dataclass(frozen=True)
class SnapResult:
    """One snapped point."""

    point: GeoPoint
    snapped: GeoPoint
    distance_m: float
    far: bool
    segment: int
    street: str | None

    def to_dict(self) -> dict:
        return {
            "lat": self.snapped.lat,
            "lon": self.snapped.lon,
            "distance_m": round(self.distance_m, 1),
            "far": self.far,
            "street": self.street,
        }


@dataclass(frozen=True)
class TravelMatrix:
    """Many-to-many drive times and distances; ``inf`` where no path exists."""

    durations_s: np.ndarray
    distances_m: np.ndarray
    reachable: np.ndarray
    snaps: Snapped

    @property
    def unreachable_pairs(self) -> list[tuple[int, int]]:
        """Index pairs (from, to) with no road path."""
        rows, cols = np.nonzero(~self.reachable)
        return list(zip(rows.tolist(), cols.tolist(), strict=True))


@dataclass(frozen=True)
class Route:
    """The fastest road path between two points."""

    duration_s: float
    distance_m: float
    coords: list[tuple[float, float]]  # (lat, lon) along the roads

    def to_dict(self) -> dict:
        return {
            "duration_s": round(self.duration_s, 1),
            "distance_m": round(self.distance_m, 1),
            "coords": [[round(a, 6), round(b, 6)] for a, b in self.coords],
        }


@dataclass(frozen=True)
class OneToAll:
    """Drive times and distances from one origin to every node, evaluable at any point."""

    network: Network = field(repr=False)
    origin: Snapped
    node_time_s: np.ndarray
    node_dist_m: np.ndarray

    def at(self, lats, lons) -> tuple[np.ndarray, np.ndarray]:
        """Drive time (s) and distance (m) from the origin to each point (``inf`` unreachable)."""
        snaps = self.network.snap(lats, lons)
        return self.at_snapped(snaps)

    def at_snapped(self, snaps: Snapped) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`at` for points already snapped."""
        net = self.network
        seg = snaps.segment
        t = snaps.fraction
        T = net.seg_time[seg]
        L = net.seg_length[seg]
        u = net.seg_u[seg]
        v = net.seg_v[seg]
        # enter through u (always allowed along u->v) or through v (two-way segments only)
        time_u = self.node_time_s[u] + t * T
        dist_u = self.node_dist_m[u] + t * L
        time_v = np.where(net.seg_oneway[seg] == 0, self.node_time_s[v] + (1 - t) * T, np.inf)
        dist_v = self.node_dist_m[v] + (1 - t) * L
        use_v = time_v < time_u
        time = np.where(use_v, time_v, time_u)
        dist = np.where(use_v, dist_v, dist_u)
        # same segment as the origin: direct along the segment
        o_seg = int(self.origin.segment[0])
        o_t = float(self.origin.fraction[0])
        same = seg == o_seg
        if same.any():
            fwd = same & (t >= o_t)
            bwd = same & (t < o_t) & (net.seg_oneway[seg] == 0)
            direct = np.where(fwd | bwd, np.abs(t - o_t), np.inf)
            dt = direct * T
            better = dt < time
            time = np.where(better, dt, time)
            dist = np.where(better, direct * L, dist)
        dist = np.where(np.isfinite(time), dist, np.inf)
        return time, dist


class Network:
    """A directed road network with geometry, ready for snapping and shortest paths.

    Parameters
    ----------
    node_lat, node_lon
        Coordinates of the graph nodes.
    seg_u, seg_v, seg_length, seg_speed, seg_oneway
        Road segments between nodes; ``seg_oneway`` 1 means drivable only from u to v.
    seg_offsets, seg_coords
        Geometry of each segment (lat, lon rows).
    seg_name, names
        Street name index per segment (-1 for none) and the names.
    traffic_factor
        Multiplier applied to drive times (1.0 = free flow).
    snap_max_m
        Points farther than this from any road are flagged ``far``.
    workers
        Processes for large matrices (0 = one per core, at most 2).
    """

    def __init__(
        self,
        *,
        node_lat: np.ndarray,
        node_lon: np.ndarray,
        seg_u: np.ndarray,
        seg_v: np.ndarray,
        seg_length: np.ndarray,
        seg_speed: np.ndarray,
        seg_oneway: np.ndarray,
        seg_offsets: np.ndarray,
        seg_coords: np.ndarray,
        seg_name: np.ndarray | None = None,
        names: Sequence[str] = (),
        traffic_factor: float = 1.0,
        snap_max_m: float = 500.0,
        workers: int = 0,
    ) -> None:
        self.node_lat = np.asarray(node_lat, dtype=np.float64)
        self.node_lon = np.asarray(node_lon, dtype=np.float64)
        self.seg_u = np.asarray(seg_u, dtype=np.int64)
        self.seg_v = np.asarray(seg_v, dtype=np.int64)
        self.seg_length = np.asarray(seg_length, dtype=np.float64)
        self.seg_speed = np.asarray(seg_speed, dtype=np.float64)
        self.seg_oneway = np.asarray(seg_oneway, dtype=np.int8)
        self.seg_offsets = np.asarray(seg_offsets, dtype=np.int64)
        self.seg_coords = np.asarray(seg_coords, dtype=np.float64)
        self.seg_name = (
            np.asarray(seg_name, dtype=np.int64) if seg_name is not None else np.full(len(seg_u), -1)
        )
        self.names = list(names)
        if not (traffic_factor > 0 and math.isfinite(traffic_factor)):
            msg = f"traffic_factor must be a positive number, got {traffic_factor!r}."
            raise InvalidInput(msg)
        self.traffic_factor = float(traffic_factor)
        self.snap_max_m = float(snap_max_m)
        self.workers = _workers(workers)
        self.seg_time = self.seg_length / (self.seg_speed / 3.6) * self.traffic_factor
        self.n_nodes = len(self.node_lat)

    # --- structure ------------------------------------------------------------------------
    @cached_property
    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Directed edges: (from, to, packed weight, segment index * 2 + reversed)."""
        two = self.seg_oneway == 0
        idx = np.arange(len(self.seg_u))
        frm = np.concatenate([self.seg_u, self.seg_v[two]])
        to = np.concatenate([self.seg_v, self.seg_u[two]])
        w = _pack(
            np.concatenate([self.seg_time, self.seg_time[two]]),
            np.concatenate([self.seg_length, self.seg_length[two]]),
        )
        ref = np.concatenate([idx * 2, idx[two] * 2 + 1])
        return frm, to, w, ref

    @cached_property
    def csr(self) -> sp.csr_matrix:
        """The graph as a CSR matrix of packed weights (shortest of parallel edges kept)."""
        frm, to, w, _ = self._edges
        return _csr(frm, to, w, self.n_nodes)

    @cached_property
    def edge_count(self) -> int:
        return int(self.csr.nnz)

    @cached_property
    def _projector(self):
        from pyproj import Transformer

        lat0 = float(np.mean(self.node_lat)) if self.n_nodes else 0.0
        lon0 = float(np.mean(self.node_lon)) if self.n_nodes else 0.0
        proj = f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
        fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        inv = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
        return fwd, inv

    def project(self, lats, lons) -> tuple[np.ndarray, np.ndarray]:
        """Local metric coordinates (x, y) of lat/lon arrays (transverse Mercator at the region)."""
        fwd, _ = self._projector
        x, y = fwd.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return np.asarray(x), np.asarray(y)

    def unproject(self, xs, ys) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`project`: returns (lats, lons)."""
        _, inv = self._projector
        lon, lat = inv.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        return np.asarray(lat), np.asarray(lon)

    @cached_property
    def _lines(self):
        import shapely

        x, y = self.project(self.seg_coords[:, 0], self.seg_coords[:, 1])
        xy = np.column_stack([x, y])
        counts = np.diff(self.seg_offsets)
        ids = np.repeat(np.arange(len(counts)), counts)
        return shapely.linestrings(xy, indices=ids)

    @cached_property
    def _tree(self):
        import shapely

        return shapely.STRtree(self._lines)

    @cached_property
    def main_segments(self) -> np.ndarray:
        """Indices of the segments inside the largest strongly connected component."""
        from scipy.sparse.csgraph import connected_components

        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, labels = connected_components(self.csr, directed=True, connection="strong")
        main = np.argmax(np.bincount(labels))
        inside = (labels[self.seg_u] == main) & (labels[self.seg_v] == main)
        return np.flatnonzero(inside)

    @cached_property
    def _main_tree(self):
        import shapely

        return shapely.STRtree(self._lines[self.main_segments])

    # --- snapping ---------------------------------------------------------------------------
    def snap(self, lats, lons, *, main_component: bool = True) -> Snapped:
        """Snap points onto the nearest road segment.

        Parameters
        ----------
        lats, lons
            Arrays (or scalars) of coordinates.
        main_component
            Prefer the main (strongly connected) network over a nearer road fragment that is
            cut off from it, when the main network is within the snap limit.

        Returns
        -------
        Snapped
            Segment, fraction along it, snap distance (m), snapped position, and ``far``
            (farther than ``snap_max_m``: flagged, the caller decides).
        """
        import shapely

        lats = np.atleast_1d(np.asarray(lats, dtype=float))
        lons = np.atleast_1d(np.asarray(lons, dtype=float))
        if lats.shape != lons.shape:
            msg = "lats and lons must have the same length."
            raise InvalidInput(msg)
        if not (np.isfinite(lats).all() and np.isfinite(lons).all()):
            msg = "Coordinates must be finite numbers."
            raise InvalidInput(msg)
        x, y = self.project(lats, lons)
        pts = shapely.points(x, y)
        idx, dist = self._tree.query_nearest(pts, return_distance=True, all_matches=False)
        seg = np.empty(len(pts), dtype=np.int64)
        dmin = np.empty(len(pts))
        seg[idx[0]] = idx[1]
        dmin[idx[0]] = dist
        if main_component and len(self.main_segments) < len(self.seg_u):
            # As OSRM does: a point whose nearest road is an island (a fragment cut off from
            # the network) is snapped to the main network when that is within the limit.
            main = self.main_segments
            island = ~np.isin(seg, main)
            if island.any():
                sub = np.flatnonzero(island)
                j, d2 = self._main_tree.query_nearest(
                    pts[sub], return_distance=True, all_matches=False
                )
                cand_seg = np.empty(len(sub), dtype=np.int64)
                cand_d = np.empty(len(sub))
                cand_seg[j[0]] = main[j[1]]
                cand_d[j[0]] = d2
                ok = cand_d <= self.snap_max_m
                seg[sub[ok]] = cand_seg[ok]
                dmin[sub[ok]] = cand_d[ok]
        lines = self._lines[seg]
        along = shapely.line_locate_point(lines, pts)
        total = shapely.length(lines)
        frac = np.where(total > 0, along / np.where(total > 0, total, 1.0), 0.0)
        frac = np.clip(frac, 0.0, 1.0)
        on = shapely.line_interpolate_point(lines, along)
        sx, sy = shapely.get_x(on), shapely.get_y(on)
        slat, slon = self.unproject(sx, sy)
        return Snapped(
            segment=seg,
            fraction=frac,
            distance_m=dmin,
            lat=slat,
            lon=slon,
            far=dmin > self.snap_max_m,
        )

    def snap_point(self, point: GeoPoint) -> SnapResult:
        """Snap one point; see :meth:`snap`."""
        s = self.snap([point.lat], [point.lon])
        seg = int(s.segment[0])
        name_i = int(self.seg_name[seg])
        return SnapResult(
            point=point,
            snapped=GeoPoint(float(s.lat[0]), float(s.lon[0])),
            distance_m=float(s.distance_m[0]),
            far=bool(s.far[0]),
            segment=seg,
            street=self.names[name_i] if name_i >= 0 else None,
        )

    # --- virtual nodes ----------------------------------------------------------------------
    def _augmented(self, snaps: Snapped) -> sp.csr_matrix:
        """The graph plus one virtual node per snapped point (index n_nodes + i)."""
        n, k = self.n_nodes, len(snaps)
        seg = snaps.segment
        t = snaps.fraction
        T = self.seg_time[seg]
        L = self.seg_length[seg]
        u = self.seg_u[seg]
        v = self.seg_v[seg]
        p = n + np.arange(k)
        two = self.seg_oneway[seg] == 0
        frm = [u, p, v[two], p[two]]
        to = [p, v, p[two], u[two]]
        tt = [t * T, (1 - t) * T, ((1 - t) * T)[two], (t * T)[two]]
        dd = [t * L, (1 - t) * L, ((1 - t) * L)[two], (t * L)[two]]
        # points sharing a segment: direct hops along it
        order = np.argsort(seg, kind="stable")
        s_sorted = seg[order]
        starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for a, b in zip(starts, ends, strict=True):
            if b - a < 2:
                continue
            group = order[a:b]
            for i in group:
                for j in group:
                    if i == j:
                        continue
                    dt = t[j] - t[i]
                    if dt >= 0 or self.seg_oneway[seg[i]] == 0:
                        frm.append(np.array([n + i]))
                        to.append(np.array([n + j]))
                        tt.append(np.array([abs(dt) * T[i]]))
                        dd.append(np.array([abs(dt) * L[i]]))
        efrm, eto, ew, _ = self._edges
        all_frm = np.concatenate([efrm, *frm])
        all_to = np.concatenate([eto, *to])
        all_w = np.concatenate([ew, _pack(np.concatenate(tt), np.concatenate(dd))])
        return _csr(all_frm, all_to, all_w, n + k)

    # --- matrices ---------------------------------------------------------------------------
    def matrix(
        self,
        points: Sequence[GeoPoint] | None = None,
        *,
        lats=None,
        lons=None,
        snaps: Snapped | None = None,
    ) -> TravelMatrix:
        """Many-to-many drive times and distances between points.

        Parameters
        ----------
        points
            The points (or give ``lats`` and ``lons``, or precomputed ``snaps``).

        Returns
        -------
        TravelMatrix
            ``durations_s[i, j]`` from point i to point j; ``inf`` and
            ``reachable[i, j] = False`` where no road path exists.
        """
        if snaps is None:
            if points is not None:
                lats = [p.lat for p in points]
                lons = [p.lon for p in points]
            if lats is None or lons is None:
                msg = "Give points, or lats and lons."
                raise InvalidInput(msg)
            snaps = self.snap(lats, lons)
        k = len(snaps)
        if k == 0:
            empty = np.zeros((0, 0))
            return TravelMatrix(empty, empty, empty.astype(bool), snaps)
        graph = self._augmented(snaps)
        n = graph.shape[0]
        targets = np.arange(self.n_nodes, n)
        sources = targets
        workers = self.workers
        if workers > 1 and k * self.n_nodes > 3_000_000:
            packed = _parallel_blocks(graph, sources, targets, workers)
        else:
            packed = _dijkstra_block(graph.indptr, graph.indices, graph.data, n, sources, targets)
        time_s, dist_m = _unpack(packed)
        np.fill_diagonal(time_s, 0.0)
        np.fill_diagonal(dist_m, 0.0)
        return TravelMatrix(
            durations_s=time_s,
            distances_m=dist_m,
            reachable=np.isfinite(time_s),
            snaps=snaps,
        )

    def drive_from(self, point: GeoPoint) -> OneToAll:
        """Drive times and distances from one point to everywhere (one Dijkstra)."""
        snaps = self.snap([point.lat], [point.lon])
        graph = self._augmented(snaps)
        packed = dijkstra(graph, directed=True, indices=[self.n_nodes])[0]
        time_s, dist_m = _unpack(packed[: self.n_nodes])
        return OneToAll(network=self, origin=snaps, node_time_s=time_s, node_dist_m=dist_m)

    # --- paths -------------------------------------------------------------------------------
    def route(self, a: GeoPoint, b: GeoPoint) -> Route:
        """The fastest road path from ``a`` to ``b`` with its geometry.

        Raises
        ------
        Unreachable
            When no road path exists (one-way streets, disconnected data).
        """
        snaps = self.snap([a.lat, b.lat], [a.lon, b.lon])
        graph = self._augmented(snaps)
        n = self.n_nodes
        dist, pred = dijkstra(graph, directed=True, indices=[n], return_predecessors=True)
        packed = dist[0, n + 1]
        if not np.isfinite(packed):
            msg = (
                f"No road path from {a.lat:.5f},{a.lon:.5f} to {b.lat:.5f},{b.lon:.5f} "
                "(one-way streets or roads missing from the region's data)."
            )
            raise Unreachable(msg)
        time_s, dist_m = _unpack(np.array([packed]))
        path = [n + 1]
        while path[-1] != n:
            path.append(int(pred[0, path[-1]]))
            if path[-1] < 0:  # pragma: no cover - guarded by the finite check
                break
        path.reverse()
        coords = self._path_coords(path, snaps)
        return Route(float(time_s[0]), float(dist_m[0]), coords)

    def _segment_coords(self, seg: int) -> np.ndarray:
        return self.seg_coords[self.seg_offsets[seg] : self.seg_offsets[seg + 1]]

    def _partial(self, seg: int, t0: float, t1: float) -> list[tuple[float, float]]:
        """Geometry of a segment between two fractions (t0 > t1 walks it backwards)."""
        import shapely

        line = self._lines[seg]
        total = shapely.length(line)
        lo, hi = sorted((t0, t1))
        piece = shapely.ops.substring(line, lo * total, hi * total) if total > 0 else line
        xy = np.asarray(piece.coords)
        if xy.ndim != 2 or len(xy) == 0:
            return []
        lat, lon = self.unproject(xy[:, 0], xy[:, 1])
        out = list(zip(lat.tolist(), lon.tolist(), strict=True))
        return out[::-1] if t0 > t1 else out

    def _path_coords(self, path: list[int], snaps: Snapped) -> list[tuple[float, float]]:
        import shapely.ops  # noqa: F401  (substring)

        n = self.n_nodes
        frm, to, w, ref = self._edges
        coords: list[tuple[float, float]] = []

        def extend(points: list[tuple[float, float]]) -> None:
            for pt in points:
                if not coords or coords[-1] != pt:
                    coords.append(pt)

        src_seg, src_t = int(snaps.segment[0]), float(snaps.fraction[0])
        dst_seg, dst_t = int(snaps.segment[1]), float(snaps.fraction[1])
        for a, b in zip(path[:-1], path[1:], strict=True):
            if a >= n and b >= n:  # direct along one segment
                extend(self._partial(src_seg, src_t, dst_t))
            elif a >= n:  # leave the origin towards node b
                if b == self.seg_v[src_seg] and b != self.seg_u[src_seg]:
                    end = 1.0
                elif b == self.seg_u[src_seg] and b != self.seg_v[src_seg]:
                    end = 0.0
                else:
                    end = 1.0 if self.seg_oneway[src_seg] == 1 or src_t >= 0.5 else 0.0
                extend(self._partial(src_seg, src_t, end))
            elif b >= n:  # arrive at the destination from node a
                if a == self.seg_u[dst_seg] and a != self.seg_v[dst_seg]:
                    start = 0.0
                elif a == self.seg_v[dst_seg] and a != self.seg_u[dst_seg]:
                    start = 1.0
                else:
                    start = 0.0 if dst_t <= 0.5 else 1.0
                extend(self._partial(dst_seg, start, dst_t))
            else:
                mask = np.flatnonzero((frm == a) & (to == b))
                best = mask[np.argmin(w[mask])]
                seg, rev = divmod(int(ref[best]), 2)
                pts = self._segment_coords(seg)
                if rev:
                    pts = pts[::-1]
                extend([(float(p[0]), float(p[1])) for p in pts])
        return coords


def _csr(frm, to, w, n) -> sp.csr_matrix:
    """CSR matrix keeping the smallest weight of parallel edges (scipy would sum them)."""
    order = np.lexsort((w, to, frm))
    frm, to, w = frm[order], to[order], w[order]
    keep = np.r_[True, (frm[1:] != frm[:-1]) | (to[1:] != to[:-1])]
    keep &= frm != to  # self-loops never shorten a path
    m = sp.csr_matrix((w[keep], (frm[keep], to[keep])), shape=(n, n))
    m.sort_indices()
    return m


__all__ = ["Network", "OneToAll", "Route", "SnapResult", "Snapped", "TravelMatrix"]
