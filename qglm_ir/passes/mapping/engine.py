"""The SABRE swap-search core (LightSABRE-style) on flat arrays.

Input is a DAG of *nodes*. A node with ``node_b[n] >= 0`` is a two-qubit gate
on virtual qubits ``node_a[n], node_b[n]`` and may only run when their
physical qubits are coupled; any other node (1q gates, measurements,
classical ops, whole ``scf`` ops) runs as soon as its predecessors have run.
The search keeps a *front layer* of blocked two-qubit gates and an
*extended set* of the next ``ext_size`` two-qubit gates, and while the front
is blocked inserts the swap minimizing

    H = max(decay[p], decay[q]) * (sum_F d / |F| + ext_weight * sum_E d / |E|)

over swaps on couplers touching a front gate (``d`` is the routing distance
after the candidate swap), minus ``absorb`` when the swap's two qubits both
last ran a 2q gate with each other (the swap then merges with that gate in
2q resynthesis: CX + SWAP is two CX, CP + SWAP three). Decay grows by ``decay_delta`` on swapped qubits
and resets every ``decay_reset`` swaps and whenever a gate runs, so the
search does not ping-pong. Ties are broken by a seeded MINSTD generator. If
``max_stall`` swaps pass without a gate running, the *release valve* walks
the closest front gate together along a shortest path (guaranteeing progress).

:func:`sabre_route_py` is the plain-Python reference; :func:`sabre_route` is
the same source compiled with numba (when importable), bit-for-bit identical
for the same seed, which the tests check.

Output: ``(kind, a, b, count, v2p, swaps, status)``: the first ``count`` entries
of ``kind/a/b`` list what to emit in order: ``kind 0`` = node ``a``, ``kind 1``
= swap of physical qubits ``a, b``. ``v2p`` is the final layout, ``status`` is
0, or 1 when a front gate's qubits are disconnected in the coupling graph.
"""

from __future__ import annotations

import numpy as np

_MINSTD_M = 2147483647

#: Swap-absorption bonuses the seeded trials cycle through (trial ``t`` uses
#: ``ABSORB[t % len(ABSORB)]``): how strongly a trial prefers swaps that merge with the 2q gate
#: just run on the same pair. No single value wins everywhere (measured with
#: ``benchmarks/bench_mapping.py``: 1.0 saves ~10% 2q gates on 20-qubit QFT/QPE, 0 is best on
#: some 12-qubit ones), so the trials spread over them and the cheapest result wins.
ABSORB: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5)


def _sabre_core(
    node_a: np.ndarray,
    node_b: np.ndarray,
    succ_ptr: np.ndarray,
    succ_idx: np.ndarray,
    npred_init: np.ndarray,
    v2p_init: np.ndarray,
    num_phys: int,
    adj: np.ndarray,
    nb_ptr: np.ndarray,
    nb_idx: np.ndarray,
    dist: np.ndarray,
    hops: np.ndarray,
    ext_size: int,
    ext_weight: float,
    decay_delta: float,
    decay_reset: int,
    seed: int,
    max_stall: int,
    absorb: float = 0.0,
):
    n_nodes = node_a.shape[0]
    nv = v2p_init.shape[0]
    npred = npred_init.copy()
    v2p = v2p_init.copy()
    p2v = np.full(num_phys, -1, dtype=np.int64)
    for v in range(nv):
        p2v[v2p[v]] = v
    rng = (seed % (_MINSTD_M - 1)) + 1

    cap = n_nodes + 64
    out_kind = np.zeros(cap, dtype=np.int64)
    out_a = np.zeros(cap, dtype=np.int64)
    out_b = np.zeros(cap, dtype=np.int64)
    n_out = 0

    ready = np.zeros(n_nodes + 1, dtype=np.int64)
    n_ready = 0
    for i in range(n_nodes - 1, -1, -1):
        if npred[i] == 0:
            ready[n_ready] = i
            n_ready += 1

    # In a commutation-aware DAG several blocked gates may share a qubit, so the front is
    # bounded by the node count, and per-qubit front lists are linked lists (rebuilt per step).
    front = np.zeros(n_nodes + 1, dtype=np.int64)
    n_front = 0
    front_head = np.full(num_phys, -1, dtype=np.int64)
    front_next = np.full(2 * n_nodes + 2, -1, dtype=np.int64)
    ext_a = np.zeros(ext_size + n_nodes + 1, dtype=np.int64)  # extended set + non-primary front
    ext_b = np.zeros(ext_size + n_nodes + 1, dtype=np.int64)
    fdist = np.zeros(n_nodes + 1, dtype=np.float64)
    best_at = np.full(num_phys, -1, dtype=np.int64)
    n_ext = 0
    mark = np.zeros(n_nodes + 1, dtype=np.int64)
    gen = 0
    queue = np.zeros(n_nodes + 1, dtype=np.int64)
    decay = np.ones(num_phys, dtype=np.float64)
    ext_head = np.full(num_phys, -1, dtype=np.int64)
    ext_next = np.full(2 * (ext_size + n_nodes) + 2, -1, dtype=np.int64)
    in_front = np.zeros(num_phys, dtype=np.bool_)
    fq = np.zeros(num_phys, dtype=np.int64)
    max_deg = 1
    for p in range(num_phys):
        if nb_ptr[p + 1] - nb_ptr[p] > max_deg:
            max_deg = nb_ptr[p + 1] - nb_ptr[p]
    cand_p = np.zeros(num_phys * max_deg + 1, dtype=np.int64)
    cand_q = np.zeros(num_phys * max_deg + 1, dtype=np.int64)
    best_p = np.zeros(cand_p.shape[0], dtype=np.int64)
    best_q = np.zeros(cand_p.shape[0], dtype=np.int64)

    # last2[p] = the partner of the last 2q gate run on p (-1 after a swap): a swap on a pair
    # whose qubits both last met each other merges with that gate into one 2q block.
    last2 = np.full(num_phys, -1, dtype=np.int64)
    swaps = 0
    stall = 0
    steps = 0
    dirty = True  # front changed since the extended set was computed
    status = 0

    while True:
        # --- run everything that can run -------------------------------------------------
        while n_ready > 0:
            n_ready -= 1
            node = ready[n_ready]
            b = node_b[node]
            if b >= 0:
                if not adj[v2p[node_a[node]], v2p[b]]:
                    front[n_front] = node
                    n_front += 1
                    dirty = True
                    continue
            if n_out >= cap:
                cap = cap * 2
                out_kind = np.concatenate((out_kind, np.zeros(cap - out_kind.shape[0], dtype=np.int64)))
                out_a = np.concatenate((out_a, np.zeros(cap - out_a.shape[0], dtype=np.int64)))
                out_b = np.concatenate((out_b, np.zeros(cap - out_b.shape[0], dtype=np.int64)))
            out_kind[n_out] = 0
            out_a[n_out] = node
            out_b[n_out] = -1
            n_out += 1
            if b >= 0:
                last2[v2p[node_a[node]]] = v2p[b]
                last2[v2p[b]] = v2p[node_a[node]]
                if stall > 0:
                    stall = 0
                    for k in range(num_phys):
                        decay[k] = 1.0
                dirty = True
            for j in range(succ_ptr[node], succ_ptr[node + 1]):
                s = succ_idx[j]
                npred[s] -= 1
                if npred[s] == 0:
                    ready[n_ready] = s
                    n_ready += 1
        if n_front == 0:
            break

        # --- extended set: the next two-qubit gates after the front ---------------------
        if dirty:
            dirty = False
            gen += 1
            n_ext = 0
            head = 0
            tail = 0
            for i in range(n_front):
                mark[front[i]] = gen
                queue[tail] = front[i]
                tail += 1
            while head < tail and n_ext < ext_size:
                node = queue[head]
                head += 1
                for j in range(succ_ptr[node], succ_ptr[node + 1]):
                    s = succ_idx[j]
                    if mark[s] == gen:
                        continue
                    mark[s] = gen
                    queue[tail] = s
                    tail += 1
                    if node_b[s] >= 0 and n_ext < ext_size:
                        ext_a[n_ext] = node_a[s]
                        ext_b[n_ext] = node_b[s]
                        n_ext += 1

        # --- release valve -------------------------------------------------------------
        if stall >= max_stall:
            best = -1
            bestd = 0.0
            for i in range(n_front):
                node = front[i]
                d = hops[v2p[node_a[node]], v2p[node_b[node]]]
                if best < 0 or d < bestd:
                    best = node
                    bestd = d
            if bestd >= 1e8:
                status = 1
                break
            va = node_a[best]
            vb = node_b[best]
            while not adj[v2p[va], v2p[vb]]:
                pa = v2p[va]
                pb = v2p[vb]
                nxt = -1
                for j in range(nb_ptr[pa], nb_ptr[pa + 1]):
                    c = nb_idx[j]
                    if hops[c, pb] < hops[pa, pb]:
                        nxt = c
                        break
                if nxt < 0:
                    status = 1  # inconsistent distances: no neighbour is closer
                    break
                x = p2v[pa]
                y = p2v[nxt]
                p2v[pa] = y
                p2v[nxt] = x
                if x >= 0:
                    v2p[x] = nxt
                if y >= 0:
                    v2p[y] = pa
                if n_out >= cap:
                    cap = cap * 2
                    out_kind = np.concatenate((out_kind, np.zeros(cap - out_kind.shape[0], dtype=np.int64)))
                    out_a = np.concatenate((out_a, np.zeros(cap - out_a.shape[0], dtype=np.int64)))
                    out_b = np.concatenate((out_b, np.zeros(cap - out_b.shape[0], dtype=np.int64)))
                out_kind[n_out] = 1
                out_a[n_out] = pa
                out_b[n_out] = nxt
                n_out += 1
                last2[pa] = -1
                last2[nxt] = -1
                swaps += 1
            if status != 0:
                break
            k = 0
            for i in range(n_front):
                node = front[i]
                if adj[v2p[node_a[node]], v2p[node_b[node]]]:
                    ready[n_ready] = node
                    n_ready += 1
                else:
                    front[k] = node
                    k += 1
            n_front = k
            stall = 0
            for k in range(num_phys):
                decay[k] = 1.0
            dirty = True
            continue

        # --- per-qubit lists of front and extended-set gates, candidate swaps ----------------
        # Commuting gates may share a qubit in the front; pulling a qubit towards all of its
        # partners at once parks it in the middle, so only *primary* front gates (the closest
        # front gate of both their qubits; the globally closest one always is) drive the
        # front term, and the others join the extended set. Without shared qubits every front
        # gate is primary (plain SABRE).
        for i in range(n_front):
            node = front[i]
            d = dist[v2p[node_a[node]], v2p[node_b[node]]]
            fdist[i] = d
            for side in range(2):
                x = v2p[node_a[node]] if side == 0 else v2p[node_b[node]]
                j = best_at[x]
                if j < 0 or d < fdist[j] or (d == fdist[j] and node < front[j]):
                    best_at[x] = i
        n_fq = 0
        n_prim = 0
        n_tot = n_ext
        base_f = 0.0
        for i in range(n_front):
            node = front[i]
            x = v2p[node_a[node]]
            y = v2p[node_b[node]]
            if best_at[x] != i or best_at[y] != i:
                ext_a[n_tot] = node_a[node]
                ext_b[n_tot] = node_b[node]
                n_tot += 1
                continue
            n_prim += 1
            base_f += fdist[i]
            front_next[2 * i] = front_head[x]
            front_head[x] = 2 * i
            front_next[2 * i + 1] = front_head[y]
            front_head[y] = 2 * i + 1
            if not in_front[x]:
                in_front[x] = True
                fq[n_fq] = x
                n_fq += 1
            if not in_front[y]:
                in_front[y] = True
                fq[n_fq] = y
                n_fq += 1
        for i in range(n_front):
            node = front[i]
            best_at[v2p[node_a[node]]] = -1
            best_at[v2p[node_b[node]]] = -1
        n_cand = 0
        for i in range(n_fq):
            p = fq[i]
            for j in range(nb_ptr[p], nb_ptr[p + 1]):
                q = nb_idx[j]
                if in_front[q] and q < p:
                    continue  # the same coupler is listed from q
                cand_p[n_cand] = p
                cand_q[n_cand] = q
                n_cand += 1
        base_e = 0.0
        for i in range(n_tot):
            x = v2p[ext_a[i]]
            y = v2p[ext_b[i]]
            base_e += dist[x, y]
            ext_next[2 * i] = ext_head[x]
            ext_head[x] = 2 * i
            ext_next[2 * i + 1] = ext_head[y]
            ext_head[y] = 2 * i + 1
        best_score = 0.0
        n_best = 0
        if ext_weight < 0:
            # "constant" scaling: plain front sum plus |w| times the extended-set sum
            inv_f = 1.0
            inv_e = -ext_weight
        else:
            inv_f = 1.0 / n_prim
            inv_e = ext_weight / n_tot if n_tot > 0 else 0.0
        for c in range(n_cand):
            p = cand_p[c]
            q = cand_q[c]
            df = 0.0
            for side in range(2):
                e = front_head[p] if side == 0 else front_head[q]
                while e >= 0:
                    node = front[e >> 1]
                    e = front_next[e]
                    x0 = v2p[node_a[node]]
                    y0 = v2p[node_b[node]]
                    if side == 1 and (x0 == p or y0 == p):
                        continue  # already counted from p's list
                    x = x0
                    y = y0
                    if x == p:
                        x = q
                    elif x == q:
                        x = p
                    if y == p:
                        y = q
                    elif y == q:
                        y = p
                    df += dist[x, y] - dist[x0, y0]
            de = 0.0
            for side in range(2):
                e = ext_head[p] if side == 0 else ext_head[q]
                while e >= 0:
                    i = e >> 1
                    x0 = v2p[ext_a[i]]
                    y0 = v2p[ext_b[i]]
                    e = ext_next[e]
                    if side == 1 and (x0 == p or y0 == p):
                        continue
                    x = x0
                    y = y0
                    if x == p:
                        x = q
                    elif x == q:
                        x = p
                    if y == p:
                        y = q
                    elif y == q:
                        y = p
                    de += dist[x, y] - dist[x0, y0]
            dk = decay[p] if decay[p] > decay[q] else decay[q]
            score = dk * ((base_f + df) * inv_f + (base_e + de) * inv_e)
            if absorb > 0.0 and last2[p] == q and last2[q] == p:
                score -= absorb
            if n_best == 0 or score < best_score - 1e-10:
                best_score = score
                best_p[0] = p
                best_q[0] = q
                n_best = 1
            elif score <= best_score + 1e-10:
                best_p[n_best] = p
                best_q[n_best] = q
                n_best += 1
        for i in range(n_tot):
            ext_head[v2p[ext_a[i]]] = -1
            ext_head[v2p[ext_b[i]]] = -1
        for i in range(n_fq):
            front_head[fq[i]] = -1
            in_front[fq[i]] = False
        rng = (rng * 48271) % _MINSTD_M
        pick = rng % n_best
        p = best_p[pick]
        q = best_q[pick]

        x = p2v[p]
        y = p2v[q]
        p2v[p] = y
        p2v[q] = x
        if x >= 0:
            v2p[x] = q
        if y >= 0:
            v2p[y] = p
        if n_out >= cap:
            cap = cap * 2
            out_kind = np.concatenate((out_kind, np.zeros(cap - out_kind.shape[0], dtype=np.int64)))
            out_a = np.concatenate((out_a, np.zeros(cap - out_a.shape[0], dtype=np.int64)))
            out_b = np.concatenate((out_b, np.zeros(cap - out_b.shape[0], dtype=np.int64)))
        out_kind[n_out] = 1
        out_a[n_out] = p
        out_b[n_out] = q
        n_out += 1
        last2[p] = -1
        last2[q] = -1
        swaps += 1
        stall += 1
        steps += 1
        decay[p] += decay_delta
        decay[q] += decay_delta
        if steps % decay_reset == 0:
            for k in range(num_phys):
                decay[k] = 1.0

        # front gates on the two swapped qubits may now run
        k = 0
        for i in range(n_front):
            node = front[i]
            pa = v2p[node_a[node]]
            pb = v2p[node_b[node]]
            if (pa == p or pa == q or pb == p or pb == q) and adj[pa, pb]:
                ready[n_ready] = node
                n_ready += 1
            else:
                front[k] = node
                k += 1
        n_front = k

    return out_kind, out_a, out_b, n_out, v2p, swaps, status


sabre_route_py = _sabre_core

_jitted = None

def sabre_route(*args):
    """:func:`_sabre_core` compiled ahead of time (:mod:`.aot`: no numba import at run time),
    else with numba's JIT (compiled once per machine, ~10 s, then loaded from numba's
    on-disk cache), else the Python version when numba is not importable."""
    from . import aot

    res = aot.call("sabre_core", args)
    return res if res is not None else sabre_route_jit(*args)


def sabre_route_jit(*args):
    """:func:`_sabre_core` always compiled with numba (when importable)."""
    global _jitted
    if _jitted is None:
        try:
            from numba import njit

            _jitted = njit(cache=True, nogil=True)(_sabre_core)
        except ImportError:  # pragma: no cover - numba ships with quimb
            _jitted = _sabre_core
    return _jitted(*args)


def build_succ(n_nodes: int, pred_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR successor arrays and predecessor counts from per-node predecessor lists
    (duplicates allowed; they are removed)."""
    succ: list[list[int]] = [[] for _ in range(n_nodes)]
    npred = np.zeros(n_nodes, dtype=np.int64)
    for n, preds in enumerate(pred_lists):
        for p in set(preds):
            succ[p].append(n)
            npred[n] += 1
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(s) for s in succ]) if n_nodes else []
    idx = np.fromiter((s for lst in succ for s in sorted(lst)), dtype=np.int64, count=int(ptr[-1]))
    return ptr, idx, npred


def _routed_cost_core(kind: np.ndarray, ea: np.ndarray, eb: np.ndarray, count: int, v2p_init: np.ndarray,
                      num_phys: int, node_a: np.ndarray, node_b: np.ndarray, cost: np.ndarray):
    v2p = v2p_init.copy()
    p2v = np.full(num_phys, -1, dtype=np.int64)
    for v in range(v2p.shape[0]):
        p2v[v2p[v]] = v
    last2 = np.full(num_phys, -1, dtype=np.int64)
    total = 0.0
    for k in range(count):
        a = ea[k]
        if kind[k] == 1:
            b = eb[k]
            if last2[a] == b and last2[b] == a:
                total += cost[a, b]
            else:
                total += 3.0 * cost[a, b]
            last2[a] = -1
            last2[b] = -1
            va = p2v[a]
            vb = p2v[b]
            if va >= 0:
                v2p[va] = b
            if vb >= 0:
                v2p[vb] = a
            p2v[a] = vb
            p2v[b] = va
            continue
        if node_b[a] < 0:
            continue
        x = v2p[node_a[a]]
        y = v2p[node_b[a]]
        total += cost[x, y]
        last2[x] = y
        last2[y] = x
    return total, v2p


_cost_jitted = None


def routed_2q_cost(v2p_init, res, node_a: np.ndarray, node_b: np.ndarray,
                   cost: np.ndarray) -> tuple[float, np.ndarray]:
    """Estimated two-qubit cost of the engine result ``res`` routed from ``v2p_init``, in
    2q-gate units weighted by the symmetric ``[N, N]`` matrix ``cost`` (e.g. ``-log(1 -
    error)`` per coupler, or all ones to count gates). A 2q gate costs one unit, a swap three,
    but only one when it follows a 2q gate on the same pair with no other 2q gate on either
    qubit in between (2q resynthesis merges the two into one block of at most three 2q gates).
    Returns the cost and the final virtual-to-physical array. Linear in the routed length
    (compiled with numba when importable)."""
    global _cost_jitted
    v2p = np.asarray(v2p_init, dtype=np.int64)
    from . import aot  # ahead-of-time build first (see sabre_route)

    args = (res[0], res[1], res[2], int(res[3]), v2p, cost.shape[0], node_a, node_b, cost)
    out = aot.call("routed_cost_core", args)
    if out is not None:
        return float(out[0]), out[1]
    if _cost_jitted is None:
        try:
            from numba import njit

            _cost_jitted = njit(cache=True, nogil=True)(_routed_cost_core)
        except ImportError:  # pragma: no cover - numba ships with quimb
            _cost_jitted = _routed_cost_core
    v2p = np.asarray(v2p_init, dtype=np.int64)
    total, final = _cost_jitted(res[0], res[1], res[2], int(res[3]), v2p, cost.shape[0], node_a, node_b, cost)
    return float(total), final
