"""Attribute values survive print -> parse bit for bit."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.core.attributes import DenseArray, SymbolRef
from qglm_ir.core.ir import Operation
from qglm_ir.core.module import Module
from qglm_ir.core.types import FunctionType, f64, i1, i64, qubit, tensor
from qglm_ir.text import attr_equal, parse_module, print_module, structural_diff
from qglm_ir.text.literals import format_float, parse_float


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _float_from_bits(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


any_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(0, 2**64 - 1).map(_float_from_bits),  # every bit pattern, NaN payloads included
)


@pytest.mark.parametrize(
    "x, text",
    [
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (1e-5, "1e-05"),
        (1e300, "1e+300"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        (_float_from_bits(0x7FF8000000000001), "0x7FF8000000000001"),
        (_float_from_bits(0xFFF8000000000000), "0xFFF8000000000000"),
    ],
)
def test_float_spelling(x: float, text: str):
    assert format_float(x) == text
    assert _bits(parse_float(text)) == _bits(x)


@settings(max_examples=300)
@given(any_float)
def test_float_literal_is_exact(x: float):
    assert _bits(parse_float(format_float(x))) == _bits(x)


def _holder(props: dict, attrs: dict | None = None) -> Module:
    """A module with one unregistered op carrying ``props`` (printed generically)."""
    m = Module("lit")
    m.append(Operation("test.holder", properties=props, attributes=attrs))
    return m


def _round_trip(m: Module) -> Module:
    text = print_module(m)
    parsed = parse_module(text)
    diff = structural_diff(m, parsed)
    assert diff is None, f"{diff}\n{text}"
    assert print_module(parsed) == text
    return parsed


@settings(max_examples=200)
@given(any_float)
def test_float_property_round_trips_exactly(x: float):
    parsed = _round_trip(_holder({"x": x}))
    (op,) = parsed.body
    assert _bits(op.properties["x"]) == _bits(x)


def _scalar_attrs():
    return st.one_of(
        st.booleans(),
        st.integers(-(2**70), 2**70),
        any_float,
        st.text(max_size=12),
        st.none(),
        st.sampled_from([f64, i1, i64, qubit, tensor(2, 3), tensor(element=i64), FunctionType((f64,), (i1, qubit))]),
        st.text(min_size=1, max_size=8).map(SymbolRef),
    )


attr_values = st.recursive(_scalar_attrs(), lambda inner: st.lists(inner, max_size=4).map(tuple), max_leaves=10)
keys = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True), st.text(max_size=6))


@settings(max_examples=200)
@given(st.dictionaries(keys, attr_values, max_size=4), st.dictionaries(keys, attr_values, max_size=3))
def test_any_attribute_values_round_trip(props: dict, attrs: dict):
    _round_trip(_holder(props, attrs))


def _complex(pairs: list[tuple[float, float]]) -> np.ndarray:
    out = np.empty(len(pairs), dtype=np.complex128)
    out.real = [a for a, _ in pairs]  # set parts separately: complex(a, b) may canonicalize NaNs
    out.imag = [b for _, b in pairs]
    return out


_ELEMENTS = {
    "f64": (any_float, lambda v: np.array(v, dtype=np.float64)),
    "i64": (st.integers(-(2**63), 2**63 - 1), lambda v: np.array(v, dtype=np.int64)),
    "i1": (st.booleans(), lambda v: np.array(v, dtype=np.bool_)),
    "c128": (st.tuples(any_float, any_float), _complex),
}


@st.composite
def _dense_arrays(draw: st.DrawFn) -> np.ndarray:
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    elements, make = _ELEMENTS[draw(st.sampled_from(sorted(_ELEMENTS)))]
    values = draw(st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape)))
    return make(values).reshape(shape)


@settings(max_examples=200)
@given(_dense_arrays())
def test_dense_arrays_round_trip_bit_exact(arr: np.ndarray):
    d = DenseArray(arr)
    parsed = _round_trip(_holder({"d": d}))
    (op,) = parsed.body
    got = op.properties["d"]
    assert isinstance(got, DenseArray)
    assert got.array.dtype == arr.dtype and got.shape == arr.shape
    assert got.array.tobytes() == d.array.tobytes()


def test_dense_spelling():
    m = _holder({"u": DenseArray(np.array([[1, 0], [0, -1j]])), "s": DenseArray(np.array(2.5)),
                 "e": DenseArray(np.zeros((0, 2), dtype=np.int64)), "b": DenseArray(np.array([True, False]))})
    text = print_module(m)
    assert "b = dense<2xi1 [true, false]>" in text
    assert "e = dense<0x2xi64 []>" in text
    assert "s = dense<f64 [2.5]>" in text
    assert "u = dense<2x2xc128 [(1.0, 0.0), (0.0, 0.0), (0.0, 0.0), (-0.0, -1.0)]>" in text
    _round_trip(m)


def test_ints_floats_and_bools_stay_distinct():
    parsed = _round_trip(_holder({"a": 1, "b": 1.0, "c": True, "d": (1, 1.0, False)}))
    (op,) = parsed.body
    assert type(op.properties["a"]) is int
    assert type(op.properties["b"]) is float
    assert op.properties["c"] is True
    assert [type(v) for v in op.properties["d"]] == [int, float, bool]


def test_strings_with_escapes_and_line_breaks_stay_on_one_line():
    s = 'a"b\\c\nd\te\u2028f\x85g\x00h\u00e9'
    m = _holder({"s": s, 'we"ird key': 1, "true": 2})
    text = print_module(m)
    assert len(text.splitlines()) == 3
    parsed = _round_trip(m)
    (op,) = parsed.body
    assert op.properties["s"] == s
    assert set(op.properties) == {"s", 'we"ird key', "true"}


def test_symbols_that_are_not_identifiers_are_quoted():
    m = Module("my module")
    m.append(Operation("test.ref", properties={"r": SymbolRef("a b"), "t": SymbolRef("ok.name-1")}))
    text = print_module(m)
    assert text.startswith('module @"my module" {')
    assert '@"a b"' in text and "@ok.name-1" in text
    _round_trip(m)


def test_attr_equal_is_strict():
    assert attr_equal(math.nan, math.nan)
    assert not attr_equal(0.0, -0.0)
    assert not attr_equal(1, 1.0) and not attr_equal(1, True)
    assert not attr_equal((1,), (1.0,))
    assert attr_equal(DenseArray(np.array([math.nan])), DenseArray(np.array([math.nan])))
    assert not attr_equal(DenseArray(np.array([1.0])), DenseArray(np.array([1])))
