"""Fixed-structure state-preparation circuits and their batched angle computation.

An amplitude embedding is compiled once and bound many times, so its circuit
must not depend on the data: only rotation angles do. This module owns both
halves of that contract:

* :func:`template` gives the circuit (a :class:`Template`: ``ry``/``rz`` with an
  angle *slot*, ``cx``, one ``gphase`` slot) for ``num_qubits`` and a ``mode``;
* :func:`amplitude_angles` maps a batch of data vectors to the slot values,
  vectorized with numpy over the batch (no per-sample Python loop over gates).

Qubit ``j`` of a template is bit ``j`` of the amplitude index (little-endian,
like Qiskit), so ``template(n, m)`` bound with ``amplitude_angles(x, n, m)``
prepares ``x / |x|`` from ``|0...0>`` exactly (global phase included).

Modes:

``real`` -- a Mottonen RY tree for real vectors of either sign: qubit ``n-1``
  first, then for each lower qubit a uniformly controlled RY (Gray-code CX
  ladder) controlled by the qubits above it. Signs need no extra gates: the
  last level uses ``2*atan2(x[2k+1], x[2k])`` over the full circle. The last CX
  of every ladder is dropped; the missing CXs all have qubit ``n-1`` as control,
  commute to the end as the permutation ``P(m) = m ^ (bit_{n-1}(m) * (2^{n-1}-1))``,
  and are absorbed by preparing ``P^{-1} x`` with relabelled angle tables.
  Cost: ``2^n - n - 1`` CX, ``2^n - 1`` RY.
``complex`` -- the disentangling construction of Iten et al. (Quantum circuits
  for isometries, PRA 93, 032318), as in Qiskit's ``StatePreparation``: qubit
  ``s = 0..n-1`` is rotated to ``|0>`` by a uniformly controlled single-qubit
  gate (controls: qubits above ``s``) decomposed *up to a diagonal* with
  Bergholm et al.'s demultiplexing (quant-ph/0410066, eq. 3); each diagonal is
  absorbed into the remaining state classically, so the gate costs
  ``2^k - 1`` CX for ``k`` controls. The preparation circuit is the inverse.
  Every single-qubit gate is ``rz ry rz`` (three slots), whether or not the
  data would allow a cheaper gate, so the structure never depends on the data.
  Cost: ``2^n - n - 1`` CX, ``3 (2^n - 1)`` rotations, one global phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MODES = ("real", "complex")
MAX_QUBITS = 16  # 2^16 amplitudes per sample: beyond this no embedding is practical
_EPS = 1e-12


class EmbeddingDataError(ValueError):
    """The data cannot be embedded (zero vector, not a density matrix, wrong size)."""


@dataclass(frozen=True)
class Template:
    """A fixed circuit: ``instrs`` are ``("ry"|"rz", (q,), slot)``, ``("cx", (c, t), -1)``
    or ``("gphase", (), slot)`` in time order; ``num_slots`` angles bind it."""

    num_qubits: int
    mode: str
    instrs: tuple[tuple[str, tuple[int, ...], int], ...]
    num_slots: int

    @property
    def num_cx(self) -> int:
        return sum(1 for k, _, _ in self.instrs if k == "cx")


def num_slots(num_qubits: int, mode: str) -> int:
    """How many angles bind ``template(num_qubits, mode)``."""
    return (1 << num_qubits) - 1 if mode == "real" else 3 * ((1 << num_qubits) - 1) + 1


def _check(num_qubits: int, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"embedding mode must be one of {MODES}, got {mode!r}")
    if not 1 <= num_qubits <= MAX_QUBITS:
        raise ValueError(f"an embedding needs 1..{MAX_QUBITS} qubits, got {num_qubits}")


def _ruler(i: int) -> int:
    """Trailing zeros of ``i`` (the Gray-code bit that flips between ``i-1`` and ``i``)."""
    return (i & -i).bit_length() - 1


@lru_cache(maxsize=64)
def template(num_qubits: int, mode: str) -> Template:
    """The fixed circuit of an ``num_qubits``-qubit embedding in ``mode`` (module docstring)."""
    _check(num_qubits, mode)
    n = num_qubits
    instrs: list[tuple[str, tuple[int, ...], int]] = []
    slot = 0
    if mode == "real":
        instrs.append(("ry", (n - 1,), 0))
        slot = 1
        for j in range(1, n):
            t = n - 1 - j
            ctrl = [t + 1 + b for b in range(j)]
            for i in range(1 << j):
                instrs.append(("ry", (t,), slot))
                slot += 1
                if i + 1 < (1 << j):
                    instrs.append(("cx", (ctrl[_ruler(i + 1)], t), -1))
        return Template(n, mode, tuple(instrs), slot)
    # complex: the inverse of the disentangler, steps s = n-1 .. 0, each step's gates reversed
    for s in range(n - 1, -1, -1):
        k = n - 1 - s
        size = 1 << k
        for j in range(size - 1, -1, -1):
            instrs += [("rz", (s,), slot), ("ry", (s,), slot + 1), ("rz", (s,), slot + 2)]
            slot += 3
            if j > 0:
                instrs.append(("cx", (s + 1 + _ruler(j), s), -1))
    instrs.append(("gphase", (), slot))
    return Template(n, mode, tuple(instrs), slot + 1)


# --------------------------------------------------------------------------- data preparation
def prepare_vectors(x: np.ndarray, num_qubits: int, pad: float | None, complex_input: bool) -> np.ndarray:
    """Batch ``(B, L)`` (``(B, L, 2)`` for complex input) -> normalized ``(B, 2^n)`` vectors.

    Shorter vectors are filled with ``pad`` (refused when ``pad`` is None); a
    zero vector raises :class:`EmbeddingDataError` naming the sample.
    """
    x = np.asarray(x, dtype=np.float64)
    if complex_input:
        if x.shape[-1] != 2:
            raise EmbeddingDataError(f"complex data needs a trailing axis of 2 (re, im), got shape {x.shape}")
        # (re, im) pairs are complex128's memory layout: a view, not two temporaries and a sum
        v = np.ascontiguousarray(x).view(np.complex128)[..., 0]
    else:
        v = x
    if v.ndim == 1:
        v = v[None, :]
    dim = 1 << num_qubits
    length = v.shape[1]
    if length > dim:
        raise EmbeddingDataError(f"{length} amplitudes do not fit on {num_qubits} qubit(s) (at most {dim})")
    if length < dim:
        if pad is None:
            raise EmbeddingDataError(f"{length} amplitudes for {num_qubits} qubit(s) need {dim} or a pad value")
        v = np.concatenate([v, np.full((v.shape[0], dim - length), pad, dtype=v.dtype)], axis=1)
    flat = v.view(np.float64) if np.iscomplexobj(v) else v  # |z|^2 = re^2 + im^2: sum over the float view
    norms = np.sqrt(np.einsum("ij,ij->i", flat, flat))
    if not np.all(np.isfinite(norms)):
        raise EmbeddingDataError("the data contains a non-finite value")
    bad = np.flatnonzero(norms <= _EPS)
    if bad.size:
        which = f" (sample {bad[0]})" if v.shape[0] > 1 else ""
        raise EmbeddingDataError(f"cannot amplitude-embed a zero vector{which}: x / |x| is undefined")
    return v / norms[:, None]


def purification(rho: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Batch of real density matrices ``(B, d, d)`` -> purification vectors ``(B, d*d)``.

    ``rho = sum_i p_i |v_i><v_i|`` (``numpy.linalg.eigh``) gives
    ``sum_i sqrt(p_i) |v_i>|i>``: system index low, purifying index high, so the
    first ``n`` qubits carry ``rho`` and the next ``n`` the purification. Checks
    symmetry, positive semidefiniteness and unit trace (absolute tolerance
    ``tol``), raising :class:`EmbeddingDataError` with the violated property.
    """
    r = np.asarray(rho, dtype=np.float64)
    if r.ndim == 2:
        r = r[None]
    if r.ndim != 3 or r.shape[1] != r.shape[2]:
        raise EmbeddingDataError(f"a density matrix must be square, got shape {r.shape[1:]}")
    d = r.shape[1]
    if not np.all(np.isfinite(r)):
        raise EmbeddingDataError("the density matrix contains a non-finite value")
    asym = np.max(np.abs(r - np.swapaxes(r, 1, 2)), axis=(1, 2))
    if np.any(asym > tol):
        raise EmbeddingDataError(f"the density matrix is not Hermitian (|rho - rho^T| up to {asym.max():.3g})")
    tr = np.trace(r, axis1=1, axis2=2)
    if np.any(np.abs(tr - 1.0) > tol):
        bad = tr[np.argmax(np.abs(tr - 1.0))]
        raise EmbeddingDataError(f"the density matrix must have trace 1, got {bad:.6g}")
    p, vecs = np.linalg.eigh(r)
    if np.any(p < -tol):
        raise EmbeddingDataError(
            f"the density matrix is not positive semidefinite (eigenvalue {p.min():.3g})")
    amps = vecs * np.sqrt(np.clip(p, 0.0, None))[:, None, :]  # amps[b, sys, i] = sqrt(p_i) v_i[sys]
    return np.swapaxes(amps, 1, 2).reshape(r.shape[0], d * d)  # index i * d + sys


# --------------------------------------------------------------------------- real: RY tree
@lru_cache(maxsize=64)
def _gray_inverse(k: int) -> np.ndarray:
    """``W`` with ``beta = alpha @ W``: Gray-code RY angles from the multiplexed angles."""
    size = 1 << k
    c = np.arange(size)[:, None]
    g = np.arange(size) ^ (np.arange(size) >> 1)
    parity = np.vectorize(lambda z: bin(int(z)).count("1") & 1)(c & g[None, :])
    return (1.0 - 2.0 * parity) / size


def _real_angles(v: np.ndarray, n: int) -> np.ndarray:
    B, dim = v.shape
    idx = np.arange(dim)
    # The dropped CXs act as P (an involution) after the tree: prepare y = P x instead.
    p = idx ^ ((idx >> (n - 1)) * ((1 << (n - 1)) - 1))
    y = v[:, p]
    out = np.empty((B, dim - 1))
    pos = 0
    for j in range(n):
        # node c = top j bits; children: bit (n-1-j) = 0 / 1; leaves: the rest
        blocks = y.reshape(B, 1 << j, 2, 1 << (n - 1 - j))
        if j == n - 1:
            a0, a1 = blocks[:, :, 0, 0], blocks[:, :, 1, 0]
        else:
            a0 = np.linalg.norm(blocks[:, :, 0, :], axis=2)
            a1 = np.linalg.norm(blocks[:, :, 1, :], axis=2)
        theta = 2.0 * np.arctan2(a1, a0)  # (B, 2^j), indexed by the frame pattern c
        if j == 0:
            out[:, 0] = theta[:, 0]
            pos = 1
            continue
        # Controls seen by level j carry the dropped CXs of levels < j: pattern a = Q(c).
        c = np.arange(1 << j)
        q = c ^ ((c >> (j - 1)) * ((1 << (j - 1)) - 1))
        alpha = theta[:, q]
        out[:, pos:pos + (1 << j)] = alpha @ _gray_inverse(j)
        pos += 1 << j
    return out


# --------------------------------------------------------------------------- complex: disentangling
_H = np.array([[1.0, 1.0], [1.0, -1.0]], dtype=np.complex128) / np.sqrt(2.0)
_W = np.exp(0.25j * np.pi)
_RT = np.array([_W, np.conj(_W)])  # diag on the target between the halves of a demultiplexed gate


def _dag(m: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(m, -1, -2))


def _demultiplex(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``a = r^+ u D v``, ``b = r u D^+ v`` with ``D = diag(e^{i pi/4}, e^{-i pi/4})``.

    Arrays of 2x2 unitaries ``(..., 2, 2)``; returns ``v, u`` and the diagonal of ``r``."""
    x = a @ _dag(b)
    det = x[..., 0, 0] * x[..., 1, 1] - x[..., 0, 1] * x[..., 1, 0]
    phi = np.angle(det)
    x11 = x[..., 0, 0] / np.sqrt(det)
    ang = np.angle(x11)
    r1 = np.exp(0.5j * (np.pi / 2 - phi / 2 - ang))
    r2 = np.exp(0.5j * (np.pi / 2 - phi / 2 + ang + np.pi))
    r = np.stack([r1, r2], axis=-1)
    y = r[..., :, None] * x * r[..., None, :]  # r X r: eigenvalues +i, -i
    # eigenvector of +i from either row of (Y - iI), whichever is better conditioned
    w1 = np.stack([y[..., 0, 1], 1j - y[..., 0, 0]], axis=-1)
    w2 = np.stack([1j - y[..., 1, 1], y[..., 1, 0]], axis=-1)
    n1 = np.linalg.norm(w1, axis=-1)
    n2 = np.linalg.norm(w2, axis=-1)
    w = np.where((n1 >= n2)[..., None], w1 / np.maximum(n1, _EPS)[..., None], w2 / np.maximum(n2, _EPS)[..., None])
    u = np.empty(a.shape, dtype=np.complex128)
    u[..., 0, 0], u[..., 1, 0] = w[..., 0], w[..., 1]
    u[..., 0, 1], u[..., 1, 1] = -np.conj(w[..., 1]), np.conj(w[..., 0])
    d = np.array([_W, np.conj(_W)])
    v = d[:, None] * (_dag(u) @ (np.conj(r)[..., :, None] * b))
    return v, u, r


def _ucg_up_to_diagonal(gates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decompose a uniformly controlled gate ``(B, 2^k, 2, 2)`` up to a diagonal.

    Returns ``(F, diag)``: single-qubit gates ``F[:, j]`` (time order) such that
    ``F_0, CX(c_{r(1)}), F_1, CX(c_{r(2)}), ...`` (``r`` = trailing zeros) equals
    ``diag^* . UCG``, with ``diag`` of shape ``(B, 2^k, 2)`` indexed ``[c, t]``.
    """
    g = gates.copy()
    B, size = g.shape[:2]
    k = size.bit_length() - 1
    diag = np.ones((B, size, 2), dtype=np.complex128)
    cidx = np.arange(size)
    for dstep in range(k):
        blocks = 1 << dstep
        length = size >> dstep
        half = length // 2
        top = k - dstep - 1  # the control bit this step demultiplexes
        for m in range(blocks):
            s0 = m * length
            v, u, r = _demultiplex(g[:, s0:s0 + half], g[:, s0 + half:s0 + length])
            g[:, s0:s0 + half] = v
            g[:, s0 + half:s0 + length] = u * _RT[None, None, None, :]  # target diag before u
            # R-mux (c_top=0: r^+, c_top=1: r) and the control phase (1, -i) come after u
            rc0, rc1 = np.conj(r), r * (-1j)
            if m < blocks - 1:
                n0 = s0 + length
                g[:, n0:n0 + half] = g[:, n0:n0 + half] * rc0[:, :, None, :]
                g[:, n0 + half:n0 + length] = g[:, n0 + half:n0 + length] * rc1[:, :, None, :]
            else:
                low = cidx & ((1 << top) - 1)
                bit = (cidx >> top) & 1
                diag *= np.where(bit[None, :, None] == 0, rc0[:, low, :], rc1[:, low, :])
    # CZ = H CX H on the target: fold the Hadamards into the neighbouring gates
    g[:, :-1] = _H @ g[:, :-1]
    g[:, 1:] = g[:, 1:] @ _H
    return g, diag


def _zyz(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(lam, theta, phi, g)`` with ``w = e^{i g} Rz(phi) Ry(theta) Rz(lam)`` for a batch of 2x2 unitaries."""
    det = w[..., 0, 0] * w[..., 1, 1] - w[..., 0, 1] * w[..., 1, 0]
    gamma = 0.5 * np.angle(det)
    v = w * np.exp(-1j * gamma)[..., None, None]
    theta = 2.0 * np.arctan2(np.abs(v[..., 1, 0]), np.abs(v[..., 0, 0]))
    s = 2.0 * np.angle(v[..., 1, 1])  # phi + lam
    dlt = 2.0 * np.angle(v[..., 1, 0])  # phi - lam
    return (s - dlt) / 2, theta, (s + dlt) / 2, gamma  # lam, theta, phi, g


def _complex_angles(v: np.ndarray, n: int) -> np.ndarray:
    """Batched numpy reference of :func:`qglm_ir.embedding._complex_core.complex_angles`."""
    B, dim = v.shape
    psi = v.astype(np.complex128).copy()
    steps: list[np.ndarray] = []
    for s in range(n):
        k = n - 1 - s
        size = 1 << k
        c = np.arange(size)
        i0 = c << (s + 1)
        a0, a1 = psi[:, i0], psi[:, i0 | (1 << s)]
        r = np.sqrt(np.abs(a0) ** 2 + np.abs(a1) ** 2)
        ok = r > _EPS
        rs = np.where(ok, r, 1.0)
        g = np.empty((B, size, 2, 2), dtype=np.complex128)
        g[..., 0, 0] = np.where(ok, np.conj(a0) / rs, 1.0)
        g[..., 0, 1] = np.where(ok, np.conj(a1) / rs, 0.0)
        g[..., 1, 0] = np.where(ok, -a1 / rs, 0.0)
        g[..., 1, 1] = np.where(ok, a0 / rs, 1.0)
        if k == 0:
            f, dg = g, np.ones((B, 1, 2), dtype=np.complex128)
        else:
            f, dg = _ucg_up_to_diagonal(g)
        psi[:, i0 | (1 << s)] = 0.0
        psi[:, i0] = np.conj(dg[:, :, 0]) * r
        steps.append(f)
    phase = np.angle(psi[:, 0])
    out = np.empty((B, num_slots(n, "complex")))
    pos = 0
    # template order: steps s = n-1..0, within a step gates j = size-1..0, each W = F^+
    for s in range(n - 1, -1, -1):
        w = _dag(steps[s][:, ::-1])
        lam, theta, phi, gamma = _zyz(w)
        cnt = w.shape[1]
        blk = out[:, pos:pos + 3 * cnt].reshape(B, cnt, 3)
        blk[:, :, 0], blk[:, :, 1], blk[:, :, 2] = lam, theta, phi
        phase = phase + gamma.sum(axis=1)
        pos += 3 * cnt
    out[:, pos] = phase
    return out


def amplitude_angles(x: np.ndarray, num_qubits: int, mode: str, *, pad: float | None = None,
                     complex_input: bool = False) -> np.ndarray:
    """Slot values ``(B, num_slots)`` binding ``template(num_qubits, mode)`` to prepare each
    sample of ``x`` (``(B, L)``, ``(L,)``, or with a trailing (re, im) axis when
    ``complex_input``). Raises :class:`EmbeddingDataError` for data that cannot be embedded."""
    _check(num_qubits, mode)
    v = prepare_vectors(x, num_qubits, pad, complex_input)
    if mode == "real":
        if np.iscomplexobj(v):
            raise EmbeddingDataError("complex data needs the 'complex' embedding mode")
        return _real_angles(v, num_qubits)
    from ._complex_core import complex_angles  # numba-compiled per-sample loops (same maths)

    return complex_angles(v, num_qubits)


def density_angles(rho: np.ndarray, num_qubits: int) -> np.ndarray:
    """Slot values binding ``template(2 * num_qubits, "real")`` to a purification of each
    (real) density matrix of ``rho`` (``(B, d, d)`` or ``(d, d)``, ``d = 2^num_qubits``)."""
    p = purification(rho)
    if p.shape[1] != 1 << (2 * num_qubits):
        raise EmbeddingDataError(f"a {num_qubits}-qubit density matrix must be {1 << num_qubits}x{1 << num_qubits}")
    return _real_angles(p, 2 * num_qubits)


# --------------------------------------------------------------------------- gate matrices
def bound_gates(t: Template, angles: np.ndarray) -> tuple[list[tuple[np.ndarray, tuple[int, ...]]], float]:
    """The template bound to one sample's ``angles``: ``[(matrix, local qubits)]`` with
    the gate table's matrices (Qiskit's little-endian convention), and the global phase."""
    from ..dialects.gates import GATES

    ry, rz, cx = GATES["ry"], GATES["rz"], GATES["cx"].matrix()
    gates: list[tuple[np.ndarray, tuple[int, ...]]] = []
    phase = 0.0
    for kind, qs, slot in t.instrs:
        if kind == "ry":
            gates.append((ry.matrix(float(angles[slot])), qs))
        elif kind == "rz":
            gates.append((rz.matrix(float(angles[slot])), qs))
        elif kind == "cx":
            gates.append((cx, qs))
        else:
            phase += float(angles[slot])
    return gates, phase


def _ry(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=np.complex128)


def _rz(t: float) -> np.ndarray:
    return np.array([np.exp(-0.5j * t), np.exp(0.5j * t)])


def simulate(t: Template, angles: np.ndarray) -> np.ndarray:
    """The state ``template`` bound to ``angles`` prepares from ``|0...0>`` (numpy reference)."""
    n = t.num_qubits
    psi = np.zeros(1 << n, dtype=np.complex128)
    psi[0] = 1.0
    st = psi.reshape([2] * n)  # axis a <-> qubit n-1-a
    for kind, qs, slot in t.instrs:
        if kind in ("ry", "rz"):
            ax = n - 1 - qs[0]
            m = _ry(float(angles[slot])) if kind == "ry" else np.diag(_rz(float(angles[slot])))
            st = np.moveaxis(np.tensordot(m, st, axes=([1], [ax])), 0, ax)
        elif kind == "cx":
            c, tq = n - 1 - qs[0], n - 1 - qs[1]
            sl = [slice(None)] * n
            sl[c] = 1
            sub = st[tuple(sl)]
            tax = tq if tq < c else tq - 1
            st = st.copy()
            st[tuple(sl)] = np.flip(sub, axis=tax)
        else:
            st = st * np.exp(1j * float(angles[slot]))
    return st.reshape(-1)
