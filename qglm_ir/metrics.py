"""Size metrics of kernels: qubits, gate counts, two-qubit gates, depth, and ESP.

Everything here is one linear walk over the kernel (regions included), so it
is cheap enough to run before and after every compile on million-gate kernels.

Counting rules (documented because control flow makes "the" count ambiguous):

* ``gates`` counts gate-table gates and ``q.unitary`` (not measure, reset,
  barrier, delay, global phase); ``twoq`` counts those acting on two or more
  qubits (Qiskit's ``num_nonlocal_gates``); ``measurements`` counts ``q.measure``.
* ``scf.for`` with constant bounds counts its body ``trip count`` times, with
  dynamic bounds once; ``scf.if`` counts the larger branch (per metric);
  ``scf.while`` counts one iteration. So counts are those of one execution's
  worst-case path with unknown loops taken once.
* ``qubits`` is the number of input wires: qubit arguments plus ``q.alloc`` ops.

Depth rule (Qiskit's ``QuantumCircuit.depth`` generalised to regions): every
qubit value and every measured bit carries a level; classical ops pass on the
largest level of their operands (a value computed from a measured bit is ready
when the bit is) and add nothing. Gates, ``q.unitary``, ``q.measure``,
``q.reset`` and ``q.delay`` start at the largest level of their operands and
add 1; ``q.barrier`` aligns its wires to their largest level and adds 0.
``scf.if`` enters each branch with every input at least at the condition's
level, and each result takes the larger level over the two branches.
``scf.for`` aligns its carried wires at entry (like a barrier) and adds
``trip count x`` the depth of one iteration (dynamic bounds: one iteration);
``scf.while`` likewise with one iteration of both regions. The kernel's depth
is the largest level of any value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from .core.ir import Block, Operation, Value
from .core.module import Module
from .core.opdef import GATE, get_opdef
from .dialects.arith import constant_int as _const_int
from .dialects.kernel_wires import number_wires, qubit_args
from .dialects.scf import ForOp, IfOp

_TIMED = frozenset({"q.unitary", "q.measure", "q.reset", "q.delay"})


@dataclass
class KernelMetrics:
    """Counts and depth of one kernel (see the module docstring for the rules)."""

    qubits: int = 0
    gates: int = 0
    twoq: int = 0
    depth: int = 0
    measurements: int = 0
    ops: dict[str, int] = field(default_factory=dict)

    def as_dict(self, with_ops: bool = False) -> dict[str, object]:
        d = asdict(self)
        if not with_ops:
            d.pop("ops")
        return d


def _is_gate(op: Operation) -> bool:
    if op.name == "q.unitary":
        return True
    d = get_opdef(op.name)
    return d is not None and GATE in d.traits



def trip_count(for_op: Operation) -> int | None:
    """The number of iterations of an ``scf.for`` with constant bounds, else ``None``."""
    lb, ub, step = (_const_int(v) for v in ForOp(for_op).bounds)
    if lb is None or ub is None or step is None or step <= 0:
        return None
    return max(0, -(-(ub - lb) // step))


class _Counts:
    __slots__ = ("gates", "twoq", "measurements", "ops")

    def __init__(self) -> None:
        self.gates = 0
        self.twoq = 0
        self.measurements = 0
        self.ops: Counter[str] = Counter()

    def add(self, other: _Counts, times: int = 1) -> None:
        self.gates += other.gates * times
        self.twoq += other.twoq * times
        self.measurements += other.measurements * times
        for k, n in other.ops.items():
            self.ops[k] += n * times

    def maximum(self, other: _Counts) -> _Counts:
        out = _Counts()
        out.gates = max(self.gates, other.gates)
        out.twoq = max(self.twoq, other.twoq)
        out.measurements = max(self.measurements, other.measurements)
        for k in sorted(set(self.ops) | set(other.ops)):  # a str set: its order follows PYTHONHASHSEED
            out.ops[k] = max(self.ops[k], other.ops[k])
        return out


class _Walker:
    """One pass over a kernel computing counts and levels together."""

    def __init__(self) -> None:
        self.level: dict[Value, int] = {}
        self.depth = 0
        self.allocs = 0

    def lvl(self, v: Value) -> int:
        return self.level.get(v, 0)

    def block(self, block: Block, entry: Iterable[tuple[Value, int]]) -> tuple[_Counts, list[int]]:
        """Walk ``block`` with its args at the given levels; returns counts and terminator levels."""
        for a, lv in entry:
            self.level[a] = lv
        counts = _Counts()
        out: list[int] = []
        level = self.level
        for op in block:
            name = op.name
            counts.ops[name] += 1
            if op.regions:
                self.region_op(op, counts)
                continue
            start = max((level.get(v, 0) for v in op.operands), default=0)
            if name == "q.alloc":
                self.allocs += 1
            is_gate = _is_gate(op)
            if is_gate or name in _TIMED:
                start += 1
                if start > self.depth:
                    self.depth = start
                if is_gate:
                    counts.gates += 1
                    nq = sum(1 for v in op.operands if v.type.is_qubit)
                    if nq >= 2:
                        counts.twoq += 1
                elif name == "q.measure":
                    counts.measurements += 1
            if not op.results:
                if op is block.last:
                    out = [level.get(v, 0) for v in op.operands]
                continue
            for r in op.results:
                if start:
                    level[r] = start
        return counts, out

    def region_op(self, op: Operation, counts: _Counts) -> None:
        level = self.level
        if op.name == "scf.if":
            cond = level.get(IfOp(op).cond, 0)
            ins = [max(cond, level.get(v, 0)) for v in IfOp(op).inputs]
            then_c, then_out = self.block(op.regions[0].block, zip(op.regions[0].block.args, ins))
            else_c, else_out = self.block(op.regions[1].block, zip(op.regions[1].block.args, ins))
            counts.add(then_c.maximum(else_c))
            for i, r in enumerate(op.results):
                lv = max(then_out[i] if i < len(then_out) else 0, else_out[i] if i < len(else_out) else 0)
                if lv:
                    level[r] = lv
            return
        if op.name in ("scf.for", "scf.while"):
            trips = trip_count(op) if op.name == "scf.for" else None
            times = 1 if trips is None else trips
            start = max((level.get(v, 0) for v in op.operands), default=0)
            # One iteration measured from level 0 gives the per-iteration depth.
            saved_depth, self.depth = self.depth, 0
            body = _Counts()
            for region in op.regions:
                blk = region.block
                c, _ = self.block(blk, ((a, 0) for a in blk.args))
                body.add(c)
            per_iter, self.depth = self.depth, saved_depth
            counts.add(body, times)
            end = start + per_iter * times
            self.depth = max(self.depth, end)
            for r in op.results:
                level[r] = end
            return
        # Other region ops (nested kernels/functions are not expected): count their bodies.
        for region in op.regions:
            for blk in region.blocks:
                c, _ = self.block(blk, ((a, 0) for a in blk.args))
                counts.add(c)


def kernel_metrics(kernel: Operation) -> KernelMetrics:
    """Metrics of one ``q.kernel`` (or any op with one body region), in linear time."""
    body = kernel.regions[0].block
    w = _Walker()
    counts, _ = w.block(body, ((a, 0) for a in body.args))
    return KernelMetrics(
        qubits=len(qubit_args(kernel)) + w.allocs,  # = kernel_wires.count_wires, counted in this walk
        gates=counts.gates,
        twoq=counts.twoq,
        depth=w.depth,
        measurements=counts.measurements,
        ops=dict(sorted(counts.ops.items())),
    )


def kernels(module: Module) -> list[Operation]:
    """The module's ``q.kernel`` ops, in order."""
    return [op for op in module.body if op.name == "q.kernel"]


def module_metrics(module: Module) -> dict[str, KernelMetrics]:
    """Metrics of every kernel, by symbol name."""
    return {str(k.properties.get("sym_name")): kernel_metrics(k) for k in kernels(module)}


def summary(per_kernel: dict[str, KernelMetrics]) -> dict[str, int]:
    """One ``{qubits, gates, twoq, depth}`` for a module: sums of counts, maxima of
    ``qubits`` and ``depth`` over its kernels (one kernel: its own figures)."""
    ms = list(per_kernel.values())
    return {
        "qubits": max((m.qubits for m in ms), default=0),
        "gates": sum(m.gates for m in ms),
        "twoq": sum(m.twoq for m in ms),
        "depth": max((m.depth for m in ms), default=0),
    }


ErrorModel = Callable[[str, tuple[int, ...]], float | None]


def wire_indices(kernel: Operation) -> dict[Value, int]:
    """Map every qubit value of ``kernel`` to its wire index (the kernel wire convention of
    :mod:`qglm_ir.dialects.kernel_wires`: qubit arguments first, then ``q.alloc`` ops in
    pre-order), through regions."""
    return number_wires(kernel).wire_of


def esp(kernel: Operation, error_of: ErrorModel, physical: list[int] | None = None) -> float:
    """Estimated success probability: the product of ``1 - error`` over the gates and
    measurements of ``kernel`` (static ops, loop bodies once per trip when constant).

    ``error_of(op_name, qubits)`` returns the calibrated error of an op (``op_name``
    without the ``q.`` prefix, e.g. ``"cx"``, ``"measure"``) on physical ``qubits``,
    or ``None`` when unknown (counted as error-free). ``physical[w]`` is the
    physical qubit of wire ``w`` (identity when ``None``: a mapped kernel).
    """
    wires = wire_indices(kernel)
    p = 1.0

    def visit(block: Block, times: int) -> None:
        nonlocal p
        for op in block:
            if op.name == "scf.for":
                t = trip_count(op)
                visit(op.regions[0].block, times * (1 if t is None else t))
                continue
            if op.regions:
                for region in op.regions:
                    for blk in region.blocks:
                        visit(blk, times)
                continue
            if not (_is_gate(op) or op.name == "q.measure"):
                continue
            qs = tuple(wires.get(v, -1) for v in op.operands if v.type.is_qubit)
            if physical is not None:
                qs = tuple(physical[q] if 0 <= q < len(physical) else q for q in qs)
            err = error_of(op.name[2:], qs)
            if err is not None:
                p *= (1.0 - float(err)) ** times

    visit(kernel.regions[0].block, 1)
    return p


__all__ = [
    "ErrorModel",
    "KernelMetrics",
    "esp",
    "kernel_metrics",
    "kernels",
    "module_metrics",
    "summary",
    "trip_count",
    "wire_indices",
]
