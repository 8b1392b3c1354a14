"""Amplitude and density embeddings against Qiskit, from source text to bound circuits.

Every case compiles a ``.qglm`` kernel, exports it to Qiskit with its angles
symbolic, binds each sample through :class:`Binder` and asks Qiskit's
``Statevector`` / ``DensityMatrix`` (not qglm's semantics) what it prepares.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, Statevector, partial_trace

from qglm_ir.api import compile_with_report
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.embedding.binding import Binder, bind_qiskit
from qglm_ir.frontends.dsl import compile_source

KINDS = ("real", "nonneg", "complex", "padded")


def _program(n: int, kind: str) -> tuple[str, tuple[int, ...]]:
    dim = 1 << n
    if kind == "complex":
        return f"kernel k(x: f64[{dim}, 2]) {{\n    qubit q[{n}]\n    amplitude(x, complex=true) q\n}}\n", (dim, 2)
    if kind == "padded":
        length = max(1, dim - 1 - dim // 3)
        return f"kernel k(x: f64[{length}]) {{\n    qubit q[{n}]\n    amplitude(x, pad=0.0) q\n}}\n", (length,)
    return f"kernel k(x: f64[{dim}]) {{\n    qubit q[{n}]\n    amplitude(x) q\n}}\n", (dim,)


def _target(x: np.ndarray, n: int, kind: str) -> np.ndarray:
    v = x[..., 0] + 1j * x[..., 1] if kind == "complex" else x.astype(complex)
    v = np.concatenate([v, np.zeros((1 << n) - len(v))])
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("kind", KINDS)
def test_bound_circuit_prepares_the_normalized_vector(n: int, kind: str) -> None:
    text, shape = _program(n, kind)
    module = compile_with_report(compile_source(text, "amp.qglm"), optimization_level=1).module
    qc = to_qiskit(module, kernel="k")
    assert qc.num_parameters > 0  # compiled once: the data stays symbolic
    rng = np.random.default_rng(100 * n + KINDS.index(kind))
    batch = rng.normal(size=(3, *shape))
    if kind == "nonneg":
        batch = np.abs(batch)
    for x, bound in zip(batch, bind_qiskit(qc, module, "k", {"x": batch})):
        got = Statevector(bound).data
        assert abs(np.vdot(got, _target(x, n, kind))) == pytest.approx(1.0, abs=1e-9)


def _random_density(d: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.normal(size=(d, rank))
    rho = a @ a.T
    return rho / np.trace(rho)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_density_reduced_state_equals_rho(n: int) -> None:
    d = 1 << n
    text = f"kernel k(rho: f64[{d}, {d}]) {{\n    qubit q[{n}]\n    density(rho) q\n}}\n"
    module = compile_with_report(compile_source(text, "dens.qglm"), optimization_level=1).module
    qc = to_qiskit(module, kernel="k")
    assert qc.num_qubits == 2 * n  # the purifying register
    rng = np.random.default_rng(n)
    rhos = np.stack([_random_density(d, r, rng) for r in (1, max(1, d // 2), d)])
    for rho, bound in zip(rhos, bind_qiskit(qc, module, "k", {"rho": rhos})):
        reduced = partial_trace(DensityMatrix(Statevector(bound)), list(range(n, 2 * n)))
        np.testing.assert_allclose(reduced.data, rho, atol=1e-9)


def test_binder_batch_equals_per_sample_values() -> None:
    text, shape = _program(3, "complex")
    module = compile_with_report(compile_source(text, "amp.qglm"), optimization_level=2).module
    qc = to_qiskit(module, kernel="k")
    binder = Binder(module, "k", order=qc.parameters)
    batch = np.random.default_rng(5).normal(size=(4, *shape))
    values = binder.values({"x": batch})
    assert values.shape == (4, qc.num_parameters)
    for i in range(4):
        np.testing.assert_array_equal(values[i], binder.values({"x": batch[i]})[0])
    # different samples bind different angles into the same compiled circuit
    assert not np.allclose(values[0], values[1])
    # the circuit's own order returns the angle array as is; any other order assembles columns
    names = binder.parameter_names
    assert binder._whole is not None
    reordered = Binder(module, "k", order=names[::-1])
    assert reordered._whole is None
    np.testing.assert_array_equal(reordered.values({"x": batch}), values[:, ::-1])
    part = Binder(module, "k", order=names[:5])  # a prefix of the slots is not the whole vector
    np.testing.assert_array_equal(part.values({"x": batch}), values[:, :5])


def test_mapped_kernel_binds_per_sample() -> None:
    # compiled and routed once onto heavy-hex:3; each sample only binds angles
    n, kind = 4, "complex"
    text, shape = _program(n, kind)
    module = compile_with_report(compile_source(text, "amp.qglm"), device="heavy-hex:3",
                                 optimization_level=1, seed=3).module
    qc = to_qiskit(module, kernel="k")
    final = qc.layout.final_index_layout()[:n]
    idx = np.array([sum(((i >> j) & 1) << final[j] for j in range(n)) for i in range(1 << n)])
    batch = np.random.default_rng(9).normal(size=(2, *shape))
    for x, bound in zip(batch, bind_qiskit(qc, module, "k", {"x": batch})):
        got = Statevector(bound).data[idx]  # the program qubits; every other qubit is back in |0>
        assert abs(np.vdot(got, _target(x, n, kind))) == pytest.approx(1.0, abs=1e-9)
