"""One host execution with a tape: forward and reverse sweeps as resumable generators.

:class:`TapedRun` executes a host CFG exactly like the engine's
:class:`~qglm_ir.engine.executor.Executor` (same evaluators, same block order,
same parameter values) but

* it is a generator that *yields* a :class:`KernelCall` at every kernel call and
  is resumed with the call's results, so a driver can run many samples in
  lock-step and evaluate their kernel calls together (:mod:`.batch_exec`);
* it records a tape of what actually ran (host control flow included: a loop
  that ran three times is three entries), only for values that depend on a
  value we differentiate with respect to ("needs gradient"), so frozen
  backbones cost nothing in the reverse sweep.

The reverse sweep (:meth:`TapedRun.backward`) is a generator too: it yields a
:class:`KernelCall` with a ``cotangent`` at every kernel call on the tape and
is resumed with ``(arg_cotangents, param_cotangents)``.

Value identity: every write into the register file gets a fresh integer id,
so values of different loop iterations that share a CFG name stay apart on
the tape; block arguments alias the ids of the values passed along an edge.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backends.cfg import parse_type_str
from ..core.errors import QglmError, SemanticsError
from ..engine.errors import EngineError
from ..engine.executor import Executor, ParamValues, convert_value, parse_loc
from .vjp import Cotangent, is_float, pullback


@dataclass
class KernelCall:
    """A kernel call a :class:`TapedRun` waits on (forward) or wants the VJP of (backward)."""

    call: Mapping[str, Any]  # the CFG's call record: kernel, statistic, shots, params, loc...
    args: list[Any]  # classical kernel arguments (evaluator representation)
    params: dict[str, Any]  # values of the module parameters the kernel reads
    cotangent: np.ndarray | None = None  # backward only: cotangent of the call's (single) result
    need_args: tuple[bool, ...] = ()  # backward only: which argument cotangents are wanted
    need_params: tuple[str, ...] = ()  # backward only: which parameter cotangents are wanted


@dataclass
class _Entry:
    kind: str  # "op" or "kernel"
    item: Any  # the executor's stub (op) or the call record (kernel)
    in_ids: list[int]
    out_ids: list[int]
    ins: list[Any]
    outs: list[Any]
    params: dict[str, Any] = field(default_factory=dict)


Sweep = Generator[KernelCall, Any, Any]


class TapedRun:
    """One execution of ``executor``'s CFG (see the module docstring).

    ``wrt``: names of the module parameters (and, optionally, entry inputs)
    gradients are taken with respect to. Requires an :class:`Executor` built
    for the CFG (its register types and instruction stubs are reused).
    """

    def __init__(self, executor: Executor, params: ParamValues, wrt: frozenset[str]):
        self.ex = executor
        self.params = params
        self.wrt = wrt
        self.tape: list[_Entry] = []
        self.sources: dict[int, str] = {}  # id -> parameter or input name it was read from
        self.outputs: list[Any] = []
        self._out_ids: list[int] = []
        self._kernel_grads: dict[str, np.ndarray] = {}
        self._needs: set[int] = set()  # ids of values that depend on something in ``wrt``
        self._next = 0

    def _id(self) -> int:
        self._next += 1
        return self._next

    def forward(self, inputs: Mapping[str, Any]) -> Sweep:
        """Run from the entry block; yields kernel calls, returns the program's outputs."""
        g = self.ex.g
        env: dict[str, tuple[Any, int]] = {}
        needs = self._needs
        for d in g.graph["inputs"]:
            if d["name"] not in inputs:
                raise EngineError(
                    f"input '{d['name']}' ({d['type']}) of @{g.graph['entry']} is not bound",
                    help=f"pass inputs={{'{d['name']}': ...}}",
                )
            i = self._id()
            env[d["value"]] = (convert_value(inputs[d["name"]], parse_type_str(d["type"]), f"input '{d['name']}'"), i)
            if d["name"] in self.wrt:
                needs.add(i)
                self.sources[i] = d["name"]
        nodes = g.nodes
        bid = g.graph["entry_block"]
        for _ in range(self.ex.max_steps):
            block = nodes[bid]
            self._straight_line(bid, env, needs)
            call = block["call"]
            if call is not None:
                yield from self._kernel(call, env, needs)
            term = block["terminator"]
            if term["kind"] == "return":
                self._out_ids = [env[v][1] for v in term["values"]]
                self.outputs = [env[v][0] for v in term["values"]]
                return self.outputs
            arm = term if term["kind"] == "jump" else (term["true"] if bool(env[term["cond"]][0]) else term["false"])
            bid = arm["target"]
            values = [env[v] for v in arm["args"]]  # read all, then write (back edges permute)
            for a, v in zip(nodes[bid]["args"], values):
                env[a["name"]] = v
        raise EngineError(f"the host program did not finish within {self.ex.max_steps} blocks (runaway loop?)")

    def _straight_line(self, bid: str, env: dict[str, tuple[Any, int]], needs: set[int]) -> None:
        for s in self.ex.stubs[bid]:
            if s.param is not None:
                i = self._id()
                env[s.results[0]] = (self.params.get(s.param, s.op.loc), i)
                if s.param in self.wrt:
                    needs.add(i)
                    self.sources[i] = s.param
                continue
            pairs = [env[n] for n in s.operands]
            ins = [p[0] for p in pairs]
            try:
                outs = s.fn(s.op, ins)  # type: ignore[misc]
            except QglmError:
                raise
            except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
                raise SemanticsError(f"{s.op.name}: {exc}", s.op.loc) from None
            out_ids = [self._id() for _ in outs]
            for n, v, i in zip(s.results, outs, out_ids):
                env[n] = (v, i)
            in_ids = [p[1] for p in pairs]
            if any(i in needs for i in in_ids):
                flows = [i for i, v in zip(out_ids, s.op.results) if is_float(v.type)]
                needs.update(flows)
                if flows:
                    self.tape.append(_Entry("op", s, in_ids, out_ids, ins, outs))

    def _kernel(self, call: Mapping[str, Any], env: dict[str, tuple[Any, int]], needs: set[int]) -> Sweep:
        pairs = [env[b["value"]] for b in call["bindings"]]
        loc = parse_loc(call.get("loc"))
        params = {p: self.params.get(p, loc) for p in call["params"]}
        args = [p[0] for p in pairs]
        results = yield KernelCall(call, args, params)
        out_ids = [self._id() for _ in call["results"]]
        for r, v, i in zip(call["results"], results, out_ids):
            env[r["name"]] = (v, i)
        in_ids = [p[1] for p in pairs]
        if any(i in needs for i in in_ids) or any(p in self.wrt for p in params):
            needs.update(out_ids)
            self.tape.append(_Entry("kernel", call, in_ids, out_ids, args, list(results), params))

    def backward(self, cotangents: list[Cotangent]) -> Sweep:
        """Reverse sweep from the outputs' ``cotangents`` (one per output, ``None`` = zero).

        Yields a :class:`KernelCall` (with ``cotangent``) per kernel call on the
        tape, expects ``(arg_cotangents, param_cotangents)`` back, and returns
        ``{name: gradient}`` for every name of ``wrt`` read by this run
        (summed over all its reads).
        """
        cts: dict[int, Any] = {}
        self._kernel_grads: dict[str, np.ndarray] = {}
        for i, c in zip(self._out_ids, cotangents):
            if c is not None:
                _accumulate(cts, i, c)
        for e in reversed(self.tape):
            outs = [cts.pop(i, None) for i in e.out_ids]
            if all(c is None for c in outs):
                continue
            if e.kind == "op":
                grads = pullback(e.item.op, e.ins, e.outs, outs)
            else:
                grads = yield from self._kernel_vjp(e, outs)
            for i, gr in zip(e.in_ids, grads):
                if gr is not None:
                    _accumulate(cts, i, gr)
        out: dict[str, Any] = dict(self._kernel_grads)
        for i, name in self.sources.items():
            if i in cts:
                out[name] = out[name] + cts[i] if name in out else cts[i]
        return out

    def _kernel_vjp(self, e: _Entry, outs: list[Cotangent]) -> Generator[KernelCall, Any, list[Cotangent]]:
        (ct,) = outs  # a kernel call has one result (its statistic)
        need_params = tuple(p for p in e.params if p in self.wrt)
        req = KernelCall(e.item, e.ins, e.params, np.asarray(ct, dtype=np.float64),
                         tuple(i in self._needs for i in e.in_ids), need_params)
        arg_cts, param_cts = yield req
        for p in need_params:  # the kernel reads these parameters directly (not through a host value)
            self._kernel_grads[p] = self._kernel_grads[p] + param_cts[p] if p in self._kernel_grads \
                else np.asarray(param_cts[p], dtype=np.float64)
        return [c if is_float(parse_type_str(b["type"])) else None for c, b in zip(arg_cts, e.item["bindings"])]


def _accumulate(cts: dict[int, Any], i: int, g: Any) -> None:
    cts[i] = cts[i] + g if i in cts else g
