"""Host control-flow graph (CFG) backend: the host program as basic blocks.

``to_cfg(module, entry=None)`` lowers one host function (``func.func``) into a
``networkx.DiGraph`` of basic blocks; ``to_cfg_json`` serializes it as the
versioned ``qglm.cfg`` JSON document (schema: ``docs/cfg-schema.md`` and
``qglm_ir/backends/cfg_schema.json``); ``to_dot`` renders it as Graphviz DOT.
``from_cfg_json`` reads a document back into the same graph form, so a
classical engine (:mod:`qglm_ir.engine`) can run a CFG loaded from disk.

Lowering (what a user sees in the blocks):

* straight-line classical ops (``arith``, ``tensor``, ``nn``, ``param.get``...)
  become instructions in ``basic`` blocks, in program order;
* every kernel invocation gets a block of its own (kind ``kernel_call``): a
  ``stats.*`` op (statistic ``expval``/``probs``/``counts``/``sample``) or a
  ``func.call`` of a ``q.kernel`` (statistic ``run``: one shot, the kernel's
  returned bits), with its argument bindings, the module parameters the
  kernel reads, its shots and seed;
* ``scf.if`` ends the current block with a ``branch`` to a ``then`` and an
  ``else`` block, both jumping to a ``join`` block whose arguments are the
  ``scf.if`` results (MLIR ``cf`` style: values flow along edges as block
  arguments);
* ``scf.for`` becomes ``loop_header`` (compares the induction variable with
  the upper bound) -> ``loop_body`` -> back edge to the header, and
  ``loop_exit``; ``scf.while`` likewise with its "before" region as header;
* calls of other ``func.func`` are inlined (recursion is rejected);
* ``func.return`` of the entry function is a ``return`` terminator.

Entry function (``entry=None``): ``@main`` if there is one, else the only
``func.func`` marked ``model`` (the DSL's ``model`` keyword), else the only
``func.func``, else the last one. A module without host functions but with
exactly one kernel gets a synthesized entry ``@<kernel>`` that samples that
kernel once with statistic ``counts`` and ``DEFAULT_SHOTS`` shots.

Value names are unique across the graph (``%h``, ``%h_1``, ``%v7``...), so a
CFG is in SSA form over named registers. Block order is program order and the
first block is the entry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import networkx as nx
import numpy as np

from ..core.attributes import DenseArray, SymbolRef
from ..core.errors import BackendError, Location
from ..core.ir import Block, Operation, Value
from ..core.module import SymbolTable
from ..core.types import FunctionType, Type, i1, i64
from ..dialects import stats as stats_dialect
from ..dialects.readout import num_output_wires, readout_of
from ..dialects.scf import ConditionOp, ForOp, IfOp

SCHEMA_NAME = "qglm.cfg"
SCHEMA_VERSION = 1
DEFAULT_SHOTS = 1024
BLOCK_KINDS = ("basic", "kernel_call", "cond", "then", "else", "join", "loop_header", "loop_body", "loop_exit")
STATISTICS = ("expval", "probs", "counts", "sample", "run")

_STRUCTURED = frozenset({"scf.if", "scf.for", "scf.while"})


# --------------------------------------------------------------------------- attributes
def encode_attr(value: Any) -> Any:
    """An attribute value as JSON data (see ``docs/cfg-schema.md``, "Attribute values")."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, SymbolRef):
        return {"symbol": value.name}
    if isinstance(value, Type):
        return {"type": str(value)}
    if isinstance(value, DenseArray):
        arr = value.array
        if arr.dtype.kind == "c":
            data: list[Any] = [[float(z.real), float(z.imag)] for z in arr.reshape(-1)]
        else:
            data = [encode_attr(x) for x in arr.reshape(-1).tolist()]
        return {"dense": {"dtype": value.dtype_name, "shape": list(arr.shape), "data": data}}
    if isinstance(value, tuple):
        return [encode_attr(v) for v in value]
    raise TypeError(f"not an attribute value: {value!r}")


def decode_attr(data: Any) -> Any:
    """Inverse of :func:`encode_attr` (JSON lists become tuples)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return tuple(decode_attr(v) for v in data)
    if isinstance(data, dict):
        if "float" in data:
            return float(data["float"])
        if "symbol" in data:
            return SymbolRef(data["symbol"])
        if "type" in data:
            return parse_type_str(data["type"])
        if "dense" in data:
            d = data["dense"]
            if d["dtype"] == "c128":
                flat = np.array([complex(re, im) for re, im in d["data"]], dtype=np.complex128)
            else:
                flat = np.array([decode_attr(x) for x in d["data"]], dtype=DenseArray.DTYPES[d["dtype"]])
            return DenseArray(flat.reshape(tuple(d["shape"])))
    raise ValueError(f"not an encoded attribute value: {data!r}")


def parse_type_str(text: str) -> Type:
    """A type from its textual spelling (``tensor<8xf64>``), for CFG readers."""
    from ..text.literals import parse_type

    return parse_type(text)


def _loc(loc: Location | None) -> str | None:
    return str(loc) if loc is not None else None


# --------------------------------------------------------------------------- entry selection
def _funcs(module: Operation) -> list[Operation]:
    return [op for op in module.regions[0].block if op.name == "func.func"]


def select_entry(module: Operation, entry: str | None) -> Operation | None:
    """The entry ``func.func`` (see the module docstring), or ``None`` for a kernel-only module.

    Raises :class:`BackendError` when ``entry`` names no host function or the
    module has neither host functions nor exactly one kernel.
    """
    funcs = _funcs(module)
    names = [str(f.properties.get("sym_name")) for f in funcs]
    if entry is not None:
        for f, n in zip(funcs, names):
            if n == entry:
                return f
        kernels = [str(op.properties.get("sym_name")) for op in module.regions[0].block if op.name == "q.kernel"]
        if entry in kernels and not funcs:
            return None
        raise BackendError(
            f"no host function @{entry}; the module has {', '.join('@' + n for n in names) or 'none'}",
            module.loc,
        )
    if not funcs:
        kernels = [op for op in module.regions[0].block if op.name == "q.kernel"]
        if len(kernels) == 1:
            return None
        raise BackendError(
            f"the module has no host function (func.func) and {len(kernels)} kernels; nothing to run",
            module.loc,
            help="add a host function, or pass entry=NAME",
        )
    if "main" in names:
        return funcs[names.index("main")]
    models = [f for f in funcs if f.attributes.get("model") or f.properties.get("model")]
    if len(models) == 1:
        return models[0]
    return funcs[-1]


# --------------------------------------------------------------------------- lowering
def _vdecl(name: str, t: Type) -> dict[str, str]:
    return {"name": name, "type": str(t)}


def kernel_reads_params(kernel: Operation, symbols: SymbolTable) -> list[str]:
    """Names of the module parameters ``kernel`` reads (directly or through kernel calls)."""
    seen: set[str] = set()
    out: list[str] = []
    stack = [kernel]
    visited: set[int] = set()
    while stack:
        k = stack.pop()
        if id(k) in visited:
            continue
        visited.add(id(k))
        for op in k.walk():
            ref = op.properties.get("name") if op.name == "param.get" else None
            if isinstance(ref, SymbolRef) and ref.name not in seen:
                seen.add(ref.name)
                out.append(ref.name)
            elif op.name == "func.call":
                callee = op.properties.get("callee")
                target = symbols.lookup(callee.name) if isinstance(callee, SymbolRef) else None
                if target is not None and target.name == "q.kernel":
                    stack.append(target)
    return out


def _has_noise(kernel: Operation) -> bool:
    return any(op.name.startswith("noise.") for op in kernel.walk())


class _Lowering:
    """Builds the block list of one entry function (see the module docstring)."""

    def __init__(self, module: Operation):
        self.module = module
        self.symbols = SymbolTable(module)
        self.blocks: dict[str, dict[str, Any]] = {}
        self.cur: dict[str, Any] | None = None
        self.used_names: set[str] = set()
        self.counter = 0
        self.kernels: dict[str, dict[str, Any]] = {}
        self.stack: list[Operation] = []

    # ------------------------------------------------------------ helpers
    def fail(self, op: Operation, message: str, help: str | None = None) -> BackendError:
        return BackendError(message, op.loc, help=help)

    def fresh(self, hint: str | None) -> str:
        if hint:
            base = "%" + hint
            name, k = base, 0
            while name in self.used_names:
                k += 1
                name = f"{base}_{k}"
        else:
            name = f"%v{self.counter}"
            self.counter += 1
            while name in self.used_names:
                name = f"%v{self.counter}"
                self.counter += 1
        self.used_names.add(name)
        return name

    def define(self, v: Value, env: dict[Value, str], hint: str | None = None) -> str:
        name = self.fresh(v.name_hint or hint)
        env[v] = name
        return name

    def use(self, v: Value, env: dict[Value, str], op: Operation) -> str:
        name = env.get(v)
        if name is None:
            raise self.fail(op, f"{op.name} uses a value that is not defined in host code (is the module verified?)")
        return name

    def new_block(self, kind: str, label: str, args: Iterable[dict[str, str]] = ()) -> dict[str, Any]:
        bid = f"b{len(self.blocks)}"
        block = {"id": bid, "kind": kind, "label": label, "args": list(args), "instrs": [], "call": None,
                 "terminator": None}
        self.blocks[bid] = block
        return block

    def terminate(self, term: dict[str, Any]) -> None:
        assert self.cur is not None and self.cur["terminator"] is None
        self.cur["terminator"] = term

    def jump_to(self, block: dict[str, Any], args: Sequence[str] = (), back: bool = False) -> None:
        term: dict[str, Any] = {"kind": "jump", "target": block["id"], "args": list(args)}
        if back:
            term["back"] = True
        self.terminate(term)

    def open_basic(self) -> None:
        """Make sure the current block can take classical instructions."""
        assert self.cur is not None
        if self.cur["kind"] == "kernel_call":
            nxt = self.new_block("basic", "")
            self.jump_to(nxt)
            self.cur = nxt

    # ------------------------------------------------------------ entry
    def lower_entry(self, func: Operation) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        ftype = func.properties.get("function_type")
        assert isinstance(ftype, FunctionType)
        name = str(func.properties.get("sym_name"))
        env: dict[Value, str] = {}
        body = func.regions[0].blocks[0]
        inputs = []
        for i, a in enumerate(body.args):
            if a.type.is_qubit:
                raise self.fail(func, f"host function @{name} takes a qubit argument; host code cannot hold qubits")
            v = self.define(a, env, f"arg{i}")
            inputs.append({"name": a.name_hint or f"arg{i}", "value": v, "type": str(a.type)})
        self.cur = self.new_block("basic", f"@{name}")
        self.stack.append(func)
        ret = self.lower_ops(body, env)
        self.stack.pop()
        if ret is None or ret.name != "func.return":
            raise self.fail(func, f"host function @{name} must end with func.return")
        self.terminate({"kind": "return", "values": [self.use(v, env, ret) for v in ret.operands]})
        return inputs, [{"type": str(t)} for t in ftype.results]

    def lower_kernel_only(self, kernel: Operation, shots: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Synthesize ``counts = stats.counts @kernel(args...)`` as the whole host program."""
        name = str(kernel.properties.get("sym_name"))
        self.check_callable(kernel, kernel)
        args = [a for a in kernel.regions[0].blocks[0].args if not a.type.is_qubit]
        inputs, bindings = [], []
        for i, a in enumerate(args):
            v = self.fresh(a.name_hint or f"arg{i}")
            inputs.append({"name": a.name_hint or f"arg{i}", "value": v, "type": str(a.type)})
            bindings.append({"input": a.name_hint or f"arg{i}", "value": v, "type": str(a.type)})
        width = stats_dialect.readout_width(kernel)
        result_t = stats_dialect.result_type("stats.counts", width, shots)
        self.cur = self.new_block("kernel_call", f"call @{name} (counts)")
        out = self.fresh("counts")
        self.cur["call"] = self.call_record(kernel, "stats.counts", "counts", shots, None, bindings,
                                            [_vdecl(out, result_t)], kernel.loc)
        self.terminate({"kind": "return", "values": [out]})
        return inputs, [{"type": str(result_t)}]

    # ------------------------------------------------------------ ops
    def lower_ops(self, block: Block, env: dict[Value, str]) -> Operation | None:
        """Lower every op of ``block`` into the current block(s); return its terminator."""
        for op in block:
            name = op.name
            if op.next is None and name in ("func.return", "scf.yield", "scf.condition"):
                return op
            if name in stats_dialect.STATS_OPS:
                self.lower_stats(op, env)
            elif name == "func.call":
                self.lower_call(op, env)
            elif name == "scf.if":
                self.lower_if(op, env)
            elif name == "scf.for":
                self.lower_for(op, env)
            elif name == "scf.while":
                self.lower_while(op, env)
            else:
                self.lower_classical(op, env)
        return None

    def lower_classical(self, op: Operation, env: dict[Value, str]) -> None:
        if op.regions:
            raise self.fail(op, f"'{op.name}' (an op with regions) cannot run in host code")
        if any(v.type.is_qubit for v in op.operands) or any(r.type.is_qubit for r in op.results):
            raise self.fail(op, f"'{op.name}' touches qubits; host code cannot hold qubits",
                            help="move quantum operations into a q.kernel and call it with stats.*")
        self.open_basic()
        assert self.cur is not None
        operands = [self.use(v, env, op) for v in op.operands]
        results = [_vdecl(self.define(r, env), r.type) for r in op.results]
        self.cur["instrs"].append({
            "op": op.name,
            "operands": operands,
            "results": results,
            "properties": {k: encode_attr(v) for k, v in op.properties.items()},
            "loc": _loc(op.loc),
        })

    def check_callable(self, kernel: Operation, op: Operation) -> None:
        ftype = kernel.properties.get("function_type")
        if not isinstance(ftype, FunctionType):
            raise self.fail(op, f"kernel @{kernel.properties.get('sym_name')} has no function_type")
        if any(t.is_qubit for t in ftype.inputs):
            raise self.fail(op, f"kernel @{kernel.properties.get('sym_name')} takes qubit arguments; "
                                "a host can only call kernels that allocate their qubits")

    def kernel_entry(self, kernel: Operation) -> None:
        name = str(kernel.properties.get("sym_name"))
        if name in self.kernels:
            return
        ftype = kernel.properties.get("function_type")
        assert isinstance(ftype, FunctionType)
        args = [a for a in kernel.regions[0].blocks[0].args if not a.type.is_qubit]
        readout = readout_of(kernel)
        self.kernels[name] = {
            "inputs": [{"name": a.name_hint or f"arg{i}", "type": str(a.type)} for i, a in enumerate(args)],
            "returns": [str(t) for t in ftype.results],
            "params": kernel_reads_params(kernel, self.symbols),
            "num_wires": num_output_wires(kernel),
            "readout": {
                "source": "wires" if readout.from_wires else "returns",
                "width": readout.width,
                "contract": readout.kind,
                "wires": list(readout.wires),
                "program_qubits": readout.num_program_qubits,
            },
            "noisy": _has_noise(kernel),
        }

    def call_record(self, kernel: Operation, op_name: str, statistic: str, shots: int, seed: int | None,
                    bindings: list[dict[str, str]], results: list[dict[str, str]],
                    loc: Location | None) -> dict[str, Any]:
        self.kernel_entry(kernel)
        return {
            "kernel": str(kernel.properties.get("sym_name")),
            "op": op_name,
            "statistic": statistic,
            "shots": shots,
            "seed": seed,
            "bindings": bindings,
            "params": self.kernels[str(kernel.properties.get("sym_name"))]["params"],
            "results": results,
            "loc": _loc(loc),
        }

    def _bindings(self, kernel: Operation, op: Operation, env: dict[Value, str]) -> list[dict[str, str]]:
        args = [a for a in kernel.regions[0].blocks[0].args if not a.type.is_qubit]
        if len(args) != len(op.operands):
            raise self.fail(op, f"{op.name} passes {len(op.operands)} argument(s) to a kernel taking {len(args)}")
        return [
            {"input": a.name_hint or f"arg{i}", "value": self.use(v, env, op), "type": str(v.type)}
            for i, (a, v) in enumerate(zip(args, op.operands))
        ]

    def emit_call(self, kernel: Operation, op: Operation, statistic: str, shots: int, seed: int | None,
                  env: dict[Value, str]) -> None:
        self.check_callable(kernel, op)
        bindings = self._bindings(kernel, op, env)
        results = [_vdecl(self.define(r, env), r.type) for r in op.results]
        call = self.call_record(kernel, op.name, statistic, shots, seed, bindings, results, op.loc)
        blk = self.new_block("kernel_call", f"call @{call['kernel']} ({statistic})")
        blk["call"] = call
        self.jump_to(blk)
        self.cur = blk

    def lower_stats(self, op: Operation, env: dict[Value, str]) -> None:
        kernel = self.callee(op)
        if kernel.name != "q.kernel":
            raise self.fail(op, f"{op.name} must call a q.kernel, not a {kernel.name}")
        shots = op.properties.get("shots")
        seed = op.properties.get("seed")
        if not isinstance(shots, int) or shots < 1:
            raise self.fail(op, f"{op.name} needs a positive 'shots' property, got {shots!r}")
        self.emit_call(kernel, op, op.name.split(".", 1)[1], shots, seed if isinstance(seed, int) else None, env)

    def callee(self, op: Operation) -> Operation:
        ref = op.properties.get("callee")
        target = self.symbols.lookup(ref.name) if isinstance(ref, SymbolRef) else None
        if target is None:
            raise self.fail(op, f"{op.name} calls undefined symbol {ref}")
        return target

    def lower_call(self, op: Operation, env: dict[Value, str]) -> None:
        target = self.callee(op)
        if target.name == "q.kernel":
            ftype = target.properties.get("function_type")
            assert isinstance(ftype, FunctionType)
            if any(t != i1 for t in ftype.results):
                raise self.fail(op, f"a host call of kernel @{target.properties.get('sym_name')} must return "
                                    f"only i1 bits, got ({', '.join(map(str, ftype.results))})",
                                help="use stats.expval/probs/counts/sample to read other statistics")
            self.emit_call(target, op, "run", 1, None, env)
            return
        if target.name != "func.func":
            raise self.fail(op, f"func.call of a {target.name} cannot run in host code")
        if target in self.stack:
            raise self.fail(op, f"recursive call of @{target.properties.get('sym_name')}; the CFG inlines "
                                "host calls and cannot express recursion")
        body = target.regions[0].blocks[0]
        inner: dict[Value, str] = {}
        for a, v in zip(body.args, op.operands):
            inner[a] = self.use(v, env, op)  # arguments alias the caller's registers (SSA: never reassigned)
        self.stack.append(target)
        ret = self.lower_ops(body, inner)
        self.stack.pop()
        if ret is None or ret.name != "func.return":
            raise self.fail(target, f"host function @{target.properties.get('sym_name')} must end with func.return")
        for r, v in zip(op.results, ret.operands):
            env[r] = self.use(v, inner, ret)

    def open_cond(self) -> dict[str, Any]:
        """The block that ends in an ``scf.if`` branch: the current one if plain, else a new one."""
        assert self.cur is not None
        if self.cur["kind"] == "basic":
            self.cur["kind"] = "cond"
        else:
            nxt = self.new_block("cond", "if")
            self.jump_to(nxt)
            self.cur = nxt
        return self.cur

    def lower_if(self, op: Operation, env: dict[Value, str]) -> None:
        cond = self.use(IfOp(op).cond, env, op)
        inputs = [self.use(v, env, op) for v in IfOp(op).inputs]
        branch_block = self.open_cond()
        join_args = [_vdecl(self.define(r, env), r.type) for r in op.results]
        firsts: list[dict[str, Any]] = []
        ends: list[tuple[dict[str, Any], list[str]]] = []
        for idx, kind in ((0, "then"), (1, "else")):
            region_block = op.regions[idx].blocks[0]
            args = [_vdecl(self.define(a, env), a.type) for a in region_block.args]
            blk = self.new_block(kind, f"{kind} ({cond})", args)
            firsts.append(blk)
            self.cur = blk
            term = self.lower_ops(region_block, env)
            if term is None or term.name != "scf.yield":
                raise self.fail(op, "scf.if region must end with scf.yield")
            ends.append((self.cur, [self.use(v, env, term) for v in term.operands]))
        join = self.new_block("join", f"end if ({cond})", join_args)
        for last, values in ends:
            self.cur = last
            self.jump_to(join, values)
        branch_block["terminator"] = {
            "kind": "branch",
            "cond": cond,
            "true": {"target": firsts[0]["id"], "args": inputs},
            "false": {"target": firsts[1]["id"], "args": inputs},
        }
        self.cur = join

    def lower_for(self, op: Operation, env: dict[Value, str]) -> None:
        lb, ub, step = (self.use(v, env, op) for v in ForOp(op).bounds)
        inits = [self.use(v, env, op) for v in ForOp(op).iter_args]
        body = op.regions[0].blocks[0]
        header_args = [_vdecl(self.define(a, env), a.type) for a in body.args]
        iv = header_args[0]["name"]
        header = self.new_block("loop_header", f"for {iv} < {ub}", header_args)
        self.jump_to(header, [lb, *inits])
        cond = self.fresh(iv[1:] + ".cond")
        header["instrs"].append({"op": "arith.cmp", "operands": [iv, ub], "results": [_vdecl(cond, i1)],
                                 "properties": {"predicate": "lt"}, "loc": _loc(op.loc)})
        loop_body = self.new_block("loop_body", f"for {iv} body")
        self.cur = loop_body
        term = self.lower_ops(body, env)
        if term is None or term.name != "scf.yield":
            raise self.fail(op, "scf.for body must end with scf.yield")
        yields = [self.use(v, env, term) for v in term.operands]
        self.open_basic()
        nxt = self.fresh(iv[1:] + ".next")
        assert self.cur is not None
        self.cur["instrs"].append({"op": "arith.add", "operands": [iv, step], "results": [_vdecl(nxt, i64)],
                                   "properties": {}, "loc": _loc(op.loc)})
        self.jump_to(header, [nxt, *yields], back=True)
        exit_args = [_vdecl(self.define(r, env), r.type) for r in op.results]
        exit_block = self.new_block("loop_exit", f"end for {iv}", exit_args)
        header["terminator"] = {
            "kind": "branch",
            "cond": cond,
            "true": {"target": loop_body["id"], "args": []},
            "false": {"target": exit_block["id"], "args": [a["name"] for a in header_args[1:]]},
        }
        self.cur = exit_block

    def lower_while(self, op: Operation, env: dict[Value, str]) -> None:
        inits = [self.use(v, env, op) for v in op.operands]
        before = op.regions[0].blocks[0]
        after = op.regions[1].blocks[0]
        header_args = [_vdecl(self.define(a, env), a.type) for a in before.args]
        header = self.new_block("loop_header", "while", header_args)
        self.jump_to(header, inits)
        self.cur = header
        cterm = self.lower_ops(before, env)
        if cterm is None or cterm.name != "scf.condition":
            raise self.fail(op, "scf.while 'before' region must end with scf.condition")
        cond = self.use(ConditionOp(cterm).cond, env, cterm)
        carried = [self.use(v, env, cterm) for v in ConditionOp(cterm).values]
        self.open_basic()
        test_block = self.cur
        body_args = [_vdecl(self.define(a, env), a.type) for a in after.args]
        loop_body = self.new_block("loop_body", f"while {cond} body", body_args)
        self.cur = loop_body
        yterm = self.lower_ops(after, env)
        if yterm is None or yterm.name != "scf.yield":
            raise self.fail(op, "scf.while 'after' region must end with scf.yield")
        self.open_basic()
        self.jump_to(header, [self.use(v, env, yterm) for v in yterm.operands], back=True)
        exit_args = [_vdecl(self.define(r, env), r.type) for r in op.results]
        exit_block = self.new_block("loop_exit", f"end while {cond}", exit_args)
        assert test_block is not None
        test_block["terminator"] = {
            "kind": "branch",
            "cond": cond,
            "true": {"target": loop_body["id"], "args": carried},
            "false": {"target": exit_block["id"], "args": carried},
        }
        self.cur = exit_block

    # ------------------------------------------------------------ cleanup
    def drop_empty(self, entry_id: str) -> str:
        """Remove argument-less, instruction-less ``basic`` blocks that only jump on; return the entry."""
        forward: dict[str, str] = {}
        for bid, b in self.blocks.items():
            t = b["terminator"]
            if (b["kind"] == "basic" and not b["instrs"] and not b["args"] and t["kind"] == "jump"
                    and not t["args"] and t["target"] != bid and bid != entry_id):
                forward[bid] = t["target"]

        def resolve(bid: str) -> str:
            seen = set()
            while bid in forward and bid not in seen:
                seen.add(bid)
                bid = forward[bid]
            return bid

        for bid in forward:
            del self.blocks[bid]
        for b in self.blocks.values():
            t = b["terminator"]
            if t["kind"] == "jump":
                t["target"] = resolve(t["target"])
            elif t["kind"] == "branch":
                for arm in ("true", "false"):
                    t[arm]["target"] = resolve(t[arm]["target"])
        # Renumber so ids stay b0, b1, ... in program order.
        rename = {bid: f"b{i}" for i, bid in enumerate(self.blocks)}
        blocks = {}
        for bid, b in self.blocks.items():
            b["id"] = rename[bid]
            t = b["terminator"]
            if t["kind"] == "jump":
                t["target"] = rename[t["target"]]
            elif t["kind"] == "branch":
                for arm in ("true", "false"):
                    t[arm]["target"] = rename[t[arm]["target"]]
            blocks[b["id"]] = b
        self.blocks = blocks
        return rename[entry_id]


def _successors(term: dict[str, Any]) -> list[tuple[str, str]]:
    if term["kind"] == "jump":
        return [(term["target"], "back" if term.get("back") else "jump")]
    if term["kind"] == "branch":
        return [(term["true"]["target"], "true"), (term["false"]["target"], "false")]
    return []


def _params_table(module: Operation) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for op in module.regions[0].block:
        if op.name != "param.decl":
            continue
        init = op.properties.get("init")
        out[str(op.properties["sym_name"])] = {
            "type": str(op.properties.get("type")),
            "trainable": bool(op.properties.get("trainable", False)),
            "init": None if init is None else encode_attr(init),
        }
    return out


def _graph_from_document(doc: dict[str, Any]) -> nx.DiGraph:
    g = nx.DiGraph()
    for key in ("schema", "version", "module", "entry", "entry_block", "inputs", "outputs", "params", "kernels"):
        g.graph[key] = doc[key]
    for b in doc["blocks"]:
        g.add_node(b["id"], **{k: v for k, v in b.items() if k != "id"})
    for e in doc["edges"]:
        g.add_edge(e["source"], e["target"], kind=e["kind"])
    return g


# --------------------------------------------------------------------------- public API
def cfg_document(module: Operation, entry: str | None = None) -> dict[str, Any]:
    """The ``qglm.cfg`` document of ``module``'s entry host function, as JSON-able data.

    Requires a verified module. Raises :class:`BackendError` for host code the
    CFG cannot express (qubits in host code, recursion, unknown callees).
    """
    func = select_entry(module, entry)
    low = _Lowering(module)
    if func is None:
        kernel = next(op for op in module.regions[0].block if op.name == "q.kernel"
                      and (entry is None or op.properties.get("sym_name") == entry))
        name = str(kernel.properties.get("sym_name"))
        inputs, outputs = low.lower_kernel_only(kernel, DEFAULT_SHOTS)
    else:
        name = str(func.properties.get("sym_name"))
        inputs, outputs = low.lower_entry(func)
    entry_block = low.drop_empty("b0")
    blocks = list(low.blocks.values())
    edges = [
        {"source": b["id"], "target": t, "kind": kind}
        for b in blocks
        for t, kind in _successors(b["terminator"])
    ]
    sym = module.properties.get("sym_name")
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "module": sym if isinstance(sym, str) else None,
        "entry": name,
        "entry_block": entry_block,
        "inputs": inputs,
        "outputs": outputs,
        "params": _params_table(module),
        "kernels": low.kernels,
        "blocks": blocks,
        "edges": edges,
    }


def to_cfg(module: Operation, entry: str | None = None) -> nx.DiGraph:
    """The host CFG as a ``networkx.DiGraph``.

    Nodes are block ids (``b0`` is the entry) with attributes ``kind``,
    ``label``, ``args``, ``instrs``, ``call`` and ``terminator`` exactly as in
    the JSON ``blocks``; edges carry ``kind`` (``jump``/``true``/``false``/``back``);
    ``graph.graph`` holds the document's top-level fields (schema, version,
    entry, inputs, outputs, params, kernels).
    """
    return _graph_from_document(cfg_document(module, entry))


def graph_document(g: nx.DiGraph) -> dict[str, Any]:
    """The JSON-able ``qglm.cfg`` document of a CFG graph (inverse of :func:`from_cfg_json`)."""
    doc = {k: g.graph[k] for k in ("schema", "version", "module", "entry", "entry_block", "inputs", "outputs",
                                   "params", "kernels")}
    doc["blocks"] = [{"id": n, **{k: g.nodes[n][k] for k in ("kind", "label", "args", "instrs", "call",
                                                              "terminator")}} for n in g.nodes]
    doc["edges"] = [{"source": u, "target": v, "kind": d["kind"]} for u, v, d in g.edges(data=True)]
    return doc


def to_cfg_json(module: Operation, entry: str | None = None, *, indent: int | None = 1) -> str:
    """The host CFG as a ``qglm.cfg`` version-1 JSON document (see ``docs/cfg-schema.md``)."""
    return json.dumps(cfg_document(module, entry), indent=indent) + "\n"


def from_cfg_json(text: str) -> nx.DiGraph:
    """Read a ``qglm.cfg`` JSON document back into the graph form of :func:`to_cfg`.

    Raises :class:`BackendError` if the text is not JSON or not a version this
    reader understands (checked: ``schema`` and ``version``; validate the rest
    with :func:`cfg_schema` and ``jsonschema`` when the source is untrusted).
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendError(f"not a CFG document: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        raise BackendError(f"not a CFG document: 'schema' must be {SCHEMA_NAME!r}")
    if doc.get("version") != SCHEMA_VERSION:
        raise BackendError(f"unsupported CFG version {doc.get('version')!r} (this reader understands "
                           f"version {SCHEMA_VERSION})")
    try:
        return _graph_from_document(doc)
    except (KeyError, TypeError) as exc:
        raise BackendError(f"malformed CFG document: missing or bad field {exc}") from None


def cfg_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``qglm.cfg`` document, from package data."""
    text = resources.files("qglm_ir.backends").joinpath("cfg_schema.json").read_text(encoding="utf-8")
    return json.loads(text)


# --------------------------------------------------------------------------- DOT
_DOT_STYLE = {
    "basic": ('box', "white"),
    "kernel_call": ("box3d", "lightblue"),
    "cond": ("box", "lightyellow"),
    "then": ("box", "white"),
    "else": ("box", "white"),
    "join": ("box", "whitesmoke"),
    "loop_header": ("box", "lightyellow"),
    "loop_body": ("box", "white"),
    "loop_exit": ("box", "whitesmoke"),
}
_EDGE_STYLE = {"jump": "", "true": ' label="true" color="darkgreen"', "false": ' label="false" color="red"',
               "back": ' label="back" style="dashed"'}


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _prop_text(v: Any) -> str:
    if isinstance(v, dict):
        if "symbol" in v:
            return "@" + v["symbol"]
        if "type" in v:
            return v["type"]
        if "dense" in v:
            return "dense<" + "x".join(map(str, v["dense"]["shape"])) + "x" + v["dense"]["dtype"] + ">"
    return json.dumps(v)


def _instr_text(ins: dict[str, Any]) -> str:
    res = ", ".join(r["name"] for r in ins["results"])
    props = " ".join(f"{k}={_prop_text(v)}" for k, v in ins["properties"].items())
    text = f"{ins['op']} {', '.join(ins['operands'])}".rstrip()
    if props:
        text += " {" + props + "}"
    return f"{res} = {text}" if res else text


def _block_lines(b: dict[str, Any]) -> list[str]:
    head = b["id"]
    if b["args"]:
        head += "(" + ", ".join(f"{a['name']}: {a['type']}" for a in b["args"]) + ")"
    lines = [head + ":  " + b["label"] if b["label"] else head + ":"]
    lines += [_instr_text(i) for i in b["instrs"]]
    call = b["call"]
    if call is not None:
        binds = ", ".join(f"{x['input']}={x['value']}" for x in call["bindings"])
        res = ", ".join(r["name"] for r in call["results"])
        lines.append(f"{res} = {call['statistic']} @{call['kernel']}({binds}) shots={call['shots']}")
        if call["params"]:
            lines.append("params: " + ", ".join(call["params"]))
    t = b["terminator"]
    if t["kind"] == "return":
        lines.append("return " + ", ".join(t["values"]))
    elif t["kind"] == "branch":
        lines.append(f"branch {t['cond']}")
    return lines


def graph_to_dot(g: nx.DiGraph) -> str:
    """Graphviz DOT text of a CFG graph: one record-free box per block, edges labelled by kind."""
    name = g.graph.get("entry", "cfg")
    out = [f'digraph "{_dot_escape(str(name))}" {{', '  node [fontname="monospace" style="filled"];']
    for n in g.nodes:
        b = {"id": n, **g.nodes[n]}
        shape, color = _DOT_STYLE.get(b["kind"], ("box", "white"))
        label = "".join(_dot_escape(line) + "\\l" for line in _block_lines(b))
        extra = ' peripheries="2"' if n == g.graph.get("entry_block") else ""
        out.append(f'  {n} [shape="{shape}" fillcolor="{color}" label="{label}"{extra}];')
    for u, v, d in g.edges(data=True):
        out.append(f"  {u} -> {v} [{_EDGE_STYLE.get(d['kind'], '').strip()}];")
    out.append("}")
    return "\n".join(out) + "\n"


def to_dot(module: Operation, entry: str | None = None) -> str:
    """The host CFG as Graphviz DOT text (render with ``dot -Tsvg``)."""
    return graph_to_dot(to_cfg(module, entry))


__all__ = [
    "BLOCK_KINDS",
    "DEFAULT_SHOTS",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "STATISTICS",
    "cfg_document",
    "cfg_schema",
    "decode_attr",
    "encode_attr",
    "from_cfg_json",
    "graph_document",
    "graph_to_dot",
    "kernel_reads_params",
    "parse_type_str",
    "select_entry",
    "to_cfg",
    "to_cfg_json",
    "to_dot",
]
