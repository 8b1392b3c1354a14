"""User mistakes become SemanticsError naming the culprit (never a bare traceback)."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S
from qglm_ir.builder import param_ref
from qglm_ir.core.errors import Location, SemanticsError
from qglm_ir.core.types import f64, i64, tensor

from ._circuits import build_kernel


def kernel_with_input():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("theta", f64), ("unused", f64)])
    kb.gate("rx", 0, params=[kb.input("theta")])
    kb.finish()
    return kb.op


def test_unbound_input_is_named():
    with pytest.raises(SemanticsError, match="input 'theta' .* of kernel @k is not bound") as e:
        S.statevector(kernel_with_input())
    assert "inputs={'theta'" in e.value.help
    # Unused inputs need no value.
    S.statevector(kernel_with_input(), inputs={"theta": 0.1})


def test_unknown_input_and_bad_shapes():
    with pytest.raises(SemanticsError, match="no classical input 'phi'"):
        S.statevector(kernel_with_input(), inputs={"phi": 1.0})
    with pytest.raises(SemanticsError, match="takes 2 classical input"):
        S.statevector(kernel_with_input(), inputs=[1.0, 2.0, 3.0])
    with pytest.raises(SemanticsError, match="expects a scalar f64"):
        S.statevector(kernel_with_input(), inputs={"theta": [1.0, 2.0]})
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("x", tensor(3))])
    kb.gate("rx", 0, params=[kb.extract(kb.input("x"), 0)])
    kb.finish()
    with pytest.raises(SemanticsError, match=r"expects shape \(3,\)"):
        S.statevector(kb.op, inputs={"x": [1.0, 2.0]})


def test_params_errors():
    mb = ModuleBuilder()
    decl = mb.param("w", f64, trainable=True)  # no init
    kb = mb.kernel("k", 1)
    kb.gate("rx", 0, params=[param_ref(kb.b, decl)])
    kb.finish()
    with pytest.raises(SemanticsError, match="parameter @w has no value"):
        S.statevector(kb.op)
    with pytest.raises(SemanticsError, match="unknown parameter 'v'"):
        S.statevector(kb.op, params={"v": 1.0})
    S.statevector(kb.op, params={"w": 0.5})


def test_index_out_of_range_and_division_by_zero_have_locations():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("x", tensor(2)), ("d", f64)])
    loc = Location("model.qglm", 3, 5)
    kb.b.loc = loc
    bad = kb.extract(kb.input("x"), 5)
    kb.gate("rx", 0, params=[bad])
    kb.finish()
    with pytest.raises(SemanticsError, match="index 5 out of range") as e:
        S.statevector(kb.op, inputs={"x": [0.0, 1.0], "d": 1.0})
    assert e.value.loc == loc
    assert e.value.render().startswith("model.qglm:3:5: error:")
    mb2 = ModuleBuilder()
    kb2 = mb2.kernel("k", 1, inputs=[("d", f64)])
    kb2.gate("rx", 0, params=[kb2.arith("div", 1.0, kb2.input("d"))])
    kb2.finish()
    with pytest.raises(SemanticsError, match="division by zero"):
        S.statevector(kb2.op, inputs={"d": 0.0})


def test_width_limits_and_measurements():
    with pytest.raises(SemanticsError, match="unitary\\(\\) is limited to 12"):
        S.unitary(build_kernel(13, [("h", (0,), ())]))
    with pytest.raises(SemanticsError, match="statevector\\(\\) is limited"):
        S.statevector(build_kernel(30, [("h", (0,), ())]))
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1)
    kb.measure(0)
    kb.finish()
    with pytest.raises(SemanticsError, match="q.measure needs branch enumeration") as e:
        S.unitary(kb.op)
    assert "outcome_distribution" in e.value.help


def test_module_with_several_kernels_and_wrong_ops():
    mb = ModuleBuilder()
    mb.kernel("a", 1).finish()
    mb.kernel("b", 1).finish()
    with pytest.raises(SemanticsError, match="exactly one q.kernel, found 2 \\(@a, @b\\)"):
        S.statevector(mb.module)
    with pytest.raises(SemanticsError, match="expected a q.kernel"):
        S.statevector(mb.module.body.first.regions[0].blocks[0].last)
    with pytest.raises(SemanticsError, match="unknown method"):
        S.statevector(mb.module.body.first, method="magic")


def test_negative_step_loop():
    mb = ModuleBuilder()
    kb = mb.kernel("k", 1, inputs=[("s", i64)])
    with kb.for_(0, 4, kb.input("s")):
        kb.gate("x", 0)
    kb.finish()
    with pytest.raises(SemanticsError, match="step must be positive"):
        S.statevector(kb.op, inputs={"s": 0})


def test_statevector_of_unitary_errors_is_not_a_crash():
    # A wide measured kernel: the branch simulator refuses instead of allocating 2^40.
    mb = ModuleBuilder()
    kb = mb.kernel("k", 30)
    kb.measure(0)
    kb.finish()
    with pytest.raises(SemanticsError, match="more than 24 qubits"):
        S.outcome_distribution(kb.op)
    assert np.isfinite(S.expectation_z(build_kernel(30, [("h", (0,), ())]))).all()



def test_registered_handlers_give_ops_a_meaning() -> None:
    """``Interpreter.register_handler`` overrides the identity treatment of noise ops:
    here a bit flip with p = 1 becomes an X gate."""
    from qglm_ir.core.module import SymbolTable
    from qglm_ir.semantics import outcome_distribution
    from qglm_ir.semantics.binding import ParamResolver
    from qglm_ir.semantics.interpreter import Branch, Interpreter
    from qglm_ir.semantics.state import StateSink
    from qglm_ir.text import parse_module

    module = parse_module(
        "q.kernel @k() -> (i1) {\n  %q = q.alloc\n  %n = noise.bit_flip %q <{p = 1.0}> : !q.qubit\n"
        "  %m, %r = q.measure %n\n  q.dealloc %r\n  func.return %m : i1\n}\n"
    )
    kernel = module.lookup("k")
    assert outcome_distribution(kernel) == {(False,): 1.0}  # ideal semantics: identity

    interp = Interpreter(ParamResolver(module, None), SymbolTable(module))

    def flip(op, batch):
        s = interp.slot[op.operands[0]]
        interp.slot[op.results[0]] = s
        for b in batch:
            b.sink.gate(np.array([[0, 1], [1, 0]], dtype=complex), (s,))
        return batch

    interp.register_handler("noise.bit_flip", flip)
    res = interp.run(kernel, [Branch(StateSink.product([]))], {})
    assert [tuple(bool(x) for x in r) for r in res.returns] == [(True,)]
