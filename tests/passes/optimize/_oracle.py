"""Test oracle for the optimization passes: a small branching statevector simulator.

It computes, for a kernel, one unnormalized density matrix per outcome of its
returned classical values: ``rho[key] = sum_b |psi_b><psi_b|`` over the
measurement branches ``b`` that return ``key``. Each qubit block argument is
maximally entangled with a reference qubit first, so ``rho`` is the kernel's
Choi state: two kernels with equal ``rho`` for every key are the same quantum
instrument, which is unitary equivalence up to global phase for
measurement-free kernels. ``observable=True`` traces out the deallocated wires,
which is what ``remove-dead`` promises to preserve.

Classical ops are evaluated with numpy; every ``param.decl`` takes its ``init``.
This is independent of the passes' code (no shared helpers), so it is a real check.
"""

from __future__ import annotations

import math

import numpy as np

from qglm_ir.core.attributes import DenseArray
from qglm_ir.core.ir import Block, Operation
from qglm_ir.core.types import f64, i1
from qglm_ir.dialects.gates import GATES

_MAX_BRANCHES = 4096


class _Branch:
    __slots__ = ("psi", "env", "dealloc")

    def __init__(self, psi: np.ndarray, env: dict, dealloc: list[int]):
        self.psi = psi
        self.env = env
        self.dealloc = dealloc

    def copy(self) -> _Branch:
        return _Branch(self.psi.copy(), dict(self.env), list(self.dealloc))


def _classical(op: Operation, args: list, params: dict) -> list:
    n = op.name
    if n == "arith.constant":
        v = op.properties["value"]
        return [v.array if isinstance(v, DenseArray) else v]
    if n == "arith.pi":
        return [math.pi]
    if n == "param.get":
        return [params[op.properties["name"].name]]
    if n == "tensor.extract":
        return [args[0][tuple(int(i) for i in args[1:])].item()]
    table = {
        "arith.add": lambda a, b: a + b,
        "arith.sub": lambda a, b: a - b,
        "arith.mul": lambda a, b: a * b,
        "arith.div": lambda a, b: a / b,
        "arith.neg": lambda a: -a,
        "arith.sin": np.sin,
        "arith.cos": np.cos,
        "arith.and": lambda a, b: bool(a) and bool(b),
        "arith.or": lambda a, b: bool(a) or bool(b),
        "arith.xor": lambda a, b: bool(a) != bool(b),
        "arith.not": lambda a: not bool(a),
        "arith.select": lambda c, a, b: a if c else b,
    }
    if n in table:
        return [table[n](*args)]
    if n == "arith.cast":
        t = op.results[0].type
        return [float(args[0]) if t == f64 else (bool(args[0]) if t == i1 else int(args[0]))]
    if n == "arith.cmp":
        a, b = args
        p = op.properties["predicate"]
        return [{"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[p]]
    raise NotImplementedError(n)


class _Sim:
    def __init__(self, kernel: Operation):
        module = kernel.parent_op
        self.params = {}
        for op in module.regions[0].block:
            if op.name == "param.decl":
                init = op.properties.get("init")
                self.params[op.properties["sym_name"]] = init.array if isinstance(init, DenseArray) else init
        self.kernel = kernel
        body = kernel.regions[0].block
        self.qargs = [a for a in body.args if a.type.is_qubit]
        self.nallocs = sum(1 for op in kernel.walk() if op.name == "q.alloc")
        self.nw = len(self.qargs) + self.nallocs
        self.nref = len(self.qargs)
        self.n = self.nw + self.nref
        self.next_alloc = len(self.qargs)

    # axis of wire w in the psi tensor (shape (2,)*n, wire 0 is axis 0 here)
    def apply(self, br: _Branch, m: np.ndarray, wires: list[int]) -> None:
        k = len(wires)
        t = m.reshape((2,) * (2 * k))
        # gate tensor axes: out bits (q_{k-1}..q_0), in bits (q_{k-1}..q_0)
        in_axes = list(range(2 * k - 1, k - 1, -1))  # q_0 .. q_{k-1} input axes
        psi = np.tensordot(t, br.psi, axes=(in_axes, wires))
        # result axes: out q_{k-1}..q_0, then remaining psi axes in order
        rest = [a for a in range(self.n) if a not in wires]
        order = [wires[k - 1 - j] for j in range(k)] + rest
        br.psi = np.moveaxis(psi, list(range(self.n)), order)

    def run(self, inputs: dict | None = None):
        body = self.kernel.regions[0].block
        psi = np.zeros((2,) * self.n, dtype=complex)
        nq = len(self.qargs)
        # maximally entangled pairs (wire i, ref nw+i); allocs start in |0>
        for idx in range(1 << nq):
            pos = [0] * self.n
            for i in range(nq):
                b = (idx >> i) & 1
                pos[i] = b
                pos[self.nw + i] = b
            psi[tuple(pos)] = 1.0 / math.sqrt(1 << nq)
        env: dict = {}
        classical_args = [a for a in body.args if not a.type.is_qubit]
        for i, a in enumerate(self.qargs):
            env[a] = i
        for a in classical_args:
            env[a] = (inputs or {})[a.name_hint]
        out = self.block(body, _Branch(psi, env, []))
        return out

    def block(self, block: Block, br: _Branch) -> list[tuple[_Branch, list]]:
        brs = [br]
        for op in block:
            if op.name in ("scf.yield", "func.return"):
                return [(b, [b.env[v] for v in op.operands]) for b in brs]
            new: list[_Branch] = []
            for b in brs:
                new.extend(self.step(op, b))
            brs = [b for b in new if np.vdot(b.psi, b.psi).real > 1e-14]
            if len(brs) > _MAX_BRANCHES:
                raise RuntimeError("too many branches")
        raise AssertionError("block without terminator")

    def step(self, op: Operation, b: _Branch) -> list[_Branch]:
        n = op.name
        env = b.env
        if n.startswith("q.") and n[2:] in GATES:
            spec = GATES[n[2:]]
            angles = [env[v] for v in op.operands[: spec.num_params]]
            qs = [env[v] for v in op.operands[spec.num_params :]]
            self.apply(b, spec.matrix(*angles), qs)
            for r, w in zip(op.results, qs):
                env[r] = w
            return [b]
        if n == "q.unitary":
            qs = [env[v] for v in op.operands]
            self.apply(b, op.properties["matrix"].array, qs)
            for r, w in zip(op.results, qs):
                env[r] = w
            return [b]
        if n == "q.alloc":
            env[op.results[0]] = self.next_alloc
            self.next_alloc += 1
            return [b]
        if n in ("q.barrier", "q.delay"):
            for r, v in zip(op.results, op.operands):
                env[r] = env[v]
            return [b]
        if n == "q.dealloc":
            b.dealloc.append(env[op.operands[0]])
            return [b]
        if n == "q.global_phase":
            b.psi = b.psi * np.exp(1j * env[op.operands[0]])
            return [b]
        if n in ("q.measure", "q.reset"):
            w = env[op.operands[0]]
            outs = []
            for bit in (0, 1):
                nb = b.copy()
                idx = [slice(None)] * self.n
                idx[w] = 1 - bit
                nb.psi[tuple(idx)] = 0
                if n == "q.reset":
                    if bit == 1:
                        self.apply(nb, GATES["x"].matrix(), [w])
                    nb.env[op.results[0]] = w
                else:
                    nb.env[op.results[0]] = bool(bit)
                    nb.env[op.results[1]] = w
                outs.append(nb)
            return outs
        if n == "scf.for":
            lb, ub, st = (int(env[v]) for v in op.operands[:3])
            body = op.regions[0].block
            states = [(b, [env[v] for v in op.operands[3:]])]
            for i in range(lb, ub, st):
                nxt = []
                for sb, vals in states:
                    for a, v in zip(body.args, [i, *vals]):
                        sb.env[a] = v
                    nxt.extend(self.block(body, sb))
                states = nxt
            res = []
            for sb, vals in states:
                for r, v in zip(op.results, vals):
                    sb.env[r] = v
                res.append(sb)
            return res
        if n == "scf.if":
            cond = env[op.operands[0]]
            body = op.regions[0 if cond else 1].block
            for a, v in zip(body.args, op.operands[1:]):
                env[a] = env[v]
            res = []
            for sb, vals in self.block(body, b):
                for r, v in zip(op.results, vals):
                    sb.env[r] = v
                res.append(sb)
            return res
        if n.startswith("q."):
            raise NotImplementedError(n)
        vals = _classical(op, [env[v] for v in op.operands], self.params)
        for r, v in zip(op.results, vals):
            env[r] = v
        return [b]


def instrument(kernel: Operation, observable: bool = False) -> dict[tuple, np.ndarray]:
    """Per returned-classical-values outcome: the Choi density matrix of the kernel."""
    sim = _Sim(kernel)
    ret_types = kernel.properties["function_type"].results
    out: dict[tuple, np.ndarray] = {}
    for br, vals in sim.run():
        qret = [v for v, t in zip(vals, ret_types) if t.is_qubit]
        key = tuple(
            bool(v) if t == i1 else round(float(v), 9) for v, t in zip(vals, ret_types) if not t.is_qubit
        )
        dealloc = sorted(br.dealloc)
        kept = qret + ([] if observable else dealloc)
        traced = dealloc if observable else []
        refs = list(range(sim.nw, sim.n))
        order = kept + refs + traced
        psi = np.transpose(br.psi, order).reshape(1 << (len(kept) + len(refs)), -1)
        rho = psi @ psi.conj().T
        out[key] = out.get(key, 0) + rho
    return out


def equivalent(a: Operation, b: Operation, observable: bool = False, atol: float = 1e-6) -> bool:
    """Whether kernels ``a`` and ``b`` are the same instrument (see module docstring)."""
    ra = instrument(a, observable)
    rb = instrument(b, observable)
    keys = set(ra) | set(rb)
    for k in keys:
        x = ra.get(k)
        y = rb.get(k)
        if x is None or y is None:
            z = x if y is None else y
            if np.trace(z).real > atol:
                return False
            continue
        if x.shape != y.shape or not np.allclose(x, y, atol=atol):
            return False
    return True
