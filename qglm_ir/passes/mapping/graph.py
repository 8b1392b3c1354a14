"""Flat array views of a device's usable coupling graph, shared by layout and routing.

:func:`device_graph` returns a cached :class:`DeviceGraph`: adjacency as a
dense boolean matrix and as CSR neighbour lists, hop distances, and a routing
distance that can weight couplers by their calibrated error:

    w(a, b) = 1 + error_weight * e(a, b) / mean(e)

so ``error_weight=0`` (or an uncalibrated device) gives hop counts and a
coupler twice as bad as average costs ``1 + 2 * error_weight`` hops. Only
usable qubits and couplers (``Device.usable_directed``) minus ``exclude`` are
in the graph; distances between disconnected qubits are :data:`UNREACHABLE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import rustworkx as rx

from ...targets.device import Device

UNREACHABLE = 1e9


@dataclass(frozen=True, eq=False)
class DeviceGraph:
    """Array form of a device's usable couplers (see the module docstring)."""

    num_qubits: int
    usable: frozenset[int]
    edges: tuple[tuple[int, int], ...]  # undirected, (min, max)
    adj: np.ndarray  # bool [N, N]
    nb_ptr: np.ndarray  # int64 [N + 1]
    nb_idx: np.ndarray  # int64
    hops: np.ndarray  # float64 [N, N]
    dist: np.ndarray  # float64 [N, N], error-weighted when asked
    components: tuple[frozenset[int], ...]  # connected components of usable qubits, largest first

    def neighbors(self, p: int) -> np.ndarray:
        return self.nb_idx[self.nb_ptr[p]: self.nb_ptr[p + 1]]


@lru_cache(maxsize=32)
def device_graph(device: Device, error_weight: float = 0.0, exclude: tuple[int, ...] = ()) -> DeviceGraph:
    """The (cached) :class:`DeviceGraph` of ``device``; ``exclude`` lists qubits to keep free."""
    n = device.num_qubits
    usable = frozenset(device.usable_qubits - set(exclude))
    edges = tuple(e for e in device.usable_edges if e[0] in usable and e[1] in usable)
    g = rx.PyGraph()
    g.add_nodes_from(range(n))
    errors = [device.coupler_error(a, b) for a, b in edges]
    known = [e for e in errors if e is not None]
    mean = float(np.mean(known)) if known else 0.0
    weights = []
    for e in errors:
        w = 1.0
        if error_weight > 0 and e is not None and mean > 0:
            w += error_weight * e / mean
        weights.append(w)
    for (a, b), w in zip(edges, weights):
        g.add_edge(a, b, w)
    adj = np.zeros((n, n), dtype=np.bool_)
    for a, b in edges:
        adj[a, b] = adj[b, a] = True
    counts = adj.sum(axis=1)
    nb_ptr = np.zeros(n + 1, dtype=np.int64)
    nb_ptr[1:] = np.cumsum(counts)
    nb_idx = np.nonzero(adj)[1].astype(np.int64)  # row-major: neighbours of 0, then of 1, ...
    hops = np.asarray(rx.graph_floyd_warshall_numpy(g, weight_fn=lambda _w: 1.0), dtype=np.float64)
    hops[~np.isfinite(hops)] = UNREACHABLE
    if error_weight > 0 and known:
        dist = np.asarray(rx.graph_floyd_warshall_numpy(g, weight_fn=float), dtype=np.float64)
        dist[~np.isfinite(dist)] = UNREACHABLE
    else:
        dist = hops
    comps = [frozenset(c) & usable for c in rx.connected_components(g)]
    comps = sorted((c for c in comps if c), key=lambda c: (-len(c), min(c)))
    hops.setflags(write=False)
    dist.setflags(write=False)
    return DeviceGraph(n, usable, edges, adj, nb_ptr, nb_idx, hops, dist, tuple(comps))
