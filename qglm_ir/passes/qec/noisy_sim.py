"""Exact noisy simulation of small kernels under a calibration :class:`NoiseModel`.

A density-matrix interpreter over the wires a kernel actually touches, so a
kernel mapped onto a 127-qubit device but using five of them costs a 5-qubit
density matrix. It is how the QEC decisions are checked by simulation rather
than by the model that made them:

* every gate: the ideal unitary, then T1/T2 relaxation over its calibrated
  duration on each of its qubits, then a depolarizing channel sized so the
  total infidelity is the calibrated error (:class:`NoiseModel`);
* every idle window of the schedule (:func:`.schedule.schedule`, ALAP by
  default) and every ``q.delay``: relaxation, the quasi-static detuning
  rotation ``rz(2 pi delta t)`` and, for ZZ couplers, ``rz(2 pi zeta t)``
  (the exact effect of a neighbour that stays in |0>; an *active* neighbour is
  approximated the same way);
* ``q.measure``: Born branching on the true outcome, then the asymmetric
  readout error on the *reported* bit (the one classical logic and
  ``scf.if`` see); ``q.reset`` to |0>; ``noise.*`` ops by their Kraus maps;
* quasi-static detuning: the result is averaged over detunings, by
  Gauss-Hermite quadrature when one active qubit has detuning, else by
  seeded Monte-Carlo samples.

:func:`simulate` returns the exact distribution of the kernel's returned
classical values (no shot noise), so tests can use tight, meaningful margins.
Requires: a verified kernel with constant loop bounds, at most
:data:`MAX_ACTIVE_WIRES` active wires and :data:`MAX_BRANCHES` live
measurement branches (else :class:`SemanticsError`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core.errors import SemanticsError
from ...core.evaluators import evaluate_op
from ...core.ir import Block, Operation, Value
from ...core.types import i1
from ...dialects.gates import GATES
from ...dialects.q import DelayOp, MeasureOp, ResetOp, gate_params, gate_qubits
from ...dialects.scf import ForOp, IfOp
from ...targets.noise_model import NoiseModel
from .schedule import Policy, delay_seconds, schedule, trip_count
from .wires import KernelWires, analyze

MAX_ACTIVE_WIRES = 10
MAX_BRANCHES = 20000
_PAULI = [
    np.eye(2, dtype=complex),
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
]


def _rz(theta: float) -> np.ndarray:
    return np.array([[np.exp(-0.5j * theta), 0], [0, np.exp(0.5j * theta)]])


@dataclass
class _Branch:
    rho: np.ndarray
    env: dict[Value, Any]


class _DM:
    """Density-matrix kernels (ket axes 0..n-1, bra axes n..2n-1, axis i = local qubit i)."""

    def __init__(self, n: int):
        self.n = n

    def apply(self, rho: np.ndarray, u: np.ndarray, qs: Sequence[int]) -> np.ndarray:
        """``U rho U^dagger`` with ``u`` little-endian over ``qs`` (``qs[0]`` least significant)."""
        rho = self._left(rho, u, qs, 0)
        return self._left(rho, u.conj(), qs, self.n)

    def _left(self, rho: np.ndarray, u: np.ndarray, qs: Sequence[int], off: int) -> np.ndarray:
        k = len(qs)
        ut = u.reshape((2,) * (2 * k))  # axes: out_{k-1}..out_0, in_{k-1}..in_0
        in_axes = [2 * k - 1 - j for j in range(k)]  # in_j for qs[j]
        out = np.tensordot(ut, rho, axes=(in_axes, [off + q for q in qs]))
        dest = [off + qs[k - 1 - i] for i in range(k)]
        # tensordot puts the new axes first; every other axis keeps its order.
        rest = [a for a in range(2 * self.n) if a not in dest]
        perm = [0] * (2 * self.n)
        for i, d in enumerate(dest):
            perm[d] = i
        for j, a in enumerate(rest):
            perm[a] = k + j
        return np.transpose(out, perm)

    def kraus(self, rho: np.ndarray, ks: Sequence[np.ndarray], qs: Sequence[int]) -> np.ndarray:
        out = np.zeros_like(rho)
        for k in ks:
            out += self.apply(rho, k, qs)
        return out

    def depolarize(self, rho: np.ndarray, p: float, qs: Sequence[int]) -> np.ndarray:
        if p <= 0:
            return rho
        d2 = 4 ** len(qs)
        acc = np.zeros_like(rho)
        for idx in range(d2):
            m = np.array([[1.0]], dtype=complex)
            for j in range(len(qs)):  # qs[0] least significant
                m = np.kron(_PAULI[(idx >> (2 * j)) & 3], m)
            acc += self.apply(rho, m, qs)
        return (1 - p) * rho + (p / d2) * acc

    def relax(self, rho: np.ndarray, gamma: float, lam: float, q: int) -> np.ndarray:
        if gamma > 0:
            rho = self.kraus(rho, [np.array([[1, 0], [0, math.sqrt(1 - gamma)]], dtype=complex),
                                   np.array([[0, math.sqrt(gamma)], [0, 0]], dtype=complex)], [q])
        if lam > 0:
            rho = self.kraus(rho, [np.array([[1, 0], [0, math.sqrt(1 - lam)]], dtype=complex),
                                   np.array([[0, 0], [0, math.sqrt(lam)]], dtype=complex)], [q])
        return rho

    def project(self, rho: np.ndarray, q: int, bit: int) -> np.ndarray:
        out = rho.copy()
        sl: list[Any] = [slice(None)] * (2 * self.n)
        sl[q] = 1 - bit
        out[tuple(sl)] = 0
        sl[q] = slice(None)
        sl[self.n + q] = 1 - bit
        out[tuple(sl)] = 0
        return out

    def trace(self, rho: np.ndarray) -> float:
        d = 1 << self.n
        return float(np.real(np.trace(rho.reshape(d, d))))


class _Sim:
    def __init__(self, kernel: Operation, model: NoiseModel, kw: KernelWires, policy: Policy,
                 detuning: Mapping[int, float], inputs: Sequence[Any]):
        self.model = model
        self.kw = kw
        sched = schedule(kernel, model, policy, kw)
        active = sorted({w for op in kernel.walk() if op.name != "q.dealloc" for w in kw.op_wires(op)})
        if len(active) > MAX_ACTIVE_WIRES:
            raise SemanticsError(f"noisy simulation is limited to {MAX_ACTIVE_WIRES} active wires, "
                                 f"got {len(active)}", kernel.loc)
        self.local = {w: i for i, w in enumerate(active)}
        self.dm = _DM(len(active))
        self.idle: dict[Operation, list[tuple[int, float]]] = {}
        for w in sched.windows:
            if w.kind != "discard" and w.wire in self.local:
                self.idle.setdefault(w.user, []).append((w.wire, w.duration))
        self.detuning = detuning
        self.inputs = list(inputs)

    # ------------------------------------------------------------- noise
    def idle_noise(self, rho: np.ndarray, wire: int, t: float) -> np.ndarray:
        q = self.local[wire]
        qn = self.model.qubits[wire]
        g, lam = qn.relaxation(t)
        rho = self.dm.relax(rho, g, lam, q)
        shift = self.detuning.get(wire, 0.0) + sum(self.model.zz_neighbors(wire).values())
        if shift:
            rho = self.dm.apply(rho, _rz(2 * math.pi * shift * t), [q])
        return rho

    def gate_noise(self, rho: np.ndarray, name: str, wires: Sequence[int]) -> np.ndarray:
        dur = self.model.gate_duration(name, wires)
        if dur > 0:
            for w in wires:
                g, lam = self.model.qubits[w].relaxation(dur)
                rho = self.dm.relax(rho, g, lam, self.local[w])
        return self.dm.depolarize(rho, self.model.depolarizing_param(name, wires), [self.local[w] for w in wires])

    # -------------------------------------------------------------- run
    def val(self, b: _Branch, v: Value) -> Any:
        try:
            return b.env[v]
        except KeyError:
            raise SemanticsError(f"value {v} is not available to the noisy simulator") from None

    def run_block(self, block: Block, branches: list[_Branch]) -> list[_Branch]:
        for op in block:
            idle = self.idle.get(op)
            if idle:
                for b in branches:
                    for wire, t in idle:
                        b.rho = self.idle_noise(b.rho, wire, t)
            branches = self.run_op(op, branches)
            if len(branches) > MAX_BRANCHES:
                raise SemanticsError(f"more than {MAX_BRANCHES} measurement branches", op.loc)
        return branches

    def run_op(self, op: Operation, branches: list[_Branch]) -> list[_Branch]:
        name = op.name
        kw = self.kw
        if name in ("q.alloc", "q.dealloc", "q.barrier", "q.global_phase", "func.return", "scf.yield"):
            return branches
        if name == "q.measure":
            return self.measure(op, branches)
        if name == "q.reset":
            q = self.local[kw.wire_of[ResetOp(op).qubit]]
            k0 = np.array([[1, 0], [0, 0]], dtype=complex)
            k1 = np.array([[0, 1], [0, 0]], dtype=complex)
            for b in branches:
                b.rho = self.dm.kraus(b.rho, [k0, k1], [q])
            return branches
        if name == "q.delay":
            w = kw.wire_of[DelayOp(op).qubit]
            for b in branches:
                b.rho = self.idle_noise(b.rho, w, delay_seconds(op))
            return branches
        if name.startswith("noise."):
            from ...dialects.noise import ChannelOp, kraus_operators

            q = self.local[kw.wire_of[ChannelOp(op).qubit]]
            ks = kraus_operators(op)
            for b in branches:
                b.rho = self.dm.kraus(b.rho, ks, [q])
            return branches
        spec = GATES.get(name[2:]) if name.startswith("q.") else None
        if spec is not None:
            wires = [kw.wire_of[v] for v in gate_qubits(op)]
            qs = [self.local[w] for w in wires]
            for b in branches:
                params = [float(self.val(b, v)) for v in gate_params(op)]
                b.rho = self.gate_noise(self.dm.apply(b.rho, spec.matrix(*params), qs), spec.name, wires)
            return branches
        if name == "q.unitary":
            wires = [kw.wire_of[v] for v in op.operands]
            u = op.properties["matrix"].array  # type: ignore[union-attr]
            for b in branches:
                b.rho = self.dm.apply(b.rho, u, [self.local[w] for w in wires])
            return branches
        if name == "scf.if":
            return self.run_if(op, branches)
        if name == "scf.for":
            return self.run_for(op, branches)
        if op.regions or name.startswith("q."):
            raise SemanticsError(f"the noisy simulator does not support {name}", op.loc)
        for b in branches:
            res = evaluate_op(op, [self.val(b, v) for v in op.operands])
            for r, x in zip(op.results, res):
                b.env[r] = x
        return branches

    def measure(self, op: Operation, branches: list[_Branch]) -> list[_Branch]:
        w = self.kw.wire_of[MeasureOp(op).qubit]
        q = self.local[w]
        qn = self.model.qubits[w]
        out = []
        for b in branches:
            for bit in (0, 1):
                rho = self.dm.project(b.rho, q, bit)
                p = self.dm.trace(rho)
                if p < 1e-14:
                    continue
                flip = qn.p01 if bit == 0 else qn.p10
                for reported, pr in ((bit, 1 - flip), (1 - bit, flip)):
                    if pr <= 0:
                        continue
                    env = dict(b.env)
                    env[op.results[0]] = bool(reported)
                    out.append(_Branch(rho * pr if pr != 1 else rho, env))
        return out

    def run_if(self, op: Operation, branches: list[_Branch]) -> list[_Branch]:
        groups: tuple[list[_Branch], list[_Branch]] = ([], [])
        for b in branches:
            groups[0 if bool(self.val(b, IfOp(op).cond)) else 1].append(b)
        out = []
        for k, group in enumerate(groups):
            if not group:
                continue
            block = op.regions[k].block
            for b in group:
                for a, v in zip(block.args, IfOp(op).inputs):
                    if not a.type.is_qubit:
                        b.env[a] = self.val(b, v)
            group = self.run_block(block, group)
            term = block.last
            assert term is not None
            for b in group:
                for r, v in zip(op.results, term.operands):
                    if not r.type.is_qubit:
                        b.env[r] = self.val(b, v)
            out.extend(group)
        return out

    def run_for(self, op: Operation, branches: list[_Branch]) -> list[_Branch]:
        n = trip_count(op)
        if n is None:
            raise SemanticsError("the noisy simulator needs constant loop bounds", op.loc)
        block = op.regions[0].block
        lb = int(self.val(branches[0], ForOp(op).lb)) if branches else 0
        step = int(self.val(branches[0], ForOp(op).step)) if branches else 1
        carried = ForOp(op).iter_args
        for b in branches:
            for a, v in zip(block.args[1:], carried):
                if not a.type.is_qubit:
                    b.env[a] = self.val(b, v)
        for i in range(n):
            for b in branches:
                b.env[block.args[0]] = lb + i * step
            branches = self.run_block(block, branches)
            term = block.last
            assert term is not None
            for b in branches:
                nxt = [self.val(b, v) if not v.type.is_qubit else None for v in term.operands]
                for a, x in zip(block.args[1:], nxt):
                    if not a.type.is_qubit:
                        b.env[a] = x
        for b in branches:
            for r, a in zip(op.results, block.args[1:]):
                if not r.type.is_qubit:
                    b.env[r] = b.env[a]
        return branches

    def run(self, kernel: Operation) -> dict[tuple, float]:
        body = kernel.regions[0].block
        n = self.dm.n
        rho = np.zeros((2,) * (2 * n), dtype=complex)
        rho[(0,) * (2 * n)] = 1.0
        env: dict[Value, Any] = {}
        classical = [a for a in body.args if not a.type.is_qubit]
        if len(self.inputs) != len(classical):
            raise SemanticsError(f"kernel takes {len(classical)} classical input(s), got {len(self.inputs)}")
        for a, x in zip(classical, self.inputs):
            env[a] = x
        branches = self.run_block(body, [_Branch(rho, env)])
        ret = body.last
        assert ret is not None
        dist: dict[tuple, float] = {}
        for b in branches:
            key = tuple(int(bool(b.env[v])) if v.type == i1 else _hashable(b.env[v])
                        for v in ret.operands if not v.type.is_qubit)
            dist[key] = dist.get(key, 0.0) + self.dm.trace(b.rho)
        return dict(sorted(dist.items()))


def _hashable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return tuple(x.ravel().tolist())
    return x


def _detuning_points(model: NoiseModel, wires: Sequence[int], samples: int, seed: int
                     ) -> list[tuple[float, dict[int, float]]]:
    """``(weight, {wire: detuning_hz})`` points that average over quasi-static detunings."""
    sig = {w: model.qubits[w].detuning_spread_hz for w in wires if model.qubits[w].detuning_spread_hz > 0}
    if not sig:
        return [(1.0, {})]
    if len(sig) == 1:
        (w, s), = sig.items()
        x, wts = np.polynomial.hermite_e.hermegauss(samples)  # probabilists' Hermite: weight exp(-x^2/2)
        wts = wts / wts.sum()
        return [(float(p), {w: float(s * xi)}) for xi, p in zip(x, wts)]
    rng = np.random.default_rng(seed)
    return [(1.0 / samples, {w: float(rng.normal(0.0, s)) for w, s in sig.items()}) for _ in range(samples)]


def simulate(kernel: Operation, model: NoiseModel, *, inputs: Sequence[Any] = (), policy: Policy = "alap",
             detuning_samples: int = 24, seed: int = 0) -> dict[tuple, float]:
    """Exact distribution of ``kernel``'s returned classical values under ``model``.

    Keys are tuples of the returned classical values (``i1`` as 0/1), values
    their probabilities (summing to 1). See the module docstring.
    """
    kw = analyze(kernel)
    wires = sorted(set(kw.wire_of.values()))
    total: dict[tuple, float] = {}
    for weight, det in _detuning_points(model, wires, detuning_samples, seed):
        dist = _Sim(kernel, model, kw, policy, det, inputs).run(kernel)
        for k, p in dist.items():
            total[k] = total.get(k, 0.0) + weight * p
    return dict(sorted(total.items()))


def bit_error(dist: Mapping[tuple, float], expected: Sequence[int], index: int = 0) -> float:
    """Probability that returned bit ``index`` differs from ``expected[index]``."""
    return sum(p for k, p in dist.items() if k[index] != expected[index])
