"""The kernel interpreter: classical evaluation, control flow and branch enumeration.

One pass over the IR drives a *batch* of branches. A branch is a quantum sink
(:mod:`.state`), a Born weight, the measurement record, and the classical
values that differ between branches. Without measurements the batch has one
branch and the sink is usually a :class:`~.state.TraceSink`, so the same code
produces the flat trace the statevector sweep and the tensor network use.

Value storage, and why it looks like this:

* qubit values map to *slots* in one shared dict. Every branch of a batch
  runs the same ops, so they agree on slots; where branches take different
  paths (a measured ``scf.if``, a loop whose trip count depends on a
  measurement) their states are permuted at the merge so they agree again.
  All branches also keep the same slot count (the shorter ones are padded
  with |0> wires that nothing touches).
* a classical value is *uniform* (stored once in ``env``) unless it depends on
  a measurement, in which case each branch stores it in its ``local`` dict and
  the value is in ``divergent``. Measurement-free kernels never pay for this.

Requires: a verified kernel (linear qubits, typed ops). Guarantees: executes
ops in program order; ``scf.for`` with bounds known at that point is unrolled,
``scf.if``/``scf.while`` follow their (possibly per-branch) conditions, and
loops, calls and the branch count are capped with a :class:`SemanticsError`.
"""

from __future__ import annotations

import cmath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.attributes import DenseArray, SymbolRef
from ..core.errors import SemanticsError
from ..core.evaluators import get_evaluator
from ..core.ir import Block, Operation, Value
from ..core.module import SymbolTable
from ..dialects.classical_eval import coerce
from ..dialects.embed import StateOp
from ..dialects.gates import GATES
from ..dialects.kernel_wires import qubit_args
from ..dialects.q import GlobalPhaseOp, MeasureOp, ResetOp
from ..dialects.scf import ConditionOp, ForOp, IfOp
from .binding import ParamResolver
from .state import PRUNE

MAX_BRANCHES = 4096
MAX_ITERATIONS = 1_000_000
MAX_CALL_DEPTH = 64

# Gates that act as the identity (dropped), and per gate: (num_params, spec, constant matrix).
# Noise annotations describe the device for noisy simulation (the engine); the
# ideal semantics every pass is checked against treats them as identities.
_IDENTITY_OPS = frozenset(
    {"q.id", "q.barrier", "q.delay"}
    | {f"noise.{c}" for c in ("bit_flip", "phase_flip", "depolarizing", "amplitude_damping", "phase_damping")}
)
_TERMINATORS = frozenset({"scf.yield", "scf.condition", "func.return"})
_GATES: dict[str, tuple[int, Any, np.ndarray | None]] = {
    spec.ir_name: (spec.num_params, spec, spec.matrix() if spec.num_params == 0 else None)
    for spec in GATES.values()
}


class _Record:
    """Persistent (shared-tail) list of measurement outcomes, so forking is O(1)."""

    __slots__ = ("bit", "prev")

    def __init__(self, bit: int, prev: _Record | None):
        self.bit = bit
        self.prev = prev

    @staticmethod
    def to_tuple(rec: _Record | None) -> tuple[int, ...]:
        out: list[int] = []
        while rec is not None:
            out.append(rec.bit)
            rec = rec.prev
        return tuple(reversed(out))


class Branch:
    """One path through the kernel: its sink, probability, record and divergent values."""

    __slots__ = ("sink", "weight", "local", "record")

    def __init__(self, sink: Any, weight: float = 1.0, local: dict | None = None, record: _Record | None = None):
        self.sink = sink
        self.weight = weight
        self.local: dict[Value, Any] = local if local is not None else {}
        self.record = record

    def fork(self, sink: Any, p: float, bit: int | None) -> Branch:
        rec = self.record if bit is None else _Record(bit, self.record)
        return Branch(sink, self.weight * p, dict(self.local), rec)

    @property
    def measurements(self) -> tuple[int, ...]:
        return _Record.to_tuple(self.record)


@dataclass
class _Captured:
    """Values a group of branches leaves a region with: slots and classical values."""

    batch: list[Branch]
    slots: list[int]  # one per qubit value, in order
    classical: list[tuple[bool, Any]]  # (divergent?, value or per-branch list)


@dataclass
class RunResult:
    """What a kernel run produced: the final batch, its output slots and classical returns."""

    batch: list[Branch]
    outputs: list[int]  # output wires' slots: returned qubits, then the rest ascending
    returns: list[list[Any]]  # per branch, the returned classical values


class Interpreter:
    """Runs one kernel (see module docstring). Create one per evaluation."""

    def __init__(
        self,
        params: ParamResolver,
        symbols: SymbolTable | None,
        max_branches: int | None = None,
        max_iterations: int | None = None,
    ):
        self.params = params
        self.symbols = symbols
        # Read the module constants at call time so callers (and tests) can tune them.
        self.max_branches = max_branches or MAX_BRANCHES
        self.max_iterations = max_iterations or MAX_ITERATIONS
        self.env: dict[Value, Any] = {}
        self.divergent: set[Value] = set()
        self.slot: dict[Value, int] = {}
        self._calls: list[Operation] = []
        self._handlers: dict[str, Callable[[Operation, list[Branch]], list[Branch]]] = {
            "q.alloc": self._alloc,
            "q.dealloc": self._noop,
            "q.unitary": self._unitary,
            "q.measure": self._measure,
            "q.reset": self._reset,
            "q.global_phase": self._global_phase,
            "scf.for": self._for,
            "scf.if": self._if,
            "scf.while": self._while,
            "func.call": self._call,
            "param.get": self._param_get,
            "q.amplitude": self._embedding,
            "q.density": self._embedding,
        }

    def register_handler(self, op_name: str, handler: Callable[[Operation, list[Branch]], list[Branch]]) -> None:
        """Give ``op_name`` a meaning in this interpreter (e.g. a noise channel in a
        noisy simulator). A registered handler takes precedence over the built-in
        identity treatment of ``noise.*``, ``q.barrier`` and ``q.delay``; it gets the
        op and the batch of branches and returns the new batch. It must set
        ``self.slot`` for any qubit results (see the built-in handlers)."""
        self._handlers[op_name] = handler

    # ------------------------------------------------------------------ entry
    def run(self, kernel: Operation, batch: list[Branch], classical: dict[Value, Any]) -> RunResult:
        """Run ``kernel``: its qubit arguments are slots ``0..k-1`` of every sink in ``batch``."""
        body = kernel.regions[0].blocks[0]
        for w, a in enumerate(qubit_args(kernel)):  # argument wires, as the wire model numbers them
            self.slot[a] = w
        for a in body.args:
            if a in classical:
                self.env[a] = classical[a]
        batch = self.exec_block(body, batch)
        ret = body.last
        assert ret is not None
        qubits = [v for v in ret.operands if v.type.is_qubit]
        outs = [self.slot[v] for v in qubits]
        n = batch[0].sink.n if batch else len(outs)
        rest = sorted(set(range(n)) - set(outs))
        cls = [v for v in ret.operands if not v.type.is_qubit]
        returns = [[self.get(v, b) for v in cls] for b in batch]
        return RunResult(batch, outs + rest, returns)

    # ------------------------------------------------------------ values
    def get(self, v: Value, b: Branch) -> Any:
        if v in self.divergent:
            return b.local[v]
        try:
            return self.env[v]
        except KeyError:
            raise SemanticsError(f"value {v!r} has no value here (is the kernel verified?)") from None

    def _is_div(self, values: Sequence[Value]) -> bool:
        div = self.divergent
        return bool(div) and any(v in div for v in values)

    def _set_uniform(self, v: Value, x: Any) -> None:
        self.env[v] = x
        if v in self.divergent:
            self.divergent.discard(v)

    def _set_local(self, v: Value, batch: list[Branch], xs: Sequence[Any]) -> None:
        for b, x in zip(batch, xs):
            b.local[v] = x
        self.divergent.add(v)

    def _transfer(self, batch: list[Branch], srcs: Sequence[Value], dsts: Sequence[Value]) -> None:
        """Bind ``dsts[i]`` to the value of ``srcs[i]`` (read all first: yields may swap)."""
        reads: list[tuple[bool, Any]] = []
        for s in srcs:
            if s.type.is_qubit:
                reads.append((False, self.slot[s]))
            elif s in self.divergent:
                reads.append((True, [b.local[s] for b in batch]))
            else:
                reads.append((False, self.env[s]))
        for d, (div, x) in zip(dsts, reads):
            if d.type.is_qubit:
                self.slot[d] = x
            elif div:
                self._set_local(d, batch, x)
            else:
                self._set_uniform(d, x)

    def _capture(self, batch: list[Branch], srcs: Sequence[Value]) -> _Captured:
        slots = [self.slot[s] for s in srcs if s.type.is_qubit]
        cls: list[tuple[bool, Any]] = []
        for s in srcs:
            if s.type.is_qubit:
                continue
            if s in self.divergent:
                cls.append((True, [b.local[s] for b in batch]))
            else:
                cls.append((False, self.env[s]))
        return _Captured(batch, slots, cls)

    def _merge(self, op: Operation, groups: list[_Captured], domain: set[int], n_before: int) -> list[Branch]:
        """Join branch groups that left a region through different paths.

        ``domain`` holds the slots the region could touch (its qubit operands'
        slots) and every slot allocated inside (``>= n_before``). Each group's states are
        permuted so its results sit in the first group's slots; other slots
        in the domain keep ascending order; slots outside it never move.
        """
        groups = [g for g in groups if g.batch]
        results = op.results
        qres = [r for r in results if r.type.is_qubit]
        cres = [r for r in results if not r.type.is_qubit]
        if len(groups) == 1:
            g = groups[0]
            for r, s in zip(qres, g.slots):
                self.slot[r] = s
            for r, (div, x) in zip(cres, g.classical):
                if div:
                    self._set_local(r, g.batch, x)
                else:
                    self._set_uniform(r, x)
            return g.batch
        n = max(b.sink.n for g in groups for b in g.batch)
        dom = sorted(domain | set(range(n_before, n)))
        target = groups[0].slots
        tset = set(target)
        rest_target = [s for s in dom if s not in tset]
        batch: list[Branch] = []
        for g in groups:
            perm = list(range(n))
            gset = set(g.slots)
            rest_src = [s for s in dom if s not in gset]
            for s, t in zip(g.slots, target):
                perm[s] = t
            for s, t in zip(rest_src, rest_target):
                perm[s] = t
            identity = perm == list(range(n))
            for b in g.batch:
                b.sink.pad(n)
                if not identity:
                    b.sink.permute(perm)
            batch.extend(g.batch)
        for r, s in zip(qres, target):
            self.slot[r] = s
        for i, r in enumerate(cres):
            xs: list[Any] = []
            for g in groups:
                div, x = g.classical[i]
                xs.extend(x if div else [x] * len(g.batch))
            self._set_local(r, batch, xs)
        return batch

    # ------------------------------------------------------------ execution
    def exec_block(self, block: Block, batch: list[Branch]) -> list[Branch]:
        """Execute every op of ``block`` but its terminator (the caller reads that)."""
        handlers = self._handlers
        gates = _GATES
        op = block.first
        while op is not None:
            name = op.name
            g = gates.get(name)
            if g is not None:
                self._gate(op, batch, g)
            elif name in handlers:
                batch = handlers[name](op, batch)
            elif name in _IDENTITY_OPS:
                slot = self.slot
                for v, r in zip(op.operands, op.results):
                    slot[r] = slot[v]
            elif name in _TERMINATORS:
                break
            else:
                self._classical(op, batch)
            op = op.next
        return batch

    def _gate(self, op: Operation, batch: list[Branch], g: tuple[int, Any, np.ndarray | None]) -> None:
        npar, spec, const = g
        ops = op.operands
        slot = self.slot
        slots = tuple(slot[v] for v in ops[npar:])
        for r, s in zip(op.results, slots):
            slot[r] = s
        if const is not None:
            for b in batch:
                b.sink.gate(const, slots)
            return
        angles = ops[:npar]
        if self._is_div(angles):
            for b in batch:
                b.sink.gate(spec.matrix(*(float(self.get(v, b)) for v in angles)), slots)
            return
        env = self.env
        m = spec.matrix(*(float(env[v]) for v in angles))
        for b in batch:
            b.sink.gate(m, slots)

    def _noop(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        return batch

    def _alloc(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        s = -1
        for b in batch:
            s = b.sink.alloc()
        self.slot[op.results[0]] = s
        return batch

    def _unitary(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        m = op.properties.get("matrix")
        if not isinstance(m, DenseArray):
            raise SemanticsError("q.unitary without a 'matrix' property", op.loc)
        mat = np.asarray(m.array, dtype=np.complex128)
        slots = tuple(self.slot[v] for v in op.operands)
        for r, s in zip(op.results, slots):
            self.slot[r] = s
        for b in batch:
            b.sink.gate(mat, slots)
        return batch

    def _embedding(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        # q.amplitude / q.density mean their fixed template circuit bound to the angles
        from ..embedding.expand import template_gates

        slots = tuple(self.slot[v] for v in StateOp(op).qubits)
        for r, s in zip(op.results, slots):
            self.slot[r] = s
        for b in batch:
            gates, phase = template_gates(op, self.get(StateOp(op).angles, b))
            for mat, qs in gates:
                b.sink.gate(mat, tuple(slots[q] for q in qs))
            b.sink.phase(cmath.exp(1j * phase))
        return batch

    def _global_phase(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        v = GlobalPhaseOp(op).angle
        for b in batch:
            b.sink.phase(cmath.exp(1j * float(self.get(v, b))))
        return batch

    def _check_branches(self, op: Operation, n: int) -> None:
        if n > self.max_branches:
            raise SemanticsError(
                f"more than {self.max_branches} measurement branches at {op.name}",
                op.loc,
                help="branch enumeration is exponential in the number of random measurements",
            )

    def _measure(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        s = self.slot[MeasureOp(op).qubit]
        bit_v, q_v = op.results
        out: list[Branch] = []
        bits: list[bool] = []
        for b in batch:
            for p, bit, sink in b.sink.measure(s, op):
                if b.weight * p <= PRUNE:  # negligible branch (e.g. deep repeat-until-success)
                    continue
                out.append(b.fork(sink, p, bit))
                bits.append(bool(bit))
        self._check_branches(op, len(out))
        self.slot[q_v] = s
        self._set_local(bit_v, out, bits)
        return out

    def _reset(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        s = self.slot[ResetOp(op).qubit]
        out: list[Branch] = []
        for b in batch:
            for p, sink in b.sink.reset(s, op):
                if b.weight * p <= PRUNE:
                    continue
                out.append(b.fork(sink, p, None))
        self._check_branches(op, len(out))
        self.slot[op.results[0]] = s
        return out

    def _param_get(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        ref = op.properties.get("name")
        if not isinstance(ref, SymbolRef):
            raise SemanticsError("param.get without a 'name' property", op.loc)
        self._set_uniform(op.results[0], coerce(self.params.get(ref.name, op), op.results[0].type))
        return batch

    def _classical(self, op: Operation, batch: list[Branch]) -> None:
        fn = get_evaluator(op.name)
        if fn is None:
            raise SemanticsError(f"no semantics for {op.name} inside a kernel", op.loc)
        ops = op.operands
        if self._is_div(ops):
            per = [fn(op, [self.get(v, b) for v in ops]) for b in batch]
            for i, r in enumerate(op.results):
                self._set_local(r, batch, [res[i] for res in per])
            return
        env = self.env
        try:
            vals = fn(op, [env[v] for v in ops])
        except KeyError as exc:
            raise SemanticsError(f"{op.name} uses a value that is not defined here", op.loc) from exc
        for r, x in zip(op.results, vals):
            self._set_uniform(r, x)

    # ---------------------------------------------------------- control flow
    def _split(self, batch: list[Branch], key: Callable[[Branch], Any]) -> dict[Any, list[Branch]]:
        groups: dict[Any, list[Branch]] = {}
        for b in batch:
            groups.setdefault(key(b), []).append(b)
        return groups

    def _if(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        cond = IfOp(op).cond
        inputs = IfOp(op).inputs
        domain = {self.slot[v] for v in inputs if v.type.is_qubit}
        n_before = batch[0].sink.n
        if cond in self.divergent:
            groups = self._split(batch, lambda b: bool(b.local[cond]))
        else:
            groups = {bool(self.env[cond]): batch}
        captured: list[_Captured] = []
        for which in (True, False):
            sub = groups.get(which)
            if not sub:
                continue
            block = op.regions[0 if which else 1].blocks[0]
            self._transfer(sub, inputs, block.args)
            sub = self.exec_block(block, sub)
            assert block.last is not None
            captured.append(self._capture(sub, block.last.operands))
        return self._merge(op, captured, domain, n_before)

    def _for(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        bounds = ForOp(op).bounds
        inits = ForOp(op).iter_args
        domain = {self.slot[v] for v in inits if v.type.is_qubit}
        n_before = batch[0].sink.n
        if self._is_div(bounds):
            groups = self._split(batch, lambda b: tuple(int(self.get(v, b)) for v in bounds))
        else:
            groups = {tuple(int(self.env[v]) for v in bounds): batch}
        captured: list[_Captured] = []
        for (lb, ub, step), sub in groups.items():
            if step <= 0:
                raise SemanticsError(f"scf.for step must be positive, got {step}", op.loc)
            if (ub - lb + step - 1) // step > self.max_iterations:
                raise SemanticsError(
                    f"scf.for runs {(ub - lb + step - 1) // step} iterations, more than the "
                    f"{self.max_iterations} the semantics unrolls",
                    op.loc,
                )
            block = op.regions[0].blocks[0]
            iv, iter_args = block.args[0], block.args[1:]
            srcs: Sequence[Value] = inits
            for i in range(lb, ub, step):
                self._transfer(sub, srcs, iter_args)
                self._set_uniform(iv, i)
                sub = self.exec_block(block, sub)
                assert block.last is not None
                srcs = block.last.operands
            captured.append(self._capture(sub, srcs))
        return self._merge(op, captured, domain, n_before)

    def _while(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        before = op.regions[0].blocks[0]
        after = op.regions[1].blocks[0]
        domain = {self.slot[v] for v in op.operands if v.type.is_qubit}
        n_before = batch[0].sink.n
        srcs: Sequence[Value] = op.operands
        active = batch
        exited: list[_Captured] = []
        iterations = 0
        while active:
            self._transfer(active, srcs, before.args)
            active = self.exec_block(before, active)
            cond_op = before.last
            assert cond_op is not None
            c = ConditionOp(cond_op).cond
            if c in self.divergent:
                groups = self._split(active, lambda b, c=c: bool(b.local[c]))
            else:
                groups = {bool(self.env[c]): active}
            stop = groups.get(False)
            if stop:
                exited.append(self._capture(stop, ConditionOp(cond_op).values))
            active = groups.get(True, [])
            if not active:
                break
            iterations += 1
            if iterations > self.max_iterations:
                raise SemanticsError(
                    f"scf.while did not terminate within {self.max_iterations} iterations",
                    op.loc,
                    help="the semantics evaluates loops by running them",
                )
            self._transfer(active, ConditionOp(cond_op).values, after.args)
            active = self.exec_block(after, active)
            assert after.last is not None
            srcs = after.last.operands
        return self._merge(op, exited, domain, n_before)

    def _call(self, op: Operation, batch: list[Branch]) -> list[Branch]:
        ref = op.properties.get("callee")
        callee = self.symbols.lookup(ref.name) if (self.symbols and isinstance(ref, SymbolRef)) else None
        if callee is None or callee.name != "q.kernel":
            raise SemanticsError(f"func.call inside a kernel must call a q.kernel, got {ref}", op.loc)
        if callee in self._calls or len(self._calls) >= MAX_CALL_DEPTH:
            raise SemanticsError(f"recursive call of @{ref.name} (not supported by the semantics)", op.loc)
        self._calls.append(callee)
        try:
            body = callee.regions[0].blocks[0]
            domain = {self.slot[v] for v in op.operands if v.type.is_qubit}
            n_before = batch[0].sink.n
            self._transfer(batch, op.operands, body.args)
            batch = self.exec_block(body, batch)
            assert body.last is not None
            return self._merge(op, [self._capture(batch, body.last.operands)], domain, n_before)
        finally:
            self._calls.pop()


