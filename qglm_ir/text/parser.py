"""Parser of the textual IR: ``parse_module(text, filename) -> Module``.

The grammar is ``qglm_ir/grammar/ir.lark`` (LALR(1), contextual lexer). The
semantic actions below run *inside* the LALR parser as rules are reduced
(lark's ``transformer=`` option), so no parse tree is built: each op is
created with the core API and appended to its block the moment its text has
been read. Name scoping follows MLIR:

* values defined in a region are visible in nested regions and invisible
  after the region closes;
* the bodies of isolated ops (module, kernel, function) start a fresh
  namespace, so names may repeat across kernels;
* a use must follow its definition ("use of undefined value %x"), and a name
  may not be defined twice while it is visible ("redefinition of %x").

Every op gets ``op.loc`` (the op name's position); every malformed input
raises :class:`~qglm_ir.core.errors.ParseError` with the exact location of
the offending token and a readable message. No lark exception escapes.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from .. import limits
from ..core.attributes import AttrValue, SymbolRef
from ..core.errors import Location, ParseError
from ..core.gcpause import gc_paused
from ..core.ir import Block, Operation, Region, Value
from ..core.module import MODULE_OP, Module
from ..core.opdef import ISOLATED, get_opdef
from ..core.types import FunctionType, Type
from .forms import QUANTUM_FORMS, SYMBOL_OPS
from .literals import LiteralError, parse_dense, parse_float, parse_string, parse_symbol, parse_type

__all__ = ["parse_module"]

_NAME = re.compile(r"%([\w$.]+)")
_NONE = object()  # the attribute value `none` (``None`` means "absent" in lark's placeholders)


class _Frame:
    """A name scope: the region being filled and the names it defined.

    An isolated frame saved the enclosing namespace in ``saved`` and restores
    it when it closes; a plain frame deletes the names it defined.
    """

    __slots__ = ("region", "block", "defined", "saved", "info")

    def __init__(self, saved: dict[str, Value] | None):
        self.region = Region()
        self.block: Block | None = None
        self.defined: list[str] = []
        self.saved = saved
        self.info: Any = None  # what the op that owns the region needs at its reduction


class _Actions(Transformer):
    """The semantic actions; one instance is shared and reset for every parse."""

    def reset(self, filename: str, source: str) -> None:
        self.file = filename
        self.source = source
        self.names: dict[str, Value] = {}
        self.frames: list[_Frame] = [_Frame(None)]
        self.pending_generic: list[bool] = []

    # --------------------------------------------------------- locations
    def loc(self, tok: Token, offset: int = 0, length: int | None = None) -> Location:
        """Location of ``tok`` (or of the part of it ``offset`` characters in)."""
        line, col = tok.line, tok.column
        if offset:
            prefix = tok.value[:offset]
            nl = prefix.count("\n")
            if nl:
                line += nl
                col = offset - prefix.rindex("\n")
            else:
                col += offset
        if length is None:
            length = len(tok.value.rstrip()) - offset
        return Location(self.file, line or 1, col or 1, max(1, length), self.source)

    def fail(self, message: str, tok: Token, offset: int = 0, length: int | None = None, help: str | None = None) -> NoReturn:
        raise ParseError(message, self.loc(tok, offset, length), help)

    def literal(self, fn: Callable[[str], Any], tok: Token) -> Any:
        try:
            return fn(tok.value)
        except LiteralError as e:
            self.fail(e.message, tok, e.offset, e.length)

    # ------------------------------------------------------------- names
    def use(self, tok: Token) -> list[Value]:
        """The values named by a VALUES token."""
        get = self.names.get
        out = []
        for name in _NAME.findall(tok.value):
            v = get(name)
            if v is None:
                self.undefined(tok, name)
            out.append(v)
        return out

    def use1(self, tok: Token, what: str) -> Value:
        vals = self.use(tok)
        if len(vals) != 1:
            self.fail(f"expected a single value as {what}, got {len(vals)}", tok)
        return vals[0]

    def undefined(self, tok: Token, name: str) -> NoReturn:
        m = re.search(r"%" + re.escape(name) + r"(?![\w$.])", tok.value)
        self.fail(f"use of undefined value %{name}", tok, m.start() if m else 0, len(name) + 1)

    def define(self, tok: Token, names: list[str], values: list[Value]) -> None:
        """Bind ``names`` (spelled in ``tok``) to ``values`` in the current scope."""
        table = self.names
        defined = self.frames[-1].defined
        for name, v in zip(names, values):
            if name in table:
                m = re.search(r"%" + re.escape(name) + r"(?![\w$.])", tok.value)
                self.fail(f"redefinition of value %{name}", tok, m.start() if m else 0, len(name) + 1)
            table[name] = v
            defined.append(name)
            if not name[0].isdigit():
                v.name_hint = name

    def define_results(self, tok: Token | None, op: Operation, what: str) -> None:
        n = len(op.results)
        if tok is None:
            if n:
                loc = op.loc
                raise ParseError(
                    f"{what} has {n} result{'s' if n != 1 else ''} but no result names are given",
                    loc,
                    help="name the results: %a, %b = ...",
                )
            return
        names = _NAME.findall(tok.value)
        if len(names) != n:
            self.fail(
                f"{what} has {n} result{'s' if n != 1 else ''} but {len(names)} "
                f"name{'s are' if len(names) != 1 else ' is'} given",
                tok,
                0,
                len(tok.value.rstrip("= \t\r\n")),
            )
        self.define(tok, names, op.results)  # type: ignore[arg-type]

    def append(self, op: Operation) -> None:
        frame = self.frames[-1]
        block = frame.block
        if block is None:
            block = frame.block = frame.region.add_block(Block())
        block.append(op)

    def push(self, isolated: bool, tok: Token | None = None) -> _Frame:
        # Regions nest through this stack (the parse itself is iterative); bound it so the
        # recursive consumers of the IR (verifier, printer, passes) stay within the stack.
        if len(self.frames) > limits.current().max_depth:
            msg, help_ = limits.exceeded("region nesting depth", f"over {limits.current().max_depth}", "max_depth")
            if tok is not None:
                self.fail(msg, tok, help=help_)
            raise ParseError(msg, Location(self.file, 1, 1, 1, self.source), help=help_)
        if isolated:
            frame = _Frame(self.names)
            self.names = {}
        else:
            frame = _Frame(None)
        self.frames.append(frame)
        return frame

    def pop(self) -> _Frame:
        frame = self.frames.pop()
        if frame.saved is not None:
            self.names = frame.saved
        else:
            table = self.names
            for name in frame.defined:
                del table[name]
        return frame

    def args_block(self, frame: _Frame, decls: list[tuple[Token, Type]] | None) -> Block:
        """Create ``frame``'s block with the declared, named arguments."""
        decls = decls or []
        block = frame.region.add_block(Block([t for _, t in decls]))
        frame.block = block
        for (tok, _), arg in zip(decls, block.args):
            names = _NAME.findall(tok.value)
            if len(names) != 1:
                self.fail("expected one argument name", tok)
            self.define(tok, names, [arg])
        return block

    # ============================================================ actions
    # ---------------------------------------------------------- types
    def nonfunc_type(self, c: list) -> Type:
        return self.literal(parse_type, c[0])

    def type_list(self, c: list) -> list[Type]:
        return c

    def result_types(self, c: list) -> list[Type]:
        x = c[0]
        if x is None:
            return []
        return x if isinstance(x, list) else [x]

    def func_type(self, c: list) -> FunctionType:
        return FunctionType(tuple(c[0] or ()), tuple(c[1]))

    # ----------------------------------------------------- attributes
    def attr_value(self, c: list) -> Any:
        x = c[0]
        if not isinstance(x, Token):
            return x
        kind = x.type
        if kind == "INT":
            return int(x.value)
        if kind == "FLOAT":
            return parse_float(x.value)
        if kind == "STRING":
            return self.literal(parse_string, x)
        if kind == "SYMBOL":
            return SymbolRef(self.literal(parse_symbol, x))
        if kind == "DENSE":
            return self.literal(parse_dense, x)
        v = x.value
        return True if v == "true" else (False if v == "false" else _NONE)

    def attr_list(self, c: list) -> tuple:
        return tuple(None if v is _NONE else v for v in c)

    def attr_entry(self, c: list) -> tuple[str, Any, Token]:
        key_tok, value = c
        key = key_tok.value if key_tok.type == "BARE_ID" else self.literal(parse_string, key_tok)
        return key, (None if value is _NONE else value), key_tok

    def _dict(self, c: list) -> dict[str, AttrValue]:
        out: dict[str, AttrValue] = {}
        for key, value, tok in c:
            if key in out:
                self.fail(f"duplicate key '{key}'", tok)
            out[key] = value
        return out

    prop_dict = _dict
    attr_dict = _dict

    def attr_kw(self, c: list) -> dict[str, AttrValue]:
        return c[0]

    def arg_decl(self, c: list) -> tuple[Token, Type]:
        return c[0], c[1]

    def arg_decls(self, c: list) -> list[tuple[Token, Type]]:
        return c

    # --------------------------------------------------- generic form
    def generic_head(self, c: list) -> tuple:
        results, name_tok, values, props = c
        name = self.literal(parse_string, name_tok)
        operands = self.use(values)
        d = get_opdef(name)
        self.pending_generic.append(d is not None and d.has(ISOLATED))
        return results, name_tok, name, operands, props

    def lbrace(self, c: list) -> None:
        self.push(self.pending_generic[-1], c[0] if c and isinstance(c[0], Token) else None)

    def block_label(self, c: list) -> None:
        self.args_block(self.frames[-1], c[1])

    def block(self, c: list) -> None:
        return None

    def region(self, c: list) -> Region:
        return self.pop().region

    def generic_regions(self, c: list) -> list[Region]:
        return c

    def generic_op(self, c: list) -> None:
        (results, name_tok, name, operands, props), regions, attrs, ftype = c
        self.pending_generic.pop()
        got = tuple(v.type for v in operands)
        if got != ftype.inputs:
            self.fail(
                f"operand types ({', '.join(map(str, got))}) do not match the signature's inputs "
                f"({', '.join(map(str, ftype.inputs))})",
                name_tok,
            )
        op = Operation(name, operands, ftype.results, props, attrs, regions or (), self.loc(name_tok))
        self.define_results(results, op, f"'{name}'")
        self.append(op)

    # ------------------------------------------------------ simple form
    def simple_op(self, c: list) -> None:
        results, name_tok, sym, angles, values, props, attrs, types = c
        name = name_tok.value.rstrip()
        form = QUANTUM_FORMS.get(name)
        if form is not None:
            op = self.quantum(form, name_tok, sym, angles, values, props, attrs, types)
        elif name == "func.call":
            op = self.call(name_tok, sym, angles, values, props, attrs, types)
        else:
            if get_opdef(name) is None:
                self.fail(
                    f"unknown operation '{name}'",
                    name_tok,
                    help=f'unregistered ops must use the generic form: "{name}"(...) : (...) -> (...)',
                )
            if angles is not None:
                self.fail(f"'{name}' takes no parenthesized operands", angles)
            props = dict(props) if props else {}
            key = SYMBOL_OPS.get(name)
            if sym is not None:
                if key is None:
                    self.fail(f"'{name}' takes no @symbol", sym)
                if key in props:
                    self.fail(f"'{key}' is given twice", sym)
                props[key] = SymbolRef(self.literal(parse_symbol, sym))
            operands = self.use(values) if values is not None else []
            if name == "func.return":
                if types is not None and tuple(types) != tuple(v.type for v in operands):
                    self.fail(
                        f"returned values have types ({', '.join(str(v.type) for v in operands)}), "
                        f"not ({', '.join(map(str, types))})",
                        name_tok,
                    )
                types = None
            op = Operation(name, operands, types or (), props, attrs, (), self.loc(name_tok))
        if results is None and types and form is None and name != "func.call":
            self.fail(
                f"'{name}' is given result types ({', '.join(map(str, types))}) but no result names",
                name_tok,
                help="the types after ':' are the op's result types; name them: %r = ...",
            )
        self.define_results(results, op, f"'{name}'")
        self.append(op)

    def quantum(self, form, name_tok, sym, angles, values, props, attrs, types) -> Operation:
        name = name_tok.value.rstrip()
        if sym is not None:
            self.fail(f"'{name}' takes no @symbol", sym)
        if types is not None:
            self.fail(f"'{name}' takes no type list: its result types are implied", name_tok)
        if form.angles:
            if angles is None:
                self.fail(f"'{name}' takes {form.describe()}: write {name}(%angle) %qubit", name_tok)
            operands = self.use(angles)
            if len(operands) != form.angles:
                self.fail(
                    f"'{name}' takes {form.angles} angle{'s' if form.angles != 1 else ''}, got {len(operands)}",
                    angles,
                )
        else:
            if angles is not None:
                self.fail(f"'{name}' takes no angles", angles)
            operands = []
        qubits = self.use(values) if values is not None else []
        if form.qubits is not None and len(qubits) != form.qubits:
            self.fail(f"'{name}' takes {form.describe()}, got {len(qubits)} qubit operand(s)", values or name_tok)
        return Operation(
            name, operands + qubits, form.result_types(len(qubits)), props, attrs, (), self.loc(name_tok)
        )

    def call(self, name_tok, sym, angles, values, props, attrs, types) -> Operation:
        if values is not None:
            self.fail("func.call operands go in parentheses: func.call @f(%a, %b)", values)
        props = dict(props) if props else {}
        if sym is not None:
            if "callee" in props:
                self.fail("'callee' is given twice", sym)
            props["callee"] = SymbolRef(self.literal(parse_symbol, sym))
        operands = self.use(angles) if angles is not None else []
        if types is None or len(types) != 1 or not isinstance(types[0], FunctionType):
            self.fail("func.call needs its signature: func.call @f(%a) : (f64) -> (i1)", name_tok)
        sig = types[0]
        got = tuple(v.type for v in operands)
        if got != sig.inputs:
            self.fail(
                f"call operands have types ({', '.join(map(str, got))}) but the signature says "
                f"({', '.join(map(str, sig.inputs))})",
                name_tok,
            )
        return Operation("func.call", operands, sig.results, props, attrs, (), self.loc(name_tok))

    def constant_op(self, c: list) -> None:
        results, kw, value, attrs, type_ = c
        op = Operation(
            kw.value, (), [type_], {"value": None if value is _NONE else value}, attrs, (), self.loc(kw)
        )
        self.define_results(results, op, "'arith.constant'")
        self.append(op)

    def param_decl(self, c: list) -> None:
        kw, sym, type_, kind, init, attrs = c
        props: dict[str, Any] = {
            "sym_name": self.literal(parse_symbol, sym),
            "type": type_,
            "trainable": kind.value == "trainable",
        }
        if init is not None:
            props["init"] = None if init is _NONE else init
        self.append(Operation(kw.value, (), (), props, attrs, (), self.loc(kw)))

    # ----------------------------------------------- region custom forms
    def module_head(self, c: list) -> None:
        kw, sym, attrs = c
        props = {"sym_name": self.literal(parse_symbol, sym)} if sym is not None else None
        frame = self.push(True, kw)
        frame.block = frame.region.add_block(Block())
        frame.info = (props, attrs, self.loc(kw))

    def module_op(self, c: list) -> None:
        frame = self.pop()
        props, attrs, loc = frame.info
        self.append(Operation(MODULE_OP, (), (), props, attrs, [frame.region], loc))

    def func_head(self, c: list) -> None:
        kw, sym, decls, results, attrs = c
        name = self.literal(parse_symbol, sym)
        frame = self.push(True, kw)
        block = self.args_block(frame, decls)
        ftype = FunctionType(tuple(a.type for a in block.args), tuple(results or ()))
        frame.info = (kw.value, {"sym_name": name, "function_type": ftype}, attrs, self.loc(kw))

    def func_op(self, c: list) -> None:
        frame = self.pop()
        name, props, attrs, loc = frame.info
        self.append(Operation(name, (), (), props, attrs, [frame.region], loc))

    def _bindings(self, tok: Token) -> tuple[list[str], list[Value]]:
        """``%a = %x, %b = %y``: the new names and the (resolved) values they bind."""
        pairs = _NAME.findall(tok.value)
        new, old = pairs[0::2], pairs[1::2]
        values = []
        get = self.names.get
        for name in old:
            v = get(name)
            if v is None:
                self.undefined(tok, name)
            values.append(v)
        return new, values

    def for_head(self, c: list) -> None:
        kw, iv_tok, ub_tok, step_tok, iters, results, attrs = c
        (iv_name,), (lb,) = self._bindings(iv_tok)
        ub = self.use1(ub_tok, "upper bound")
        step = self.use1(step_tok, "step")
        names, inits = self._bindings(iters) if iters is not None else ([], [])
        frame = self.push(False, kw)
        block = frame.region.add_block(Block([lb.type, *(v.type for v in inits)]))
        frame.block = block
        self.define(iv_tok, [iv_name], block.args[:1])
        if iters is not None:
            self.define(iters, names, block.args[1:])
        frame.info = ([lb, ub, step, *inits], results or [], attrs, self.loc(kw))

    def for_op(self, c: list) -> None:
        results = c[0]
        frame = self.pop()
        operands, types, attrs, loc = frame.info
        op = Operation("scf.for", operands, types, None, attrs, [frame.region], loc)
        self.define_results(results, op, "'scf.for'")
        self.append(op)

    def if_head(self, c: list) -> None:
        kw, cond_tok, inputs_tok, results, attrs = c
        cond = self.use1(cond_tok, "condition")
        names, inputs = self._bindings(inputs_tok) if inputs_tok is not None else ([], [])
        frame = self.push(False, kw)
        block = frame.region.add_block(Block([v.type for v in inputs]))
        frame.block = block
        if inputs_tok is not None:
            self.define(inputs_tok, names, block.args)
        frame.info = ([cond, *inputs], results or [], attrs, self.loc(kw))

    def else_head(self, c: list) -> None:
        then = self.pop()
        operands = then.info[0]
        inputs = operands[1:]
        frame = self.push(False)
        frame.info = then.info + (then.region,)
        block = frame.region.add_block(Block([v.type for v in inputs]))
        frame.block = block
        tok = c[0]
        names = _NAME.findall(tok.value) if tok is not None else []
        if len(names) != len(inputs):
            where = tok if tok is not None else None
            msg = f"the else region needs {len(inputs)} argument name(s) (one per input), got {len(names)}"
            if where is None:
                raise ParseError(msg, then.info[3], help="write: } else (%a, ...) {")
            self.fail(msg, where)
        if tok is not None:
            self.define(tok, names, block.args)

    def if_op(self, c: list) -> None:
        results = c[0]
        frame = self.pop()
        operands, types, attrs, loc, then_region = frame.info
        op = Operation("scf.if", operands, types, None, attrs, [then_region, frame.region], loc)
        self.define_results(results, op, "'scf.if'")
        self.append(op)

    def start(self, c: list) -> None:
        return None

    def stmts(self, c: list) -> None:
        return None


# ------------------------------------------------------------ the parser
_ACTIONS = _Actions()
_LOCK = threading.Lock()


@functools.cache
def _parser() -> Lark:
    grammar = importlib.resources.files("qglm_ir.grammar").joinpath("ir.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_ACTIONS,
        # Positions come from the tokens the actions receive; propagating them
        # into (nonexistent) tree nodes would only cost time.
        propagate_positions=False,
        maybe_placeholders=True,
        cache=True,
    )


_DESCRIBE = {
    "RESULTS": "result names ('%x =')",
    "VALUES": "a value (%x)",
    "PAREN_VALUES": "'(' operands ')'",
    "BINDINGS": "a binding ('%x = %y')",
    "BLOCK_ID": "a block label (^bb0)",
    "SYMBOL": "a symbol (@name)",
    "OP_NAME": "an operation",
    "BARE_ID": "an attribute name",
    "STRING": "a string",
    "FLOAT": "a number",
    "INT": "a number",
    "DENSE": "an attribute value",
    "KEYWORD_VALUE": "an attribute value",
    "TENSOR_TYPE": "a type",
    "SCALAR_TYPE": "a type",
    "BANG_TYPE": "a type",
    "PARAM_KIND": "'trainable' or 'frozen'",
    "$END": "end of input",
}
_OP_STARTS = {"RESULTS", "OP_NAME", "CONSTANT_KW", "MODULE_KW", "KERNEL_KW", "FUNC_KW", "PARAM_KW", "FOR_KW", "IF_KW"}


def _expected(names: set[str] | frozenset[str]) -> str:
    """'expected one of ...' condensed to readable groups."""
    lark = _parser()
    by_name = {t.name: t for t in lark.terminals}
    items: list[str] = []
    names = set(names)
    if names & _OP_STARTS:
        names -= _OP_STARTS
        if "OP_NAME" in names or "STRING" in names:
            names.discard("STRING")
        items.append("an operation")
    if {"INT", "FLOAT", "DENSE", "KEYWORD_VALUE"} <= names:
        names -= {"INT", "FLOAT", "DENSE", "KEYWORD_VALUE", "STRING", "SYMBOL", "LSQB"}
        names -= {"TENSOR_TYPE", "SCALAR_TYPE", "BANG_TYPE", "LPAR"}
        items.append("an attribute value")
    for n in sorted(names):
        desc = _DESCRIBE.get(n)
        if desc is None:
            t = by_name.get(n)
            pat = getattr(t, "pattern", None)
            desc = f"'{pat.value}'" if pat is not None and pat.type == "str" else n.lower()
        if desc not in items:
            items.append(desc)
    if len(items) > 6:
        items = items[:6] + ["..."]
    if len(items) == 1:
        return items[0]
    return "one of " + ", ".join(items)


def _shown(text: str) -> str:
    text = text if len(text) <= 24 else text[:21] + "..."
    return repr(text)


def _acceptable(state: Any) -> set[str] | None:
    """The terminals the LALR parser in ``state`` can really shift next.

    An LALR state's action table merges the lookaheads of every context that
    leads to it (so lark's "expected" sets are often far too large). This
    replays the reductions each candidate would trigger on a copy of the state
    stack, without running any action, and keeps the ones that end in a shift.
    """
    try:
        conf = state.parse_conf
        table, end_state, stack0 = conf.states, conf.end_state, state.state_stack
    except AttributeError:
        return None
    out: set[str] = set()
    for term in [k for k in table[stack0[-1]] if k.isupper()]:
        stack = list(stack0)
        while True:
            act = table[stack[-1]].get(term)
            if act is None:
                break
            action, arg = act
            if action is Shift:
                out.add(term)
                break
            size = len(arg.expansion)
            if size:
                del stack[-size:]
            goto = table[stack[-1]].get(arg.origin.name)
            if goto is None:
                break
            stack.append(goto[1])
            if stack[-1] == end_state:
                out.add(term)
                break
    return out


def _convert(e: UnexpectedInput, filename: str, text: str) -> ParseError:
    expected = _acceptable(getattr(e, "state", None))
    if expected is None:
        expected = set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        tok = e.token
        value = tok.value.rstrip()
        loc = Location(filename, tok.line or 1, tok.column or 1, max(1, len(value)), text)
        return ParseError(f"unexpected {_shown(value)}; expected {_expected(expected)}", loc)
    if isinstance(e, UnexpectedCharacters):
        loc = Location(filename, e.line, e.column, 1, text)
        return ParseError(f"unexpected character {text[e.pos_in_stream]!r}; expected {_expected(expected)}", loc)
    # End of input: point just past the last non-blank character.
    body = text.rstrip()
    line = body.count("\n") + 1
    col = len(body) - (body.rfind("\n") + 1) + 1
    return ParseError(f"unexpected end of input; expected {_expected(expected)}", Location(filename, line, col, 1, text))


@functools.lru_cache(maxsize=4)
def _long_int(digits: int) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])[0-9]{{{digits + 1},}}")


def _check_int_literals(text: str, filename: str) -> None:
    """Refuse integer literals longer than ``max_int_digits`` (Python itself fails past 4300 digits)."""
    lim = limits.current().max_int_digits
    m = _long_int(lim).search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        msg, help_ = limits.exceeded("integer literal length in digits", len(m.group(0)), "max_int_digits")
        raise ParseError(msg, Location(filename, line, col, len(m.group(0)), text), help=help_)


def parse_module(text: str, filename: str = "<input>") -> Module:
    """Parse the text of a module.

    Accepts the printer's output (custom and generic forms) and any op in
    generic form. A text that is a single ``module`` is that module; any
    other sequence of top-level ops is wrapped in an anonymous module.
    Raises :class:`ParseError` (with file, line, column and length) on any
    malformed input. Thread-safe (parses are serialized).
    """
    _check_int_literals(text, filename)
    parser = _parser()
    # The parse allocates millions of long-lived objects and no garbage (see gcpause).
    with _LOCK, gc_paused():
        _ACTIONS.reset(filename, text)
        try:
            parser.parse(text)
        except UnexpectedInput as e:
            raise _convert(e, filename, text) from None
        finally:
            top = _ACTIONS.frames[0]
            _ACTIONS.reset("", "")
    blocks = top.region.blocks
    ops = list(blocks[0]) if blocks else []
    if len(ops) == 1 and ops[0].name == MODULE_OP:
        op = ops[0].detach()
        return Module.wrap(op)
    module = Module(loc=Location(filename, 1, 1, 1, text))
    for op in ops:
        module.append(op.detach())
    return module
