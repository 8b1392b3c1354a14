"""The ``stats`` and ``noise`` dialects: verifier rules, readout rule, evaluators."""

from __future__ import annotations

import numpy as np
import pytest

from qglm_ir.builder import ModuleBuilder
from qglm_ir.core.attributes import SymbolRef
from qglm_ir.core.errors import VerifyError
from qglm_ir.core.evaluators import evaluate_op
from qglm_ir.core.ir import Operation
from qglm_ir.core.opdef import get_opdef
from qglm_ir.core.types import Type, f64, i1, i64, qubit, tensor
from qglm_ir.dialects import noise, stats
from qglm_ir.dialects.readout import num_output_wires
from qglm_ir.semantics import stats_eval  # noqa: F401  (registers the evaluators)


def _verify(op: Operation) -> None:
    opdef = get_opdef(op.name)
    assert opdef is not None and opdef.verify is not None
    opdef.verify(op)


def _module():
    """A module with @ry (one f64 input, 2 wires, no bits) and @bell (returns 2 bits)."""
    mb = ModuleBuilder()
    kb = mb.kernel("ry", 2, inputs=[("t", f64)])
    kb.gate("ry", 0, params=[kb.input("t")])
    kb.gate("cx", 0, 1)
    kb.finish()
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("cx", 0, 1)
    a = kb.measure(0)
    b = kb.measure(1)
    kb.finish([a, b])
    return mb


def _call(mb, name: str, callee: str, args, result: Type, shots: int = 100, seed: int | None = None) -> Operation:
    props = {"callee": SymbolRef(callee), "shots": shots}
    if seed is not None:
        props["seed"] = seed
    func, b = mb.func("host", [a.type if hasattr(a, "type") else a for a in args], [])
    op = b.create(name, func.regions[0].block.args, [result], props)
    b.create("func.return", [], [])
    return op


def test_readout_width() -> None:
    mb = _module()
    syms = {o.properties["sym_name"]: o for o in mb.module}
    assert stats.readout_width(syms["ry"]) == 2
    assert stats.readout_width(syms["bell"]) == 2
    assert num_output_wires(syms["bell"]) == 2


def test_expval_and_probs_of_wires() -> None:
    mb = _module()
    t = 0.8
    op = _call(mb, "stats.expval", "ry", [f64], tensor(2))
    _verify(op)
    (z,) = evaluate_op(op, [t])
    np.testing.assert_allclose(z, [np.cos(t), np.cos(t)])
    op = _call(mb, "stats.probs", "ry", [f64], tensor(4))
    _verify(op)
    (p,) = evaluate_op(op, [t])
    np.testing.assert_allclose(p, [np.cos(t / 2) ** 2, 0, 0, np.sin(t / 2) ** 2], atol=1e-12)


def test_counts_and_sample_of_returned_bits() -> None:
    mb = _module()
    op = _call(mb, "stats.counts", "bell", [], tensor(4, element=i64), shots=1000, seed=5)
    _verify(op)
    (c,) = evaluate_op(op, [])
    assert c.sum() == 1000 and c[1] == 0 and c[2] == 0 and 400 < c[0] < 600
    (again,) = evaluate_op(op, [])
    np.testing.assert_array_equal(c, again)  # seeded: deterministic
    op = _call(mb, "stats.sample", "bell", [], tensor(50, 2, element=i1), shots=50)
    _verify(op)
    (s,) = evaluate_op(op, [])
    assert s.shape == (50, 2) and s.dtype == bool
    assert np.all(s[:, 0] == s[:, 1])  # Bell pair: perfectly correlated


@pytest.mark.parametrize(
    "name,callee,args,result,shots,message",
    [
        ("stats.expval", "nope", [], tensor(2), 10, "callee @nope is not defined"),
        ("stats.expval", "ry", [], tensor(2), 10, "arguments of @ry"),
        ("stats.expval", "ry", [f64], tensor(3), 10, "result must be tensor<2xf64>"),
        ("stats.probs", "bell", [], tensor(2), 10, "result must be tensor<4xf64>"),
        ("stats.sample", "bell", [], tensor(9, 2, element=i1), 10, "result must be tensor<10x2xi1>"),
        ("stats.counts", "bell", [], tensor(4, element=i64), 0, "shots must be >= 1"),
    ],
)
def test_stats_rejects(name, callee, args, result, shots, message) -> None:
    mb = _module()
    op = _call(mb, name, callee, args, result, shots)
    with pytest.raises(VerifyError, match=message):
        _verify(op)


def test_noise_ops() -> None:
    for kind in noise.CHANNELS:
        op = Operation("noise." + kind, [Operation("q.alloc", (), [qubit]).result], [qubit], {"p": 0.2})
        _verify(op)
        ks = noise.kraus_operators(op)
        np.testing.assert_allclose(sum(k.conj().T @ k for k in ks), np.eye(2), atol=1e-12)
    bad = Operation("noise.bit_flip", [Operation("q.alloc", (), [qubit]).result], [qubit], {"p": 1.5})
    with pytest.raises(VerifyError, match=r"probability p must be in \[0, 1\]"):
        _verify(bad)
    no_p = Operation("noise.phase_flip", [Operation("q.alloc", (), [qubit]).result], [qubit])
    with pytest.raises(VerifyError, match="missing property 'p'"):
        _verify(no_p)
