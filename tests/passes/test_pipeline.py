"""Pipeline text: syntax, typed options, errors with carets, registry look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qglm_ir.core.errors import ParseError, PassError
from qglm_ir.passes import Pass, PassContext, PassResult, registry
from qglm_ir.passes.pipeline import (
    format_pipeline,
    parse_pipeline,
    parse_pipeline_spec,
)


@dataclass(frozen=True)
class Knobs(Pass):
    """A pass with one option of every supported type (does nothing)."""

    name: ClassVar[str] = "test-knobs"

    trials: int = 4
    alpha: float = 0.5
    flag: bool = False
    label: str = "x"
    basis: tuple[str, ...] = ("cx", "rz")
    policy: Literal["auto", "off", "always"] = "auto"
    limit: int | None = None
    trailing_name: str = ""

    def run(self, module, ctx: PassContext) -> PassResult:
        return PassResult(False)


@pytest.fixture(autouse=True)
def _knobs():
    registry.register_pass(Knobs)
    yield
    registry.unregister_pass("test-knobs")


def test_spec_syntax_and_whitespace():
    specs = parse_pipeline_spec(" cancel , route{ trials = 8 , seed=3 },qec{policy=auto} ")
    assert [s.name.text for s in specs] == ["cancel", "route", "qec"]
    assert [(k.text, v.text) for k, v in specs[1].options] == [("trials", "8"), ("seed", "3")]
    assert specs[1].name.start == 10
    assert parse_pipeline_spec("") == []
    assert parse_pipeline_spec("   ") == []
    assert parse_pipeline_spec('a{s="x, {y}"}')[0].options[0][1].text == "x, {y}"
    assert parse_pipeline_spec("a{}")[0].options == ()


@pytest.mark.parametrize(
    "text, col, fragment",
    [
        ("cancel,,merge", 8, "expected a pass name"),
        ("cancel,", 8, "expected a pass name"),
        ("route{trials=}", 14, "expected an option value"),
        ("route{trials=8", 15, "expected ',' or '}'"),
        ("route{=8}", 7, "expected an option name"),
        ("route{trials 8}", 14, "expected '=' after option 'trials'"),
        ("cancel merge", 8, "expected ',' between passes"),
        ('a{s="abc}', 5, "unterminated string"),
    ],
)
def test_syntax_errors_are_located(text, col, fragment):
    with pytest.raises(ParseError) as ei:
        parse_pipeline_spec(text, "--passes")
    e = ei.value
    assert fragment in e.message
    assert (e.loc.file, e.loc.line, e.loc.col) == ("--passes", 1, col)
    rendered = e.render()
    assert rendered.splitlines()[1] == "  " + text
    assert rendered.splitlines()[2].index("^") == col + 1


def test_typed_options():
    (p,) = parse_pipeline(
        "test-knobs{trials=0x10,alpha=1e-3,flag=yes,label=hi there,basis=cx|rz|sx|x,"
        "policy=always,limit=7,trailing-name=t}"
    )
    assert p == Knobs(16, 1e-3, True, "hi there", ("cx", "rz", "sx", "x"), "always", 7, "t")
    (q,) = parse_pipeline("test-knobs{limit=none,flag=off,trailing_name=u}")
    assert q.limit is None and q.flag is False and q.trailing_name == "u"
    assert parse_pipeline("test-knobs") == [Knobs()]


@pytest.mark.parametrize(
    "text, fragment, help_fragment, col",
    [
        ("test-knobs{trials=many}", "bad value 'many' for option 'trials'", "takes int", 19),
        ("test-knobs{flag=maybe}", "expected true or false", "takes bool", 17),
        ("test-knobs{policy=sometimes}", "expected one of auto, off, always", "auto | off | always", 19),
        ("test-knobs{trails=3}", "unknown option 'trails' for pass 'test-knobs'", "did you mean 'trials'", 12),
        ("test-knobs{zzz=3}", "unknown option 'zzz'", "options of 'test-knobs'", 12),
        ("test-knobs{trials=1,trials=2}", "given twice", None, 21),
        ("test-knobs{basis=cx||x}", "empty element", None, 18),
        ("cancle", "unknown pass 'cancle'", "did you mean 'cancel'", 1),
    ],
)
def test_option_and_name_errors(text, fragment, help_fragment, col):
    with pytest.raises(ParseError) as ei:
        parse_pipeline(text)
    assert fragment in ei.value.message
    if help_fragment:
        assert help_fragment in (ei.value.help or "")
    assert ei.value.loc.col == col


def test_unavailable_builtin_pass_is_an_error_in_explicit_pipelines(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN_PASSES, "ghost", "qglm_ir.passes.no_such_module:Ghost")
    monkeypatch.setattr(registry, "_failures", {})
    with pytest.raises(ParseError) as ei:
        parse_pipeline("test-knobs,ghost")
    assert "pass 'ghost' is not available yet" in ei.value.message
    assert ei.value.loc.col == 12
    assert not registry.is_available("ghost")
    assert "ghost" in registry.pass_names()


def test_registry_lookup_errors():
    with pytest.raises(PassError) as ei:
        registry.get_pass("canonicalise")
    assert "did you mean 'canonicalize'" in ei.value.help
    assert registry.get_pass("canonicalize").name == "canonicalize"
    with pytest.raises(TypeError):
        registry.register_pass(int)  # type: ignore[arg-type]

    @dataclass(frozen=True)
    class Bad(Pass):
        name: ClassVar[str] = "Bad_Name"

    with pytest.raises(ValueError):
        registry.register_pass(Bad)


def test_builtin_entries_are_listed():
    for name in ("cancel", "merge-rotations", "fuse-1q", "fuse-2q", "to-basis", "remove-dead",
                 "layout", "route", "fix-direction", "canonicalize"):
        assert name in registry.pass_names()
    listed = {name: cls for name, cls, _ in registry.iter_passes()}
    assert listed["canonicalize"] is not None


def test_invalid_option_combination_from_post_init():
    @dataclass(frozen=True)
    class Ranged(Pass):
        name: ClassVar[str] = "test-ranged"
        n: int = 1

        def __post_init__(self) -> None:
            if self.n < 1:
                raise ValueError("n must be at least 1")

    registry.register_pass(Ranged)
    try:
        with pytest.raises(ParseError, match="n must be at least 1"):
            parse_pipeline("test-ranged{n=0}")
    finally:
        registry.unregister_pass("test-ranged")


_label = st.text(st.characters(codec="ascii", exclude_characters='"\x00'), max_size=8)


@settings(max_examples=100)
@given(
    trials=st.integers(-(2**40), 2**40),
    alpha=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
    label=_label,
    basis=st.lists(st.sampled_from(["cx", "rz", "sx", "x", "ecr"]), min_size=1, max_size=4).map(tuple),
    policy=st.sampled_from(["auto", "off", "always"]),
    limit=st.none() | st.integers(0, 100),
)
def test_format_parse_round_trip(trials, alpha, flag, label, basis, policy, limit):
    p = Knobs(trials, alpha, flag, label, basis, policy, limit)
    text = format_pipeline([p, Knobs()])
    assert parse_pipeline(text) == [p, Knobs()]
