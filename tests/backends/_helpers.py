"""Oracles shared by the backend and interop tests.

Each converts a backend artifact into something comparable with the IR
semantics: a little-endian unitary, or an exact outcome distribution.
"""

from __future__ import annotations

import numpy as np

from qglm_ir.backends import parameter_bindings
from qglm_ir.backends.cirq import _big_endian


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-7) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    k = np.unravel_index(np.argmax(np.abs(a)), a.shape)
    if abs(a[k]) < 1e-12:
        return bool(np.allclose(b, 0, atol=atol))
    phase = b[k] / a[k]
    if abs(abs(phase) - 1) > 1e-6:
        return False
    return bool(np.allclose(a * phase, b, atol=atol))


def qasm_name(name: str) -> str:
    return name.replace("[", "_").replace("]", "")


def bind_qiskit(qc, module, qasm_names: bool = False):
    vals = parameter_bindings(module)
    if qasm_names:
        vals = {qasm_name(k): v for k, v in vals.items()}
    return qc.assign_parameters({p: vals[p.name] for p in qc.parameters}) if qc.parameters else qc


def qiskit_unitary(qc) -> np.ndarray:
    """``Operator`` of a circuit whose only control flow is ``for`` loops (unrolled first)."""
    from qiskit.quantum_info import Operator
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import UnrollForLoops

    while any(ci.operation.name == "for_loop" for ci in qc.data):
        qc = PassManager([UnrollForLoops()]).run(qc)
    return Operator(qc).data


def cirq_unitary(circuit, module, n: int) -> np.ndarray:
    """Little-endian unitary of a Cirq circuit on ``LineQubit.range(n)``."""
    import cirq

    c = cirq.resolve_parameters(circuit, parameter_bindings(module))
    u = c.unitary(qubit_order=cirq.LineQubit.range(n))
    return _big_endian(u, n)


# ---------------------------------------------------------------------- exact Qiskit simulator
class _Branch:
    __slots__ = ("p", "psi", "bits")

    def __init__(self, p: float, psi: np.ndarray, bits: list[int]):
        self.p, self.psi, self.bits = p, psi, bits


def _apply(psi: np.ndarray, n: int, m: np.ndarray, qs: list[int]) -> np.ndarray:
    k = len(qs)
    t = psi.reshape((2,) * n)
    axes = [n - 1 - q for q in qs]  # tensor axis of qubit q (little-endian index)
    g = m.reshape((2,) * (2 * k))
    # matrix little-endian over qs: row index bits (qs[k-1] .. qs[0]) -> tensor axes reversed
    gin = list(range(2 * k - 1, k - 1, -1))
    out = np.tensordot(g, t, axes=(gin, axes))
    out = np.moveaxis(out, list(range(k - 1, -1, -1)), axes)
    return out.reshape(-1)


def _prob1(psi: np.ndarray, n: int, q: int) -> float:
    t = np.abs(psi.reshape((2,) * n)) ** 2
    return float(np.take(t, 1, axis=n - 1 - q).sum())


def _project(psi: np.ndarray, n: int, q: int, v: int, p: float) -> np.ndarray:
    t = psi.reshape((2,) * n).copy()
    idx = [slice(None)] * n
    idx[n - 1 - q] = 1 - v
    t[tuple(idx)] = 0
    return t.reshape(-1) / np.sqrt(p)


def _cond(cond, bits, cidx) -> bool:
    from qiskit.circuit import Clbit

    target, val = cond
    if isinstance(target, Clbit):
        return bits[cidx[target]] == int(val)
    v = sum(bits[cidx[b]] << i for i, b in enumerate(target))
    return v == int(val)


def _run(circ, qidx, cidx, n, br: _Branch, depth: int = 0) -> list[_Branch]:
    from qiskit.quantum_info import Operator

    live = [br]
    for ci in circ.data:
        op = ci.operation
        qs = [qidx[q] for q in ci.qubits]
        cmap = {b: cidx[c] for b, c in zip(ci.clbits, ci.clbits)}
        nxt: list[_Branch] = []
        for b in live:
            if op.name in ("barrier", "delay"):
                nxt.append(b)
            elif op.name == "measure" or op.name == "reset":
                p1 = _prob1(b.psi, n, qs[0])
                for v, p in ((0, 1 - p1), (1, p1)):
                    if p < 1e-12:
                        continue
                    psi = _project(b.psi, n, qs[0], v, p)
                    bits = list(b.bits)
                    if op.name == "measure":
                        bits[cidx[ci.clbits[0]]] = v
                    elif v == 1:
                        psi = _apply(psi, n, np.array([[0, 1], [1, 0]], complex), qs)
                    nxt.append(_Branch(b.p * p, psi, bits))
            elif op.name == "if_else":
                body = op.blocks[0] if _cond(op.condition, b.bits, cidx) else (
                    op.blocks[1] if len(op.blocks) > 1 else None)
                if body is None:
                    nxt.append(b)
                else:
                    nxt += _run(body, {x: qidx[y] for x, y in zip(body.qubits, ci.qubits)},
                                {x: cidx[y] for x, y in zip(body.clbits, ci.clbits)}, n, b, depth + 1)
            elif op.name == "for_loop":
                idxset, lp, body = op.params
                cur = [b]
                for i in idxset:
                    bb = body.assign_parameters({lp: i}) if lp is not None else body
                    cur = [r for c in cur for r in _run(bb, {x: qidx[y] for x, y in zip(bb.qubits, ci.qubits)},
                                                         {x: cidx[y] for x, y in zip(bb.clbits, ci.clbits)},
                                                         n, c, depth + 1)]
                nxt += cur
            elif op.name == "while_loop":
                body = op.blocks[0]
                cur, done = [b], []
                for _ in range(30):
                    go = [c for c in cur if _cond(op.condition, c.bits, cidx)]
                    done += [c for c in cur if not _cond(op.condition, c.bits, cidx)]
                    cur = [r for c in go for r in _run(body, {x: qidx[y] for x, y in zip(body.qubits, ci.qubits)},
                                                        {x: cidx[y] for x, y in zip(body.clbits, ci.clbits)},
                                                        n, c, depth + 1)]
                    if not cur:
                        break
                nxt += done + cur
            else:
                u = Operator(op).data
                nxt.append(_Branch(b.p, _apply(b.psi, n, u, qs), b.bits))
            _ = cmap
        live = nxt
    return live


def qiskit_distribution(qc, clbits=None) -> dict[tuple, float]:
    """Exact distribution of ``clbits`` (default: all, in circuit order) of a dynamic circuit."""
    n = qc.num_qubits
    qidx = {q: i for i, q in enumerate(qc.qubits)}
    cidx = {c: i for i, c in enumerate(qc.clbits)}
    psi = np.zeros(1 << n, complex)
    psi[0] = 1
    psi *= np.exp(1j * float(qc.global_phase))
    out: dict[tuple, float] = {}
    sel = [cidx[c] for c in (clbits if clbits is not None else qc.clbits)]
    for b in _run(qc, qidx, cidx, n, _Branch(1.0, psi, [0] * len(qc.clbits))):
        key = tuple(b.bits[i] for i in sel)
        out[key] = out.get(key, 0.0) + b.p
    return out


def tvd(p: dict, q: dict) -> float:
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


def cirq_sampled_distribution(circuit, keys: list[str], shots: int, seed: int) -> dict[tuple, float]:
    """Empirical distribution of the last record of each key (absent keys read 0)."""
    import cirq

    if not cirq.is_measurement(circuit):
        return {tuple(0 for _ in keys): 1.0}
    res = cirq.Simulator(seed=seed).run(circuit, repetitions=shots)
    cols = []
    for k in keys:
        if k in res.records:
            cols.append(res.records[k][:, -1, 0])
        else:
            cols.append(np.zeros(shots, dtype=int))
    out: dict[tuple, float] = {}
    for row in zip(*cols) if cols else [()] * shots:
        key = tuple(int(x) for x in row)
        out[key] = out.get(key, 0.0) + 1.0 / shots
    return out
