"""Parse ``.qglm`` source text into the dataclass AST of :mod:`.ast`.

The grammar (``qglm_ir/grammar/qglm.lark``) is LALR(1); the lark parser is
built once per process and shared. Newlines end statements, so a small
post-lexer (:class:`_Newlines`) decides which newlines matter. Every lark
error becomes a :class:`ParseError` whose location points at the offending
token; nothing lark-specific escapes this module.
"""

from __future__ import annotations

import ast as pyast
import warnings
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ... import limits
from ...core.errors import Location, ParseError
from . import ast as A

# Newlines directly after these tokens continue the statement (a line break after an
# operator or a comma), so the post-lexer drops them.
_CONTINUES = frozenset(
    {
        "LBRACE", "COMMA", "PLUS", "MINUS", "STAR", "SLASH", "PERCENT", "EQUAL", "CMP_OP",
        "AND", "OR", "NOT", "COLON", "ARROW", "DOTDOT",
    }
)
_OPEN = frozenset({"LPAR", "LSQB"})
_CLOSE = frozenset({"RPAR", "RSQB"})

# Readable spellings of terminals for "expected ..." messages.
_TOKEN_NAMES = {
    "_NL": "end of line", "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'",
    "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "EQUAL": "'='", "COLON": "':'",
    "NAME": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "PERCENT": "'%'",
    "CMP_OP": "a comparison",
    "ARROW": "'->'", "DOTDOT": "'..'", "$END": "end of file", "TRUE": "'true'", "FALSE": "'false'",
}


class _Newlines:
    """Post-lexer: keeps only the newlines that end a statement.

    Dropped: newlines inside ``(...)``/``[...]``, right after ``{``, ``,`` or a
    binary operator, right before ``}`` or ``else``, at the start and end of the
    file, and all but one of a run.
    """

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        prev: str | None = None
        pending: Token | None = None
        for tok in stream:
            t = tok.type
            if t == "_NL":
                if depth == 0 and prev is not None and prev not in _CONTINUES and prev != "_NL":
                    pending = tok
                continue
            if pending is not None:
                if t not in ("RBRACE", "ELSE"):
                    yield pending
                pending = None
            if t in _OPEN:
                depth += 1
            elif t in _CLOSE and depth:
                depth -= 1
            prev = t
            yield tok


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("qglm_ir.grammar").joinpath("qglm.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="basic",
        postlex=_Newlines(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


def _unquote(token: Token, src: A.SourceFile) -> str:
    # The STRING terminal is a double-quoted string with backslash escapes, which is
    # exactly a Python string literal without prefixes.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = pyast.literal_eval(str(token))
    except (ValueError, SyntaxError):
        loc = Location(src.name, token.line or 1, token.column or 1, len(str(token)), src.text)
        raise ParseError("invalid escape sequence in string", loc) from None
    assert isinstance(value, str)
    return value


class _ToAst(Transformer):
    """Tree -> AST. ``self.src`` is the file being parsed (for spans)."""

    def __init__(self, src: A.SourceFile):
        super().__init__()
        self.src = src

    # ----------------------------------------------------------- helpers
    def _span(self, meta: Any) -> A.Span:
        return A.Span(self.src, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok(self, tok: Token) -> A.Span:
        return A.Span(self.src, tok.line, tok.column, tok.end_line, tok.end_column)  # type: ignore[arg-type]

    def _join(self, a: A.Span, b: A.Span) -> A.Span:
        return A.Span(self.src, a.line, a.col, b.end_line, b.end_col)

    # ------------------------------------------------------ declarations
    @v_args(meta=True)
    def start(self, meta: Any, items: list) -> A.Program:
        return A.Program(self.src, list(items))

    @v_args(meta=True)
    def import_decl(self, meta: Any, ch: list) -> A.Import:
        return A.Import(_unquote(ch[0], self.src), self._span(meta))

    @v_args(meta=True)
    def const_decl(self, meta: Any, ch: list) -> A.ConstDecl:
        return A.ConstDecl(str(ch[0]), ch[1], self._span(meta), self._tok(ch[0]))

    @v_args(meta=True)
    def param_decl(self, meta: Any, ch: list) -> A.ParamDecl:
        name, type_, mode, init = ch
        trainable = mode is None or str(mode) == "trainable"
        return A.ParamDecl(str(name), type_, trainable, init, self._span(meta), self._tok(name))

    @v_args(meta=True)
    def layer_decl(self, meta: Any, ch: list) -> A.LayerDecl:
        name, kind, cargs, mode = ch
        args, kwargs = cargs if cargs is not None else ([], [])
        trainable = mode is None or str(mode) == "trainable"
        return A.LayerDecl(
            str(name), str(kind), args, kwargs, trainable, self._span(meta), self._tok(name), self._tok(kind)
        )

    @v_args(meta=True)
    def kernel_def(self, meta: Any, ch: list) -> A.KernelDef:
        name, args, rets, (body, end) = ch
        return A.KernelDef(str(name), args or [], rets, body, self._span(meta), self._tok(name), end)

    @v_args(meta=True)
    def func_def(self, meta: Any, ch: list) -> A.FuncDef:
        kind, name, args, rets, (body, end) = ch
        return A.FuncDef(
            str(name), str(kind) == "model", args or [], rets, body, self._span(meta), self._tok(name), end
        )

    def args(self, ch: list) -> list[A.Arg]:
        return list(ch)

    @v_args(meta=True)
    def arg(self, meta: Any, ch: list) -> A.Arg:
        return A.Arg(str(ch[0]), ch[1], self._span(meta))

    def ret_types(self, ch: list) -> list[A.TypeExpr]:
        return [c for c in ch if not isinstance(c, Token)]

    @v_args(meta=True)
    def type(self, meta: Any, ch: list) -> A.TypeExpr:
        return A.TypeExpr(str(ch[0]), list(ch[1:]) if len(ch) > 1 else None, self._span(meta))

    @v_args(meta=True)
    def block(self, meta: Any, ch: list) -> tuple[list, A.Span]:
        # The span of the closing brace anchors "missing return" style diagnostics.
        end = A.Span(self.src, meta.end_line, meta.end_column - 1, meta.end_line, meta.end_column)
        return list(ch), end

    # -------------------------------------------------------- statements
    @v_args(meta=True)
    def let_stmt(self, meta: Any, ch: list) -> A.Let:
        return A.Let(str(ch[0]), ch[1], self._span(meta), self._tok(ch[0]))

    @v_args(meta=True)
    def assign_stmt(self, meta: Any, ch: list) -> A.Assign:
        return A.Assign(str(ch[0]), ch[1], self._span(meta), self._tok(ch[0]))

    @v_args(meta=True)
    def qubit_decl(self, meta: Any, ch: list) -> A.QubitDecl:
        size = ch[1] if len(ch) > 1 else None
        return A.QubitDecl(str(ch[0]), size, self._span(meta), self._tok(ch[0]))

    @v_args(meta=True)
    def gate_stmt(self, meta: Any, ch: list) -> A.GateStmt:
        name = ch[0]
        params, kwargs = (ch[1] if len(ch) == 3 and ch[1] else ([], []))
        return A.GateStmt(str(name), params, ch[-1], self._span(meta), self._tok(name), kwargs)

    @v_args(meta=True)
    def noise_stmt(self, meta: Any, ch: list) -> A.NoiseStmt:
        kind, params, qargs = ch
        return A.NoiseStmt(str(kind), params or [], qargs, self._span(meta), self._tok(kind))

    @v_args(meta=True)
    def reset_stmt(self, meta: Any, ch: list) -> A.QubitStmt:
        return A.QubitStmt("reset", ch[0], self._span(meta))

    @v_args(meta=True)
    def barrier_stmt(self, meta: Any, ch: list) -> A.QubitStmt:
        return A.QubitStmt("barrier", ch[1] or [], self._span(meta))

    @v_args(meta=True)
    def free_stmt(self, meta: Any, ch: list) -> A.QubitStmt:
        return A.QubitStmt("free", ch[0], self._span(meta))

    @v_args(meta=True)
    def if_stmt(self, meta: Any, ch: list) -> A.If:
        cond, (then, _) = ch[0], ch[1]
        orelse = None
        if len(ch) > 2:
            other = ch[2]
            orelse = [other] if isinstance(other, A.If) else other[0]
        return A.If(cond, then, orelse, self._span(meta))

    @v_args(meta=True)
    def for_stmt(self, meta: Any, ch: list) -> A.For:
        ch = [c for c in ch if not (isinstance(c, Token) and c.type == "DOTDOT")]
        var, start, stop = ch[0], ch[1], ch[2]
        step = ch[3] if len(ch) == 5 else None
        body, _ = ch[-1]
        return A.For(str(var), start, stop, step, body, self._span(meta), self._tok(var))

    @v_args(meta=True)
    def repeat_stmt(self, meta: Any, ch: list) -> A.Repeat:
        return A.Repeat(ch[0], ch[1][0], self._span(meta))

    @v_args(meta=True)
    def return_stmt(self, meta: Any, ch: list) -> A.Return:
        return A.Return(ch[1] or [], self._span(meta))

    def qargs(self, ch: list) -> list[A.QRef]:
        return list(ch)

    @v_args(meta=True)
    def qref(self, meta: Any, ch: list) -> A.QRef:
        return A.QRef(str(ch[0]), ch[1] if len(ch) > 1 else None, self._span(meta))

    def exprs(self, ch: list) -> list:
        return list(ch)

    # ------------------------------------------------------- expressions
    def _bin(self, op: str, meta: Any, ch: list) -> A.BinOp:
        lhs, rhs = ch[0], ch[-1]
        op_span = self._tok(ch[1]) if len(ch) == 3 else self._join(lhs.span, rhs.span)
        return A.BinOp(op, lhs, rhs, self._span(meta), op_span)

    @v_args(meta=True)
    def or_op(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("or", meta, ch)

    @v_args(meta=True)
    def and_op(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("and", meta, ch)

    @v_args(meta=True)
    def cmp_op(self, meta: Any, ch: list) -> A.BinOp:
        return A.BinOp(str(ch[1]), ch[0], ch[2], self._span(meta), self._tok(ch[1]))

    @v_args(meta=True)
    def add(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("+", meta, ch)

    @v_args(meta=True)
    def sub(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("-", meta, ch)

    @v_args(meta=True)
    def mul(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("*", meta, ch)

    @v_args(meta=True)
    def div(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("/", meta, ch)

    @v_args(meta=True)
    def mod(self, meta: Any, ch: list) -> A.BinOp:
        return self._bin("%", meta, ch)

    @v_args(meta=True)
    def not_op(self, meta: Any, ch: list) -> A.UnOp:
        return A.UnOp("not", ch[-1], self._span(meta))

    @v_args(meta=True)
    def neg_op(self, meta: Any, ch: list) -> A.UnOp:
        return A.UnOp("-", ch[-1], self._span(meta))

    @v_args(meta=True)
    def index(self, meta: Any, ch: list) -> A.Index:
        return A.Index(ch[0], list(ch[1:]), self._span(meta))

    @v_args(meta=True)
    def slice(self, meta: Any, ch: list) -> A.Slice:
        return A.Slice(ch[0], ch[2], self._span(meta))

    @v_args(meta=True)
    def int_lit(self, meta: Any, ch: list) -> A.Num:
        return A.Num(int(ch[0]), self._span(meta))

    @v_args(meta=True)
    def float_lit(self, meta: Any, ch: list) -> A.Num:
        return A.Num(float(ch[0]), self._span(meta))

    @v_args(meta=True)
    def str_lit(self, meta: Any, ch: list) -> A.Str:
        return A.Str(_unquote(ch[0], self.src), self._span(meta))

    @v_args(meta=True)
    def true_lit(self, meta: Any, ch: list) -> A.Bool:
        return A.Bool(True, self._span(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Any, ch: list) -> A.Bool:
        return A.Bool(False, self._span(meta))

    @v_args(meta=True)
    def name(self, meta: Any, ch: list) -> A.Name:
        return A.Name(str(ch[0]), self._span(meta))

    @v_args(meta=True)
    def call(self, meta: Any, ch: list) -> A.Call:
        name, cargs = ch
        args, kwargs = cargs if cargs is not None else ([], [])
        return A.Call(str(name), args, kwargs, self._span(meta), self._tok(name))

    def call_args(self, ch: list) -> tuple[list, list[A.KwArg]]:
        args = [c for c in ch if not isinstance(c, A.KwArg)]
        kwargs = [c for c in ch if isinstance(c, A.KwArg)]
        return args, kwargs

    @v_args(meta=True)
    def kwarg(self, meta: Any, ch: list) -> A.KwArg:
        return A.KwArg(str(ch[0]), ch[1], self._span(meta))

    @v_args(meta=True)
    def array(self, meta: Any, ch: list) -> A.ArrayLit:
        return A.ArrayLit(ch[0] or [], self._span(meta))

    @v_args(meta=True)
    def measure(self, meta: Any, ch: list) -> A.Measure:
        return A.Measure(ch[0], False, self._span(meta))

    @v_args(meta=True)
    def consume(self, meta: Any, ch: list) -> A.Measure:
        return A.Measure(ch[0], True, self._span(meta))


def _describe(tok: Token) -> str:
    if tok.type == "_NL":
        return "end of line" if str(tok) != ";" else "';'"
    if tok.type == "$END":
        return "end of file"
    return f"'{tok}'"


def _expected(names: set[str]) -> str:
    readable = sorted({_TOKEN_NAMES.get(n, f"'{n.lower()}'") for n in names if not n.startswith("__")})
    if not readable:
        return ""
    if len(readable) > 8:
        readable = readable[:8] + ["..."]
    return "expected " + ", ".join(readable)


def _syntax_error(err: UnexpectedInput, src: A.SourceFile) -> ParseError:
    line = getattr(err, "line", 1) or 1
    col = getattr(err, "column", 1) or 1
    length = 1
    if isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            lines = src.text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
            msg = "unexpected end of file"
        else:
            line, col = tok.line or line, tok.column or col
            length = max(1, len(str(tok))) if tok.type != "_NL" else 1
            msg = f"unexpected {_describe(tok)}"
        exp = _expected(set(err.expected))
        help_ = exp if exp else None
    elif isinstance(err, UnexpectedCharacters):
        ch = src.text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(src.text) else "?"
        msg = f"unexpected character {ch!r}"
        help_ = None
    elif isinstance(err, UnexpectedEOF):
        lines = src.text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        msg = "unexpected end of file"
        help_ = _expected(set(err.expected)) or None
    else:  # pragma: no cover - lark has no other UnexpectedInput kinds
        msg = "syntax error"
        help_ = None
    if help_ and msg.startswith("unexpected"):
        msg = f"{msg}; {help_}"
        help_ = None
    return ParseError(msg, Location(src.name, line, col, length, src.text), help=help_)


def _check_tree(tree: Tree, src: A.SourceFile) -> None:
    """Refuse trees nested deeper than ``max_depth`` and integer literals longer than
    ``max_int_digits`` (walked iteratively, so any input is safe to check)."""
    lim = limits.current()
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Token):
            if node.type == "INT" and len(node) > lim.max_int_digits:
                msg, help_ = limits.exceeded("integer literal length in digits", len(node), "max_int_digits")
                loc = Location(src.name, node.line or 1, node.column or 1, len(node), src.text)
                raise ParseError(msg, loc, help=help_)
            continue
        if not isinstance(node, Tree):
            continue
        if depth > lim.max_depth:
            meta = node.meta
            line = getattr(meta, "line", 1) if not meta.empty else 1
            col = getattr(meta, "column", 1) if not meta.empty else 1
            msg, help_ = limits.exceeded("nesting depth", f"over {lim.max_depth}", "max_depth")
            raise ParseError(f"program nested too deeply: {msg}", Location(src.name, line, col, 1, src.text),
                             help=help_)
        stack.extend((c, depth + 1) for c in node.children)


def parse(text: str, filename: str = "<input>") -> A.Program:
    """Parse one ``.qglm`` file into a :class:`~.ast.Program` (imports not followed).

    Raises :class:`ParseError` with the location of the offending token.
    """
    src = A.SourceFile(filename, text)
    try:
        tree = _lark().parse(text)  # LALR with an explicit stack: never recurses on deep input
    except UnexpectedInput as err:
        raise _syntax_error(err, src) from None
    _check_tree(tree, src)  # before the recursive transformer and lowering see the tree
    try:
        prog = _ToAst(src).transform(tree)
    except VisitError as err:  # pragma: no cover - a transformer bug, not bad input
        if isinstance(err.orig_exc, ParseError):
            raise err.orig_exc from None
        raise
    assert isinstance(prog, A.Program) or isinstance(prog, Tree)
    if isinstance(prog, Tree):  # an empty file
        return A.Program(src, [])
    return prog
