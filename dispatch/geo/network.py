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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import shapely
import shapely.ops
from pyproj import Transformer
from scipy.sparse.csgraph import connected_components, dijkstra

from dispatch.errors import InvalidInput, Unreachable
from dispatch.geo.point import GeoPoint
from dispatch.geo.road_snapping import ExactSnapper, SampledSnapper, Snapped, SnapResult
from dispatch.geo.shortest_paths import (
    csr_min,
    dijkstra_block,
    pack,
    parallel_blocks,
    unpack,
    worker_count,
)
from dispatch.i18n import N_

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


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

    def to_dict(self) -> dict[str, float | list[list[float]]]:
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

    def at(self, lats: ArrayLike, lons: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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
            msg = N_("traffic_factor must be a positive number, got {traffic_factor!r}.")
            raise InvalidInput(msg, traffic_factor=traffic_factor)
        self.traffic_factor = float(traffic_factor)
        self.snap_max_m = float(snap_max_m)
        self.workers = worker_count(workers)
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
        w = pack(
            np.concatenate([self.seg_time, self.seg_time[two]]),
            np.concatenate([self.seg_length, self.seg_length[two]]),
        )
        ref = np.concatenate([idx * 2, idx[two] * 2 + 1])
        return frm, to, w, ref

    @cached_property
    def csr(self) -> sp.csr_matrix:
        """The graph as a CSR matrix of packed weights (shortest of parallel edges kept)."""
        frm, to, w, _ = self._edges
        return csr_min(frm, to, w, self.n_nodes)

    @cached_property
    def edge_count(self) -> int:
        return int(self.csr.nnz)

    @cached_property
    def _projector(self) -> tuple[Transformer, Transformer]:
        lat0 = float(np.mean(self.node_lat)) if self.n_nodes else 0.0
        lon0 = float(np.mean(self.node_lon)) if self.n_nodes else 0.0
        proj = f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
        fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        inv = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
        return fwd, inv

    def project(self, lats: ArrayLike, lons: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Local metric coordinates (x, y) of lat/lon arrays (transverse Mercator at the region)."""
        fwd, _ = self._projector
        x, y = fwd.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return np.asarray(x), np.asarray(y)

    def unproject(self, xs: ArrayLike, ys: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`project`: returns (lats, lons)."""
        _, inv = self._projector
        lon, lat = inv.transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        return np.asarray(lat), np.asarray(lon)

    @cached_property
    def lines(self) -> NDArray[np.object_]:
        """Segment geometry as shapely LineStrings in the metric coordinates of :meth:`project`."""
        x, y = self.project(self.seg_coords[:, 0], self.seg_coords[:, 1])
        xy = np.column_stack([x, y])
        counts = np.diff(self.seg_offsets)
        ids = np.repeat(np.arange(len(counts)), counts)
        lines: NDArray[np.object_] = shapely.linestrings(xy, indices=ids)
        return lines

    @cached_property
    def _exact(self) -> ExactSnapper:
        return ExactSnapper(
            self.lines, n_segments=len(self.seg_u), main_segments=lambda: self.main_segments,
            snap_max_m=self.snap_max_m, project=self.project, unproject=self.unproject,
        )

    @property
    def _tree(self) -> shapely.STRtree:
        """The STRtree of the segments (``benchmarks/bench_network.py`` times its build)."""
        return self._exact.tree

    @cached_property
    def main_segments(self) -> np.ndarray:
        """Indices of the segments inside the largest strongly connected component."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, labels = connected_components(self.csr, directed=True, connection="strong")
        main = np.argmax(np.bincount(labels))
        inside = (labels[self.seg_u] == main) & (labels[self.seg_v] == main)
        return np.flatnonzero(inside)

    # --- snapping ---------------------------------------------------------------------------
    def snap(self, lats: ArrayLike, lons: ArrayLike, *, main_component: bool = True) -> Snapped:
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
        return self._exact.snap(lats, lons, main_component=main_component)

    @cached_property
    def _sampled(self) -> SampledSnapper:
        return SampledSnapper(
            self.lines, self.main_segments, snap_max_m=self.snap_max_m, project=self.project,
            unproject=self.unproject,
        )

    def snap_sampled(self, lats: ArrayLike, lons: ArrayLike) -> Snapped:
        """Fast snapping for many points (coverage): the nearest of samples every
        :data:`~dispatch.geo.road_snapping.SNAP_STEP_M` metres along every segment.

        The same rules as :meth:`snap` (nearest segment; main network preferred within the
        snap limit; ``far`` beyond it), with the entry point at most ``SNAP_STEP_M / 2``
        metres along the road from the exact projection, for about a quarter of the time.
        Coordinates are not checked here (the caller checks them). The samples are built on
        first use.
        """
        return self._sampled.snap(lats, lons)

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
        all_w = np.concatenate([ew, pack(np.concatenate(tt), np.concatenate(dd))])
        return csr_min(all_frm, all_to, all_w, n + k)

    # --- matrices ---------------------------------------------------------------------------
    def matrix(
        self,
        points: Sequence[GeoPoint] | None = None,
        *,
        lats: ArrayLike | None = None,
        lons: ArrayLike | None = None,
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
                msg = N_("Give points, or lats and lons.")
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
            packed = parallel_blocks(graph, sources, targets, workers)
        else:
            packed = dijkstra_block(graph.indptr, graph.indices, graph.data, n, sources, targets)
        time_s, dist_m = unpack(packed)
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
        time_s, dist_m = unpack(packed[: self.n_nodes])
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
            msg = N_(
                "No road path from {a_lat:.5f},{a_lon:.5f} to {b_lat:.5f},{b_lon:.5f} "
                "(one-way streets or roads missing from the region's data)."
            )
            raise Unreachable(msg, a_lat=a.lat, a_lon=a.lon, b_lat=b.lat, b_lon=b.lon)
        time_s, dist_m = unpack(np.array([packed]))
        path = [n + 1]
        while path[-1] != n:
            path.append(int(pred[0, path[-1]]))
            if path[-1] < 0:  # pragma: no cover - guarded by the finite check
                break
        path.reverse()
        coords = self._path_coords(path, snaps)
        return Route(float(time_s[0]), float(dist_m[0]), coords)

    def segment_coords(self, seg: int) -> np.ndarray:
        """Coordinates (lat, lon rows) of segment ``seg``."""
        return self.seg_coords[self.seg_offsets[seg] : self.seg_offsets[seg + 1]]

    def _partial(self, seg: int, t0: float, t1: float) -> list[tuple[float, float]]:
        """Geometry of a segment between two fractions (t0 > t1 walks it backwards)."""
        line = self.lines[seg]
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
                pts = self.segment_coords(seg)
                if rev:
                    pts = pts[::-1]
                extend([(float(p[0]), float(p[1])) for p in pts])
        return coords


__all__ = ["Network", "OneToAll", "Route", "SnapResult", "Snapped", "TravelMatrix"]
