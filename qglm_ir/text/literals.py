"""Spelling of literals in the textual IR, shared by the printer and the parser.

Each ``format_*`` has a ``parse_*`` inverse, and ``parse(format(x))`` is
exactly ``x``: floats keep every bit (NaN payloads are written as the 16 hex
digits of their IEEE-754 bits), ints never read back as floats and vice
versa, strings keep every code point.

The parsers here raise :class:`LiteralError` with an offset into the text they
were given; the IR parser turns it into a located ``ParseError``.
"""

from __future__ import annotations

import json
import math
import re
import struct

import numpy as np

from ..core.attributes import AttrValue, DenseArray, SymbolRef
from ..core.types import FloatType, IntegerType, TensorType, Type, qubit

__all__ = [
    "LiteralError",
    "format_attr",
    "format_dense",
    "format_float",
    "format_key",
    "format_string",
    "format_symbol",
    "format_type",
    "is_value_name",
    "parse_dense",
    "parse_float",
    "parse_string",
    "parse_symbol",
    "parse_type",
]

#: A printable SSA name (after ``%``); numeric names are reserved for numbering.
_VALUE_NAME = re.compile(r"[A-Za-z_$.][\w$.]*")
_SYMBOL_NAME = re.compile(r"[A-Za-z_][\w$.\-]*")
_BARE_KEY = re.compile(r"[A-Za-z_][\w$.]*")
_KEY_KEYWORDS = frozenset({"true", "false", "none"})
_CANONICAL_NAN_BITS = 0x7FF8000000000000
# Characters that str.splitlines() treats as line breaks but JSON leaves raw;
# escaping them keeps one IR op on one physical line.
_EXTRA_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class LiteralError(ValueError):
    """A malformed literal; ``offset`` is where in the literal's text it went wrong."""

    def __init__(self, message: str, offset: int = 0, length: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = length


# ------------------------------------------------------------------ names
def is_value_name(name: str) -> bool:
    """True if ``%name`` is a valid, non-numeric SSA name."""
    return _VALUE_NAME.fullmatch(name) is not None


# ------------------------------------------------------------------ floats
def format_float(x: float) -> str:
    """``repr`` for every float except non-canonical NaNs, which become hex bits.

    ``repr`` always contains ``.``, ``e``, ``inf`` or ``nan``, so a float never
    prints like an int, and ``float(repr(x))`` restores every bit of a non-NaN.
    """
    if x != x:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        return "nan" if bits == _CANONICAL_NAN_BITS else f"0x{bits:016X}"
    return repr(float(x))


def parse_float(text: str) -> float:
    """Inverse of :func:`format_float`."""
    if text.startswith("0x") or text.startswith("0X"):
        return struct.unpack("<d", struct.pack("<Q", int(text[2:], 16)))[0]
    return float(text)


# ---------------------------------------------------------------- strings
def format_string(s: str) -> str:
    """A double-quoted, JSON-escaped string that fits on one line."""
    out = json.dumps(s, ensure_ascii=False)
    if any(c in out for c in _EXTRA_BREAKS):
        out = "".join(_EXTRA_BREAKS.get(c, c) for c in out)
    return out


def parse_string(text: str) -> str:
    """Inverse of :func:`format_string` (``text`` includes the quotes)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise LiteralError(f"invalid string literal: {e.msg}", e.pos) from None
    if not isinstance(value, str):  # pragma: no cover - the lexer only passes "..."
        raise LiteralError("expected a string literal")
    return value


def format_key(key: str) -> str:
    """An attribute-dictionary key: bare when it is an identifier, else quoted."""
    if _BARE_KEY.fullmatch(key) and key not in _KEY_KEYWORDS:
        return key
    return format_string(key)


# ---------------------------------------------------------------- symbols
def format_symbol(name: str) -> str:
    """``@name``, or ``@"..."`` when the name is not an identifier."""
    if _SYMBOL_NAME.fullmatch(name):
        return "@" + name
    return "@" + format_string(name)


def parse_symbol(text: str) -> str:
    """Inverse of :func:`format_symbol` (``text`` includes the ``@``)."""
    body = text[1:]
    if body.startswith('"'):
        try:
            return parse_string(body)
        except LiteralError as e:
            raise LiteralError(e.message, e.offset + 1) from None
    return body


# ------------------------------------------------------------------ types
def format_type(t: Type) -> str:
    """The textual spelling of a type (``str`` of the core type objects)."""
    return str(t)


_TYPE_CACHE: dict[str, Type] = {}
_SCALAR = re.compile(r"([if])([0-9]+)")


def _scalar(text: str) -> Type | None:
    m = _SCALAR.fullmatch(text)
    if m is None:
        return None
    width = int(m.group(2))
    return IntegerType(width) if m.group(1) == "i" else FloatType(width)


def parse_type(text: str) -> Type:
    """A non-function type from its spelling: ``i64``, ``f64``, ``!q.qubit``, ``tensor<2x8xf64>``."""
    t = _TYPE_CACHE.get(text)
    if t is not None:
        return t
    if text.startswith("!"):
        if text != "!q.qubit":
            raise LiteralError(f"unknown type '{text}' (the only '!' type is !q.qubit)", 0, len(text))
        t = qubit
    elif text.startswith("tensor<"):
        parts = text[len("tensor<") : -1].split("x")
        elem = _scalar(parts[-1].strip())
        if elem is None:
            raise LiteralError(
                f"bad tensor type '{text}': the element type must be iN or fN, got '{parts[-1]}'",
                0,
                len(text),
            )
        dims: list[int] = []
        for p in parts[:-1]:
            if not p.isdigit():
                raise LiteralError(
                    f"bad tensor type '{text}': dimensions must be non-negative integers "
                    "(spelled tensor<2x8xf64>)",
                    0,
                    len(text),
                )
            dims.append(int(p))
        t = TensorType(tuple(dims), elem)
    else:
        t = _scalar(text)
        if t is None:
            raise LiteralError(f"bad type '{text}'", 0, len(text))
    if len(_TYPE_CACHE) < 4096:
        _TYPE_CACHE[text] = t
    return t


# ----------------------------------------------------------------- dense
_DTYPES = DenseArray.DTYPES
_ELEM = re.compile(r"\s*(?:\(\s*([^,()\s]+)\s*,\s*([^,()\s]+)\s*\)|([^,()\s]+))\s*(,|$)")


def _format_scalar(x: object, kind: str) -> str:
    if kind == "f":
        return format_float(float(x))  # type: ignore[arg-type]
    if kind == "c":
        c = complex(x)  # type: ignore[arg-type]
        return f"({format_float(c.real)}, {format_float(c.imag)})"
    if kind == "b":
        return "true" if x else "false"
    return str(int(x))  # type: ignore[call-overload]


def format_dense(d: DenseArray) -> str:
    """``dense<2x2xc128 [(1.0, 0.0), ...]>``: shape and dtype, then the row-major elements."""
    arr = d.array
    kind = arr.dtype.kind
    head = "".join(f"{n}x" for n in arr.shape) + d.dtype_name
    flat = arr.reshape(-1)
    if kind == "f":
        # repr of a Python float is exact; tolist() gives Python floats fast.
        body = ", ".join([format_float(x) for x in flat.tolist()])
    else:
        body = ", ".join([_format_scalar(x, kind) for x in flat.tolist()])
    return f"dense<{head} [{body}]>"


def _parse_elem(text: str, dtype: str, offset: int) -> object:
    try:
        if dtype == "f64":
            return parse_float(text)
        if dtype == "i64":
            if not re.fullmatch(r"-?[0-9]+", text):
                raise ValueError
            return int(text)
        if dtype == "i1":
            if text not in ("true", "false"):
                raise ValueError
            return text == "true"
    except ValueError:
        pass
    raise LiteralError(f"'{text}' is not a valid {dtype} element", offset, len(text))


def parse_dense(text: str) -> DenseArray:
    """Inverse of :func:`format_dense` (``text`` is the whole ``dense<...>`` literal)."""
    open_at = text.index("[")
    head = text[len("dense<") : open_at].strip()
    parts = head.split("x")
    dtype = parts[-1]
    if dtype not in _DTYPES:
        raise LiteralError(
            f"bad dense element type '{dtype}': expected one of {', '.join(_DTYPES)}", 6, len(head) or 1
        )
    shape: list[int] = []
    for p in parts[:-1]:
        if not p.isdigit():
            raise LiteralError(f"bad dense shape '{head}': spell it like 2x2xc128", 6, len(head))
        shape.append(int(p))
    body_start = open_at + 1
    body = text[body_start : text.rindex("]")]
    size = math.prod(shape)
    values: list[object] = []
    if body.strip():
        pos = 0
        n = len(body)
        while pos < n:
            m = _ELEM.match(body, pos)
            if m is None:
                raise LiteralError("malformed dense element", body_start + pos)
            if m.group(3) is not None:
                if dtype == "c128":
                    raise LiteralError(
                        "c128 elements are written (re, im)", body_start + m.start(3), len(m.group(3))
                    )
                values.append(_parse_elem(m.group(3), dtype, body_start + m.start(3)))
            else:
                if dtype != "c128":
                    raise LiteralError(f"complex element in a {dtype} array", body_start + m.start(1))
                re_ = _parse_elem(m.group(1), "f64", body_start + m.start(1))
                im = _parse_elem(m.group(2), "f64", body_start + m.start(2))
                values.append(complex(re_, im))  # type: ignore[arg-type]
            pos = m.end()
            if m.group(4) == "," and pos >= n:
                raise LiteralError("trailing ',' in dense literal", body_start + pos - 1)
    if len(values) != size:
        raise LiteralError(
            f"dense literal of shape {'x'.join(map(str, shape)) or 'scalar'} needs {size} "
            f"element(s), got {len(values)}",
            0,
            len(text),
        )
    arr = np.array(values, dtype=_DTYPES[dtype]).reshape(shape)
    return DenseArray(arr)


# -------------------------------------------------------------- attributes
def format_attr(value: AttrValue) -> str:
    """Spell any attribute value (see :mod:`qglm_ir.core.attributes`)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "none"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, SymbolRef):
        return format_symbol(value.name)
    if isinstance(value, DenseArray):
        return format_dense(value)
    if isinstance(value, tuple):
        return "[" + ", ".join([format_attr(v) for v in value]) + "]"
    if isinstance(value, Type):
        return format_type(value)
    raise TypeError(f"not an attribute value: {value!r}")  # pragma: no cover
