"""The dataclass AST of the ``.qglm`` language, every node with its source span.

The parser (:mod:`.parser`) builds these nodes; :mod:`.checks` and
:mod:`.lower` read them. Nodes are plain data: no behaviour beyond
:meth:`Span.loc`, which turns a span into the :class:`Location` every
diagnostic carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.errors import Location


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One source text and the name diagnostics use for it."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region ``line:col`` .. ``end_line:end_col`` (end exclusive) of ``src``."""

    src: SourceFile = field(repr=False, compare=False)
    line: int = 1
    col: int = 1
    end_line: int = 1
    end_col: int = 1

    def loc(self) -> Location:
        """The :class:`Location` of this span; a multi-line span underlines to end of line."""
        if self.end_line == self.line:
            length = max(1, self.end_col - self.col)
        else:
            lines = self.src.text.splitlines()
            text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
            length = max(1, len(text) - self.col + 1)
        return Location(self.src.name, self.line, self.col, length, self.src.text)


# --------------------------------------------------------------------- types
@dataclass(slots=True)
class TypeExpr:
    """``f64``, ``i64``, ``bool``/``bit``, or a tensor ``f64[2, 8]`` (dims are const exprs)."""

    base: str
    dims: list[Expr] | None
    span: Span


# --------------------------------------------------------------- expressions
@dataclass(slots=True)
class Num:
    value: int | float
    span: Span


@dataclass(slots=True)
class Bool:
    value: bool
    span: Span


@dataclass(slots=True)
class Str:
    value: str
    span: Span


@dataclass(slots=True)
class Name:
    name: str
    span: Span


@dataclass(slots=True)
class BinOp:
    """``op`` is one of ``+ - * / % == != < <= > >= and or``."""

    op: str
    lhs: Expr
    rhs: Expr
    span: Span
    op_span: Span


@dataclass(slots=True)
class UnOp:
    """``op`` is ``-`` or ``not``."""

    op: str
    operand: Expr
    span: Span


@dataclass(slots=True)
class KwArg:
    name: str
    value: Expr
    span: Span


@dataclass(slots=True)
class Call:
    """``name(args, key=value...)``: a builtin, layer, function, or (inside ``expval``...) a kernel."""

    name: str
    args: list[Expr]
    kwargs: list[KwArg]
    span: Span
    name_span: Span


@dataclass(slots=True)
class Slice:
    start: Expr | None
    stop: Expr | None
    span: Span


@dataclass(slots=True)
class Index:
    base: Expr
    items: list[Expr | Slice]
    span: Span


@dataclass(slots=True)
class ArrayLit:
    items: list[Expr]
    span: Span


@dataclass(slots=True)
class QRef:
    """A qubit reference: ``q[i]`` (``index`` set) or a whole register ``q``."""

    name: str
    index: Expr | None
    span: Span


@dataclass(slots=True)
class Measure:
    """``measure q[i]`` (the qubit lives on) or ``consume q[i]`` (measured, then released)."""

    target: QRef
    consume: bool
    span: Span


Expr = Num | Bool | Str | Name | BinOp | UnOp | Call | Index | ArrayLit | Measure


# ---------------------------------------------------------------- statements
@dataclass(slots=True)
class Let:
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(slots=True)
class Assign:
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(slots=True)
class QubitDecl:
    """``qubit q[n]`` (register) or ``qubit a`` (``size`` None: one qubit)."""

    name: str
    size: Expr | None
    span: Span
    name_span: Span


@dataclass(slots=True)
class GateStmt:
    name: str
    params: list[Expr]
    qubits: list[QRef]
    span: Span
    name_span: Span
    kwargs: list[KwArg] = field(default_factory=list)  # options of amplitude(...) / density(...)


@dataclass(slots=True)
class NoiseStmt:
    kind: str
    params: list[Expr]
    qubits: list[QRef]
    span: Span
    kind_span: Span


@dataclass(slots=True)
class QubitStmt:
    """``reset``, ``barrier`` (empty ``qubits`` = every live qubit) or ``free``."""

    kind: str
    qubits: list[QRef]
    span: Span


@dataclass(slots=True)
class If:
    cond: Expr
    then: list[Stmt]
    orelse: list[Stmt] | None
    span: Span


@dataclass(slots=True)
class For:
    var: str
    start: Expr
    stop: Expr
    step: Expr | None
    body: list[Stmt]
    span: Span
    var_span: Span


@dataclass(slots=True)
class Repeat:
    count: Expr
    body: list[Stmt]
    span: Span


@dataclass(slots=True)
class Return:
    values: list[Expr]
    span: Span


Stmt = Let | Assign | QubitDecl | GateStmt | NoiseStmt | QubitStmt | If | For | Repeat | Return


# ------------------------------------------------------------ declarations
@dataclass(slots=True)
class Import:
    path: str
    span: Span


@dataclass(slots=True)
class ConstDecl:
    name: str
    value: Expr
    span: Span
    name_span: Span


@dataclass(slots=True)
class ParamDecl:
    """``param w: f64[2, 8] trainable = init``; ``mode`` defaults to trainable."""

    name: str
    type: TypeExpr
    trainable: bool
    init: Expr | None
    span: Span
    name_span: Span


@dataclass(slots=True)
class LayerDecl:
    """``layer enc = dense(768, 128, activation=relu) frozen``: declares the layer's params."""

    name: str
    kind: str
    args: list[Expr]
    kwargs: list[KwArg]
    trainable: bool
    span: Span
    name_span: Span
    kind_span: Span


@dataclass(slots=True)
class Arg:
    name: str
    type: TypeExpr
    span: Span


@dataclass(slots=True)
class KernelDef:
    name: str
    args: list[Arg]
    results: list[TypeExpr] | None
    body: list[Stmt]
    span: Span
    name_span: Span
    end_span: Span


@dataclass(slots=True)
class FuncDef:
    """A host function; ``is_model`` for ``model`` (an entry point), else ``fn``."""

    name: str
    is_model: bool
    args: list[Arg]
    results: list[TypeExpr] | None
    body: list[Stmt]
    span: Span
    name_span: Span
    end_span: Span


Decl = Import | ConstDecl | ParamDecl | LayerDecl | KernelDef | FuncDef


@dataclass(slots=True)
class Program:
    """One parsed file: its declarations in source order."""

    src: SourceFile
    items: list[Decl] = field(default_factory=list)
