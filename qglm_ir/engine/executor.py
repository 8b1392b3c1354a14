"""Executes a host CFG (:mod:`qglm_ir.backends.cfg`): blocks, edges and registers.

The executor sees only the CFG document (as the ``networkx`` graph of
:func:`~qglm_ir.backends.cfg.to_cfg` / :func:`~qglm_ir.backends.cfg.from_cfg_json`),
never the IR: classical instructions are evaluated with the evaluator registry
(:mod:`qglm_ir.core.evaluators`, the numpy meaning of each op, looked up by op
name with the instruction's decoded properties and types), ``param.get`` reads
the parameter table, and each ``kernel_call`` block is handed to a caller
supplied ``call_kernel(call, args) -> results`` function.

Values live in one register file keyed by the CFG's unique value names; a
jump or branch assigns the target block's arguments from the edge's values
(read all first, then write: a back edge may permute loop-carried values).

Requires a well-formed CFG (``to_cfg`` output or a schema-valid document).
Guarantees: blocks run in CFG order from the entry block; at most
``max_steps`` blocks execute (a runaway host loop raises :class:`EngineError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from .. import dialects  # noqa: F401  (registers every op's evaluator)
from ..backends.cfg import decode_attr, parse_type_str
from ..core.errors import Location, QglmError, SemanticsError
from ..core.evaluators import get_evaluator
from ..core.ir import Operation, Value
from ..core.types import TensorType, Type
from ..dialects.classical_eval import coerce
from .errors import EngineError

MAX_STEPS = 10_000_000
CallKernel = Callable[[dict[str, Any], list[Any]], list[Any]]


def parse_loc(text: str | None) -> Location | None:
    """``FILE:LINE:COL`` back into a :class:`Location` (``None`` if absent or malformed)."""
    if not text:
        return None
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return Location(parts[0], int(parts[1]), int(parts[2]))


def convert_value(value: Any, t: Type, what: str) -> Any:
    """A user-supplied value in the evaluator representation of type ``t`` (shape-checked)."""
    try:
        if isinstance(t, TensorType):
            arr = np.asarray(value)
            if arr.shape != t.shape:
                raise EngineError(f"{what} expects shape {t.shape} ({t}), got shape {arr.shape}")
        elif np.ndim(value) != 0:
            raise EngineError(f"{what} expects a scalar {t}, got an array of shape {np.shape(value)}")
        return coerce(value, t)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{what} expects {t}, got {value!r} ({exc})") from None


class ParamValues:
    """Values of the module parameters: caller overrides first, then the CFG's ``init``s."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, Any]):
        self.table = table
        self.overrides = dict(overrides)
        self._cache: dict[str, Any] = {}

    def get(self, name: str, loc: Location | None = None) -> Any:
        if name in self._cache:
            return self._cache[name]
        decl = self.table.get(name)
        if decl is None:
            raise EngineError(f"parameter @{name} is not declared", loc)
        t = parse_type_str(decl["type"])
        if name in self.overrides:
            value = convert_value(self.overrides[name], t, f"parameter @{name}")
        elif decl.get("init") is not None:
            init = decode_attr(decl["init"])
            value = coerce(getattr(init, "array", init), t)
        else:
            raise EngineError(
                f"parameter @{name} ({decl['type']}) has no value: it declares no init and no input binds it",
                loc,
                help=f"pass inputs={{'{name}': array}} (qglmc run --input {name}=FILE.npy)",
            )
        self._cache[name] = value
        return value


class _Stub:
    """A detached operation that lets a registry evaluator run one CFG instruction."""

    __slots__ = ("op", "fn", "operands", "results", "param")

    def __init__(self, ins: Mapping[str, Any], types: Mapping[str, Type]):
        self.operands = list(ins["operands"])
        self.results = [r["name"] for r in ins["results"]]
        props = {k: decode_attr(v) for k, v in ins["properties"].items()}
        loc = parse_loc(ins.get("loc"))
        self.op = Operation(ins["op"], [Value(types[n]) for n in self.operands],
                            [parse_type_str(r["type"]) for r in ins["results"]], props, None, (), loc)
        ref = props.get("name") if ins["op"] == "param.get" else None
        self.param = getattr(ref, "name", None)
        self.fn = None if self.param else get_evaluator(ins["op"])
        if self.fn is None and self.param is None:
            raise EngineError(f"no classical evaluator for '{ins['op']}': the engine cannot run it", loc)


class Executor:
    """Runs one CFG graph (see the module docstring). Reusable across runs."""

    def __init__(self, graph: nx.DiGraph, call_kernel: CallKernel, params: ParamValues,
                 max_steps: int = MAX_STEPS):
        self.g = graph
        self.call_kernel = call_kernel
        self.params = params
        self.max_steps = max_steps
        types: dict[str, Type] = {}
        for d in graph.graph["inputs"]:
            types[d["value"]] = parse_type_str(d["type"])
        for n in graph.nodes:
            b = graph.nodes[n]
            for a in b["args"]:
                types[a["name"]] = parse_type_str(a["type"])
            for ins in b["instrs"]:
                for r in ins["results"]:
                    types[r["name"]] = parse_type_str(r["type"])
            for r in (b["call"] or {}).get("results", ()):
                types[r["name"]] = parse_type_str(r["type"])
        self.types = types
        self.stubs = {n: [_Stub(ins, types) for ins in graph.nodes[n]["instrs"]] for n in graph.nodes}

    def run(self, inputs: Mapping[str, Any]) -> list[Any]:
        """Execute from the entry block; ``inputs`` maps the entry's argument names to values."""
        env: dict[str, Any] = {}
        for d in self.g.graph["inputs"]:
            if d["name"] not in inputs:
                raise EngineError(
                    f"input '{d['name']}' ({d['type']}) of @{self.g.graph['entry']} is not bound",
                    help=f"pass inputs={{'{d['name']}': ...}} (qglmc run --input {d['name']}=FILE.npy)",
                )
            env[d["value"]] = convert_value(inputs[d["name"]], parse_type_str(d["type"]), f"input '{d['name']}'")
        nodes = self.g.nodes
        bid = self.g.graph["entry_block"]
        for _ in range(self.max_steps):
            block = nodes[bid]
            self._straight_line(bid, env)
            call = block["call"]
            if call is not None:
                args = [env[b["value"]] for b in call["bindings"]]
                for r, v in zip(call["results"], self.call_kernel(call, args)):
                    env[r["name"]] = v
            term = block["terminator"]
            kind = term["kind"]
            if kind == "return":
                return [env[v] for v in term["values"]]
            if kind == "jump":
                arm = term
            else:
                arm = term["true"] if bool(env[term["cond"]]) else term["false"]
            bid = arm["target"]
            values = [env[v] for v in arm["args"]]
            for a, v in zip(nodes[bid]["args"], values):
                env[a["name"]] = v
        raise EngineError(f"the host program did not finish within {self.max_steps} blocks (runaway loop?)")

    def _straight_line(self, bid: str, env: dict[str, Any]) -> None:
        for s in self.stubs[bid]:
            if s.param is not None:
                env[s.results[0]] = self.params.get(s.param, s.op.loc)
                continue
            try:
                vals = s.fn(s.op, [env[n] for n in s.operands])  # type: ignore[misc]
            except QglmError:
                raise
            except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
                raise SemanticsError(f"{s.op.name}: {exc}", s.op.loc) from None
            for n, v in zip(s.results, vals):
                env[n] = v
