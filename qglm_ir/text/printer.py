"""Printer of the textual IR: ``print_module`` and ``print_op``.

Every op has a generic form, used for any op without a custom form and for
any op its custom form cannot express exactly::

    %r0, %r1 = "dialect.op"(%a, %b) <{prop = 1}> ({
    ^bb0(%x: f64):
      ...
    }) {attr = "x"} : (f64, i1) -> (f64, f64)

Custom forms (see :mod:`qglm_ir.text.forms` for the region-less ones)::

    module @name { ... }
    param.decl @w : tensor<2x8xf64> trainable = dense<2x8xf64 [...]>
    q.kernel @k(%theta: f64) -> (i1) { ... }          (func.func likewise)
    %c = arith.constant 1.5 : f64
    %a, %b = q.crx(%t) %q0, %q1
    %r = scf.for %i = %lb to %ub step %s iter_args(%a = %q) -> (!q.qubit) { ... }
    %r = scf.if %c (%a = %q) -> (!q.qubit) { ... } else (%b) { ... }

Guarantees: the output is deterministic (the same module prints byte for
byte the same text), property and attribute keys are sorted, every float
keeps all its bits, and ``parse_module`` reads it back to a structurally
identical module. SSA names are the values' ``name_hint`` where that is a
valid identifier used by no other value of the enclosing isolated op (kernel,
function, module), else ``%0, %1, ...`` in textual order per isolated op.
Printing is linear in the size of the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ..core.attributes import AttrValue, SymbolRef
from ..core.ir import Block, Operation, Region, Value
from ..core.opdef import ISOLATED, get_opdef
from ..core.types import FunctionType, Type
from ..dialects.scf import ForOp, IfOp
from .forms import QUANTUM_FORMS, SYMBOL_OPS
from .literals import format_attr, format_key, format_string, format_symbol, is_value_name

__all__ = ["print_module", "print_op"]

_INDENT = ["  " * i for i in range(32)]


def _indent(depth: int) -> str:
    return _INDENT[depth] if depth < len(_INDENT) else "  " * depth


def _types(types: Iterable[Type]) -> str:
    return ", ".join([str(t) for t in types])


class _Scope:
    """Naming state of one isolated op: how often each hint occurs, which are taken."""

    __slots__ = ("counts", "used", "counter")

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.used: set[str] = set()
        self.counter = 0


_ISOLATED_CACHE: dict[str, bool] = {}


def _is_isolated(name: str) -> bool:
    iso = _ISOLATED_CACHE.get(name)
    if iso is None:
        d = get_opdef(name)
        iso = _ISOLATED_CACHE[name] = d is not None and d.has(ISOLATED)
    return iso


def _count_hints(regions: Iterable[Region], counts: dict[str, int]) -> dict[str, int]:
    """Count the name hints of every value defined in ``regions``, without
    entering isolated ops (their bodies are separate naming scopes)."""
    stack = list(regions)
    while stack:
        region = stack.pop()
        for block in region.blocks:
            for a in block.args:
                h = a.name_hint
                if h is not None:
                    counts[h] = counts.get(h, 0) + 1
            for op in block:
                for r in op.results:
                    h = r.name_hint
                    if h is not None:
                        counts[h] = counts.get(h, 0) + 1
                if op.regions and not _is_isolated(op.name):
                    stack.extend(op.regions)
    return counts


class _Printer:
    """Appends the lines of the ops it is given to ``out``."""

    def __init__(self, generic: bool = False) -> None:
        self.generic_only = generic
        self.out: list[str] = []
        self.names: dict[Value, str] = {}
        self.scope = _Scope({})
        self.valid_hint: dict[str, bool] = {}

    # ---------------------------------------------------------------- names
    def _fresh(self, v: Value) -> str:
        """Name a value seen for the first time (at its definition, or at a use
        of a value defined elsewhere / later, which only happens in invalid IR)."""
        sc = self.scope
        h = v.name_hint
        if h is not None and sc.counts.get(h, 0) <= 1 and h not in sc.used:
            ok = self.valid_hint.get(h)
            if ok is None:
                ok = self.valid_hint[h] = is_value_name(h)
            if ok:
                sc.used.add(h)
                name = "%" + h
                self.names[v] = name
                return name
        name = "%" + str(sc.counter)
        sc.counter += 1
        self.names[v] = name
        return name

    def name(self, v: Value) -> str:
        n = self.names.get(v)
        return n if n is not None else self._fresh(v)

    def values(self, vals: Iterable[Value]) -> str:
        names = self.names
        return ", ".join([names.get(v) or self._fresh(v) for v in vals])

    def results(self, op: Operation) -> str:
        if not op.results:
            return ""
        return self.values(op.results) + " = "

    def push_scope(self, regions: Iterable[Region]) -> _Scope:
        saved = self.scope
        self.scope = _Scope(_count_hints(regions, {}))
        return saved

    # ------------------------------------------------------------- pieces
    @staticmethod
    def attr_dict(d: Mapping[str, AttrValue]) -> str:
        return ", ".join([f"{format_key(k)} = {format_attr(d[k])}" for k in sorted(d)])

    def props_attrs(self, op: Operation, props: Mapping[str, AttrValue] | None = None) -> str:
        """`` <{props}> {attrs}`` with empty parts omitted."""
        props = op.properties if props is None else props
        s = ""
        if props:
            s += " <{" + self.attr_dict(props) + "}>"
        if op.attributes:
            s += " {" + self.attr_dict(op.attributes) + "}"
        return s

    def attr_kw(self, op: Operation) -> str:
        return " attributes {" + self.attr_dict(op.attributes) + "}" if op.attributes else ""

    def arg_decls(self, block: Block) -> str:
        return ", ".join([f"{self.name(a)}: {a.type}" for a in block.args])

    def body(self, block: Block, depth: int) -> None:
        for op in block:
            self.op(op, depth)

    # ------------------------------------------------------------ dispatch
    def op(self, op: Operation, depth: int) -> None:
        fn = None if self.generic_only else _CUSTOM.get(op.name)
        if fn is None and not self.generic_only and not op.regions and get_opdef(op.name) is not None:
            fn = _simple
        if fn is None or not fn(self, op, depth):
            self.generic(op, depth)

    def generic(self, op: Operation, depth: int) -> None:
        ind = _indent(depth)
        head = f"{ind}{self.results(op)}{format_string(op.name)}({self.values(op.operands)})"
        if op.properties:
            head += " <{" + self.attr_dict(op.properties) + "}>"
        tail = ""
        if op.attributes:
            tail = " {" + self.attr_dict(op.attributes) + "}"
        tail += f" : ({_types(v.type for v in op.operands)}) -> ({_types(r.type for r in op.results)})"
        if not op.regions:
            self.out.append(head + tail)
            return
        saved = self.push_scope(op.regions) if _is_isolated(op.name) else None
        self.out.append(head + " ({")
        for i, region in enumerate(op.regions):
            if i:
                self.out.append(ind + "}, {")
            self.region_blocks(region, depth)
        if saved is not None:
            self.scope = saved
        self.out.append(ind + "})" + tail)

    def region_blocks(self, region: Region, depth: int) -> None:
        """Blocks of a generic region. A block gets a ``^bbN`` label when it has
        arguments, is empty, or is not the only block, so that a region with
        zero blocks (nothing between the braces) stays distinguishable."""
        ind = _indent(depth)
        blocks = region.blocks
        for k, block in enumerate(blocks):
            if block.args or len(blocks) > 1 or block.first is None:
                label = f"^bb{k}"
                if block.args:
                    label += "(" + self.arg_decls(block) + ")"
                self.out.append(ind + label + ":")
            self.body(block, depth + 1)


# ------------------------------------------------------------ custom forms
_Form = Callable[[_Printer, Operation, int], bool]


def _single_block(op: Operation, n_regions: int) -> bool:
    return len(op.regions) == n_regions and all(len(r.blocks) == 1 for r in op.regions)


def _quantum(p: _Printer, op: Operation, depth: int) -> bool:
    form = QUANTUM_FORMS[op.name]
    operands = op.operands
    na = form.angles
    nq = len(operands) - na
    if nq < 0 or (form.qubits is not None and nq != form.qubits) or op.regions:
        return False
    want = form.result_types(nq)
    results = op.results
    if len(want) != len(results):
        return False
    for r, t in zip(results, want):
        if r.type is not t and r.type != t:
            return False
    line = _indent(depth) + p.results(op) + op.name
    if na:
        line += "(" + p.values(operands[:na]) + ")"
    if nq:
        line += " " + p.values(operands[na:] if na else operands)
    if op.properties or op.attributes:
        line += p.props_attrs(op)
    p.out.append(line)
    return True


def _simple(p: _Printer, op: Operation, depth: int) -> bool:
    """``%r = name [@sym] %a, %b <{props}> {attrs} : T`` for any region-less registered op."""
    if op.regions:
        return False
    line = _indent(depth) + p.results(op) + op.name
    props = op.properties
    key = SYMBOL_OPS.get(op.name)
    if key is not None and isinstance(props.get(key), SymbolRef):
        line += " " + format_symbol(props[key].name)  # type: ignore[union-attr]
        props = {k: v for k, v in props.items() if k != key}
    if op.operands:
        line += " " + p.values(op.operands)
    line += p.props_attrs(op, props)
    if op.results:
        line += " : " + _types(r.type for r in op.results)
    p.out.append(line)
    return True


def _return(p: _Printer, op: Operation, depth: int) -> bool:
    """``func.return %a, %b : T1, T2`` (operand types, like MLIR)."""
    if op.regions or op.results:
        return False
    line = _indent(depth) + op.name
    if op.operands:
        line += " " + p.values(op.operands)
    line += p.props_attrs(op)
    if op.operands:
        line += " : " + _types(v.type for v in op.operands)
    p.out.append(line)
    return True


def _call(p: _Printer, op: Operation, depth: int) -> bool:
    """``%r = func.call @f(%a) : (f64) -> (i1)``."""
    callee = op.properties.get("callee")
    if op.regions or not isinstance(callee, SymbolRef):
        return False
    rest = {k: v for k, v in op.properties.items() if k != "callee"}
    sig = FunctionType(tuple(v.type for v in op.operands), tuple(r.type for r in op.results))
    p.out.append(
        f"{_indent(depth)}{p.results(op)}{op.name} {format_symbol(callee.name)}({p.values(op.operands)})"
        f"{p.props_attrs(op, rest)} : {sig}"
    )
    return True


def _constant(p: _Printer, op: Operation, depth: int) -> bool:
    """``%c = arith.constant 1.5 : f64``."""
    if op.operands or op.regions or len(op.results) != 1 or set(op.properties) != {"value"}:
        return False
    attrs = " {" + p.attr_dict(op.attributes) + "}" if op.attributes else ""
    p.out.append(
        f"{_indent(depth)}{p.results(op)}{op.name} {format_attr(op.properties['value'])}{attrs}"
        f" : {op.results[0].type}"
    )
    return True


_DECL_KEYS = frozenset({"sym_name", "type", "trainable", "init"})


def _param_decl(p: _Printer, op: Operation, depth: int) -> bool:
    """``param.decl @w : tensor<2xf64> trainable = dense<2xf64 [0.5, 1.5]>``."""
    props = op.properties
    if (
        op.operands
        or op.results
        or op.regions
        or not set(props) <= _DECL_KEYS
        or not isinstance(props.get("sym_name"), str)
        or not isinstance(props.get("type"), Type)
        or not isinstance(props.get("trainable"), bool)
        or ("init" in props and props["init"] is None)
    ):
        return False
    line = f"{_indent(depth)}{op.name} {format_symbol(props['sym_name'])} : {props['type']} "  # type: ignore[arg-type]
    line += "trainable" if props["trainable"] else "frozen"
    if "init" in props:
        line += " = " + format_attr(props["init"])
    if op.attributes:
        line += " {" + p.attr_dict(op.attributes) + "}"
    p.out.append(line)
    return True


def _module(p: _Printer, op: Operation, depth: int) -> bool:
    """``module @name { ... }``."""
    props = op.properties
    name = props.get("sym_name")
    if (
        op.operands
        or op.results
        or not set(props) <= {"sym_name"}
        or ("sym_name" in props and not isinstance(name, str))
        or not _single_block(op, 1)
        or op.regions[0].blocks[0].args
    ):
        return False
    ind = _indent(depth)
    head = ind + "module"
    if isinstance(name, str):
        head += " " + format_symbol(name)
    p.out.append(head + p.attr_kw(op) + " {")
    saved = p.push_scope(op.regions)
    p.body(op.regions[0].blocks[0], depth + 1)
    p.scope = saved
    p.out.append(ind + "}")
    return True


def _function(p: _Printer, op: Operation, depth: int) -> bool:
    """``q.kernel @k(%a: f64) -> (i1) { ... }`` and ``func.func`` alike."""
    props = op.properties
    name, ftype = props.get("sym_name"), props.get("function_type")
    if (
        op.operands
        or op.results
        or set(props) != {"sym_name", "function_type"}
        or not isinstance(name, str)
        or not isinstance(ftype, FunctionType)
        or not _single_block(op, 1)
    ):
        return False
    body = op.regions[0].blocks[0]
    if tuple(a.type for a in body.args) != ftype.inputs:
        return False
    ind = _indent(depth)
    saved = p.push_scope(op.regions)
    head = f"{ind}{op.name} {format_symbol(name)}({p.arg_decls(body)})"
    if ftype.results:
        head += f" -> ({_types(ftype.results)})"
    p.out.append(head + p.attr_kw(op) + " {")
    p.body(body, depth + 1)
    p.scope = saved
    p.out.append(ind + "}")
    return True


def _bindings(p: _Printer, names: Iterable[Value], values: Iterable[Value]) -> str:
    return ", ".join([f"{p.name(a)} = {p.name(v)}" for a, v in zip(names, values)])


def _for(p: _Printer, op: Operation, depth: int) -> bool:
    """``%r = scf.for %i = %lb to %ub step %s iter_args(%a = %q) -> (!q.qubit) { ... }``."""
    if len(op.operands) < ForOp.min_operands() or op.properties or not _single_block(op, 1):
        return False
    f = ForOp(op)
    body = f.body.blocks[0]
    inits = f.iter_args
    if len(body.args) != 1 + len(inits) or body.args[0].type != f.lb.type:
        return False
    if any(a.type != v.type for a, v in zip(body.args[1:], inits)):
        return False
    ind = _indent(depth)
    head = f"{ind}{p.results(op)}scf.for {_bindings(p, body.args[:1], [f.lb])}"
    head += f" to {p.name(f.ub)} step {p.name(f.step)}"
    if inits:
        head += f" iter_args({_bindings(p, body.args[1:], inits)})"
    if op.results:
        head += f" -> ({_types(r.type for r in op.results)})"
    p.out.append(head + p.attr_kw(op) + " {")
    p.body(body, depth + 1)
    p.out.append(ind + "}")
    return True


def _if(p: _Printer, op: Operation, depth: int) -> bool:
    """``%r = scf.if %c (%a = %q) -> (!q.qubit) { ... } else (%b) { ... }``."""
    operands = op.operands
    if not operands or op.properties or not _single_block(op, 2):
        return False
    then, els = IfOp(op).then.blocks[0], IfOp(op).else_.blocks[0]
    inputs = IfOp(op).inputs
    for block in (then, els):
        if len(block.args) != len(inputs) or any(a.type != v.type for a, v in zip(block.args, inputs)):
            return False
    ind = _indent(depth)
    head = f"{ind}{p.results(op)}scf.if {p.name(IfOp(op).cond)}"
    if inputs:
        head += f" ({_bindings(p, then.args, inputs)})"
    if op.results:
        head += f" -> ({_types(r.type for r in op.results)})"
    p.out.append(head + p.attr_kw(op) + " {")
    p.body(then, depth + 1)
    p.out.append(ind + "} else" + (f" ({p.values(els.args)})" if inputs else "") + " {")
    p.body(els, depth + 1)
    p.out.append(ind + "}")
    return True


_CUSTOM: dict[str, _Form] = {name: _quantum for name in QUANTUM_FORMS}
_CUSTOM.update(
    {
        "builtin.module": _module,
        "q.kernel": _function,
        "func.func": _function,
        "func.return": _return,
        "func.call": _call,
        "arith.constant": _constant,
        "param.decl": _param_decl,
        "scf.for": _for,
        "scf.if": _if,
    }
)


# --------------------------------------------------------------- public API
def _print(op: Operation, generic: bool) -> list[str]:
    return _run_printer(op, generic).out


def _run_printer(op: Operation, generic: bool) -> _Printer:
    """Print ``op`` into a fresh printer and return it: its ``out`` lines and the
    ``names`` it gave every value (:mod:`.pickling` reads the latter)."""
    p = _Printer(generic)
    counts: dict[str, int] = {}
    for r in op.results:
        if r.name_hint is not None:
            counts[r.name_hint] = counts.get(r.name_hint, 0) + 1
    if not _is_isolated(op.name):
        _count_hints(op.regions, counts)
    p.scope = _Scope(counts)
    for v in op.operands:  # values from outside come first, as they would in context
        p.name(v)
    p.op(op, 0)
    return p


def print_module(module: Operation, *, generic: bool = False) -> str:
    """The text of a module (any op works; a ``builtin.module`` is the usual
    input), ending with a newline. Deterministic and linear-time.

    ``generic=True`` prints every op in the generic form (like MLIR's
    ``--mlir-print-op-generic``); the parser reads both.
    """
    return "\n".join(_print(module, generic)) + "\n"


def print_op(op: Operation, *, generic: bool = False) -> str:
    """The text of one op and everything nested in it, without a trailing newline.

    Values defined outside ``op`` are named like the others (hint or number),
    so the text of an op inside a kernel reads naturally but is not, on its
    own, parseable unless it is self-contained.
    """
    return "\n".join(_print(op, generic))
