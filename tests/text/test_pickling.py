"""Modules pickle through the textual IR and come back identical: structure,
text, name hints and source locations (which diagnostics quote)."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from hypothesis import given

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.errors import Location, QglmError
from qglm_ir.core.module import Module
from qglm_ir.core.types import f64
from qglm_ir.frontends.loader import load_program
from qglm_ir.testing import modules
from qglm_ir.text import print_module, structural_diff

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".qglm", ".qglmir"))
# the .py twins: the function each one is compiled from
PY_ENTRIES = {"ansatz.py": "ring_ansatz", "teleport.py": "check", "text_classifier.py": "classify"}


def _hints_and_locs(m: Module) -> list[tuple[str, object, list[object]]]:
    out = []
    for op in m.walk():
        vals = list(op.results) + [a for r in op.regions for b in r.blocks for a in b.args]
        out.append((op.name, op.loc, [v.name_hint for v in vals]))
    return out


def assert_pickle_round_trip(m: Module) -> Module:
    back = pickle.loads(pickle.dumps(m))
    assert isinstance(back, Module)
    assert structural_diff(m, back) is None
    assert print_module(back) == print_module(m)
    assert _hints_and_locs(back) == _hints_and_locs(m)
    return back


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_round_trips(path: Path) -> None:
    m = load_program(path)
    back = assert_pickle_round_trip(m)
    if path.suffix == ".qglm":  # DSL locations point into the user's file, with its text
        locs = [op.loc for op in back.walk() if op.loc is not None]
        assert all(loc.source_line() for loc in locs)  # imported files bring their own text
        assert any(loc.file == str(path) for loc in locs)


@pytest.mark.parametrize("name", sorted(PY_ENTRIES))
def test_python_examples_round_trip(name: str) -> None:
    assert_pickle_round_trip(load_program(ROOT / "examples" / name, entry=PY_ENTRIES[name]))


@given(modules())
def test_generated_modules_round_trip(m: Module) -> None:
    assert_pickle_round_trip(m)


def test_hints_the_text_cannot_carry_survive() -> None:
    """Two values hinted ``x`` print as numbers, and ``a-b`` is not a value name;
    both hints come back, and so do locations on ops the printer never shows."""
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1, inputs=[("t", f64)])
    kb.gate("rx", 0, params=[kb.input("t")])
    kb.gate("ry", 0, params=[kb.input("t")])
    kb.finish()
    m = mb.module
    gates = [op for op in m.walk() if op.name in ("q.rx", "q.ry")]
    for op in gates:
        op.results[0].name_hint = "x"
    gates[0].loc = Location("prog.qglm", 3, 5, 2, "a\nb\n    rx here\n")
    kb.input("t").name_hint = "a-b"
    back = assert_pickle_round_trip(m)
    back_gate = next(op for op in back.walk() if op.name == "q.rx")
    assert back_gate.results[0].name_hint == "x"
    err = QglmError("bad gate", back_gate.loc)
    assert err.render() == "prog.qglm:3:5: error: bad gate\n      rx here\n      ^~"


def test_deepcopy_and_compile_result_pickle() -> None:
    import qglm_ir
    from qglm_ir.api import compile_with_report

    m = load_program(ROOT / "examples" / "ansatz.qglm")
    assert structural_diff(copy.deepcopy(m), m) is None
    result = compile_with_report(m, device="line:8", seed=3)
    back = pickle.loads(pickle.dumps(result))
    assert back.report == result.report
    assert print_module(back.module) == print_module(result.module)
    assert qglm_ir.Module is Module


def test_pickle_is_compact() -> None:
    """The pickle is the text plus small tables, not an object graph."""
    m = load_program(ROOT / "examples" / "text_classifier.qglm")
    text = print_module(m)
    data = pickle.dumps(m)
    sources = {op.loc.source for op in m.walk() if op.loc is not None and op.loc.source}
    assert len(data) < len(text) + sum(len(s) for s in sources) + 24 * sum(1 for _ in m.walk()) + 1024
