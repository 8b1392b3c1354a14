"""Equivalence: exact at small width, sampled tensor networks at 40 qubits, measured kernels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from qglm_ir import ModuleBuilder
from qglm_ir import semantics as S
from qglm_ir.testing.equivalence import assert_equivalent, assert_not_equivalent

from ._circuits import brickwork_calls, build_kernel, gate_calls, random_calls


def perturb(calls, index=None, delta=1e-3):
    """Change the first angle of the ``index``-th parametric gate (default: the middle one) by delta."""
    param_idx = [i for i, c in enumerate(calls) if c[2] and c[0] != "p" and c[0] != "rz"]
    i = param_idx[len(param_idx) // 2] if index is None else index
    g, q, ps = calls[i]
    out = list(calls)
    out[i] = (g, q, (ps[0] + delta,) + ps[1:])
    return out


def with_identities(calls):
    """Same circuit with h.h and cx.cx pairs inserted: equivalent, different IR."""
    out = []
    for c in calls:
        out.append(c)
        if c[1] and len(c[1]) == 1:
            out += [("h", c[1], ()), ("h", c[1], ())]
    return out


def test_small_exact_true_and_false():
    calls = random_calls(5, 80, seed=11)
    a = build_kernel(5, calls)
    assert S.equivalent(a, build_kernel(5, with_identities(calls)))
    r = S.compare(a, build_kernel(5, perturb(calls)))
    assert not r and r.method == "exact" and r.max_deviation > 1e-5
    assert "amplitude of output" in r.where


def test_global_phase_is_ignored_and_alloc_phase_is_global():
    mb = ModuleBuilder()
    kb = mb.kernel("a", 2)
    kb.gate("rz", 0, params=[0.9])  # on |0>: only a global phase
    kb.gate("h", 1)
    kb.finish()
    kb2 = mb.kernel("b", 2)
    kb2.gate("h", 1)
    kb2.global_phase(1.234)
    kb2.finish()
    assert S.equivalent(kb.op, kb2.op)
    # ... but not for qubit arguments, where rz acts on an unknown input.
    mb2 = ModuleBuilder()
    ka = mb2.kernel("a", 1, qubit_args=True)
    ka.gate("rz", 0, params=[0.9])
    ka.finish()
    kb3 = mb2.kernel("b", 1, qubit_args=True)
    kb3.finish()
    assert not S.equivalent(ka.op, kb3.op)


@settings(max_examples=30, deadline=None)
@given(gate_calls(max_qubits=5, max_gates=25))
def test_exact_and_tn_methods_agree(case):
    n, calls = case
    a = build_kernel(n, calls, qubit_args=True)
    b = build_kernel(n, with_identities(calls), qubit_args=True)
    assert S.equivalent(a, b, method="exact") and S.equivalent(a, b, method="tn")
    if any(c[2] for c in calls):
        p = [i for i, c in enumerate(calls) if c[2]][0]
        c = build_kernel(n, perturb(calls, p, delta=0.5), qubit_args=True)
        assert S.equivalent(a, c, method="exact") == S.equivalent(a, c, method="tn")


@pytest.mark.parametrize("qubit_args", [False, True])
def test_40_qubit_shallow_equivalence(qubit_args):
    calls = brickwork_calls(40, 3, seed=5)
    assert 170 <= len(calls) <= 220
    a = build_kernel(40, calls, qubit_args=qubit_args)
    b = build_kernel(40, with_identities(calls), qubit_args=qubit_args)
    r = S.compare(a, b)
    assert r.equivalent and r.method == "tn", r.describe()
    bad = build_kernel(40, perturb(calls), qubit_args=qubit_args)
    r = S.compare(a, bad)
    assert not r.equivalent and r.method == "tn", r.describe()


def test_path_cache_hits_when_only_angles_change():
    S.clear_path_cache()
    calls = brickwork_calls(6, 3, seed=2)
    k = build_kernel(6, calls)
    S.statevector(k, method="tn")
    assert S.path_cache_info().misses == 1 and S.path_cache_info().hits == 0
    for seed in range(5):
        rebound = [(g, q, tuple(x + seed for x in ps)) for g, q, ps in calls]
        S.statevector(build_kernel(6, rebound), method="tn")
    info = S.path_cache_info()
    assert (info.hits, info.misses) == (5, 1)
    # A different 2-qubit structure is a new path.
    S.statevector(build_kernel(6, calls + [("cx", (0, 5), ())]), method="tn")
    assert S.path_cache_info().misses == 2


def test_measured_kernels_compare_distributions_and_states():
    def bell(extra=None):
        mb = ModuleBuilder()
        kb = mb.kernel("k", 2)
        kb.gate("h", 0)
        if extra:
            kb.gate(*extra[0], params=extra[1])
        kb.gate("cx", 0, 1)
        m = kb.measure(0)
        return kb.finish([m])

    assert S.equivalent(bell(), bell((("rz", 0), [0.0])))
    # A Z rotation before the CX changes no outcome probability, and each branch's
    # post-measurement state (|00> or |11>) only by a phase: equivalent.
    r = S.compare(bell(), bell((("rz", 0), [0.5])))
    assert r.equivalent
    r = S.compare(bell(), bell((("ry", 0), [0.5])))
    assert not r.equivalent and "outcome" in r.where


def test_measured_kernel_with_qubit_arguments_uses_random_inputs():
    def k(flip):
        mb = ModuleBuilder()
        kb = mb.kernel("k", 1, qubit_args=True)
        if flip:
            kb.gate("z", 0)
        m = kb.measure(0)
        return kb.finish([m])

    # Z before a Z-measurement: same outcomes for every input and same post-measurement states.
    assert S.equivalent(k(False), k(True))


def test_modules_compared_by_kernel_name():
    calls = random_calls(3, 20, seed=1)
    a = build_kernel(3, calls, qubit_args=True).parent_op
    b = build_kernel(3, with_identities(calls), qubit_args=True).parent_op
    c = build_kernel(3, perturb(calls, delta=0.2), qubit_args=True).parent_op
    assert S.equivalent(a, b)
    r = S.compare(a, c)
    assert not r and r.where.startswith("kernel @k")


def test_different_widths_are_not_equivalent():
    assert not S.equivalent(build_kernel(2, []), build_kernel(3, []))


def test_assert_equivalent_messages():
    calls = random_calls(3, 30, seed=4)
    a = build_kernel(3, calls)
    assert_equivalent(a, build_kernel(3, with_identities(calls)))
    bad = build_kernel(3, perturb(calls, delta=0.3))
    with pytest.raises(AssertionError, match=r"(?s)not equivalent \(method=exact\): max deviation .* at: amplitude"):
        assert_equivalent(a, bad)
    assert_not_equivalent(a, bad)
    with pytest.raises(AssertionError, match="are equivalent"):
        assert_not_equivalent(a, a)


def test_equivalent_tolerance():
    calls = random_calls(3, 30, seed=4)
    a = build_kernel(3, calls)
    slightly = build_kernel(3, perturb(calls, delta=1e-9))
    assert S.equivalent(a, slightly)
    assert not S.equivalent(a, slightly, atol=1e-12)
    assert math.isfinite(S.compare(a, slightly).max_deviation)


def test_tn_equivalence_with_classical_inputs():
    from qglm_ir.core.types import f64

    def k(offset):
        mb = ModuleBuilder()
        kb = mb.kernel("k", 2, inputs=[("t", f64)])
        kb.gate("ry", 0, params=[kb.arith("add", kb.input("t"), offset)])
        kb.gate("cx", 0, 1)
        kb.finish()
        return kb.op

    assert S.equivalent(k(0.0), k(0.0), inputs={"t": 0.3}, method="tn")
    assert not S.equivalent(k(0.0), k(1e-3), inputs={"t": 0.3}, method="tn")
    np.testing.assert_allclose(S.statevector(k(0.0), inputs=[0.3])[0], math.cos(0.15), atol=1e-12)
