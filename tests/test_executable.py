"""Compile once, bind many: bound artifacts against Qiskit's Operator/Statevector, the disk cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import Operator, Statevector

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.training.errors import TrainingError

ROOT = Path(__file__).resolve().parents[1]


def _circuit() -> QuantumCircuit:
    t = ParameterVector("θ", 5)
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.ry(t[0], 1)
    qc.cx(0, 2)
    qc.crz(t[1], 2, 1)
    qc.rzz(t[2] + 0.5 * t[3], 0, 1)
    qc.u(t[4], 0.3, -0.2, 2)
    qc.cx(1, 0)
    return qc


def _logical(qc_out: QuantumCircuit, n_in: int) -> tuple[Operator, int]:
    op = Operator.from_circuit(qc_out)
    return op, op.num_qubits - n_in


@pytest.fixture(scope="module")
def executable(tmp_path_factory):
    os.environ["QGLM_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return qglm_ir.compile_executable(_circuit(), device="line:4", optimization_level=2, seed=1)
    finally:
        del os.environ["QGLM_CACHE_DIR"]


def test_bound_artifacts_equal_the_bound_circuit(executable):
    qc = _circuit()
    assert executable.symbols == (("θ", (5,)),) and executable.num_parameters == 5
    vals = np.random.default_rng(0).uniform(-3, 3, (3, 5))
    batch = executable.bind_many(vals)
    assert batch.angles.shape[0] == 3
    probs = batch.results("probs")
    for i in range(3):
        ref = qc.assign_parameters(vals[i])
        art = batch[i].to_qiskit()
        op, extra = _logical(art, 3)
        assert op.equiv(Operator(np.eye(2**extra)).tensor(Operator(ref)))
        np.testing.assert_allclose(probs[i], Statevector(ref).probabilities(), atol=1e-12)
        # ... and to compiling the bound circuit from scratch
        fresh = to_qiskit(qglm_ir.compile(ref, device="line:4", optimization_level=2, seed=1))
        assert Operator.from_circuit(fresh).equiv(op)
        # Cirq artifact: the same unitary, global phase included (Cirq is big-endian)
        import cirq

        c = batch[i].to_cirq()
        order = cirq.QubitOrder.explicit(list(reversed(cirq.LineQubit.range(art.num_qubits))))
        np.testing.assert_allclose(c.unitary(qubit_order=order), Operator(art).data, atol=1e-9)
    assert batch[0].to_qasm3().startswith("OPENQASM 3.0;")


def test_bind_one_mapping_and_errors(executable):
    vals = np.linspace(-1, 1, 5)
    one = executable.bind({"θ": vals})
    np.testing.assert_allclose(one.angles, executable.bind_many(vals[None]).angles[0])
    np.testing.assert_allclose(one.result("expval"), executable.bind(vals).result("expval"))
    with pytest.raises(TrainingError, match="no input or parameter named"):
        executable.bind({"theta": vals})
    with pytest.raises(TrainingError, match="binds 5 values"):
        executable.bind_many(np.zeros((2, 4)))
    with pytest.raises(TrainingError, match="bind_many"):
        executable.bind(np.zeros((2, 5)))


def test_bound_angles_match_qiskit_binding_of_the_same_template(executable):
    """Gate by gate: our O(#params) binding equals Qiskit's assign_parameters on qglm's own output."""
    template = to_qiskit(executable.module)
    vals = np.random.default_rng(1).uniform(-3, 3, 5)
    ours = executable.bind(vals).to_qiskit()
    theirs = template.assign_parameters({p: vals[int(p.name[2:-1])] for p in template.parameters})
    assert len(ours.data) == len(theirs.data)
    for a, b in zip(ours.data, theirs.data):
        assert a.operation.name == b.operation.name
        assert [ours.find_bit(q).index for q in a.qubits] == [theirs.find_bit(q).index for q in b.qubits]
        np.testing.assert_allclose([float(x) for x in a.operation.params], [float(x) for x in b.operation.params],
                                   atol=1e-12)
    assert abs(float(ours.global_phase) - float(theirs.global_phase)) % (2 * np.pi) < 1e-9


def test_program_parameters_take_their_initial_values(tmp_path):
    ex = qglm_ir.compile_executable(str(ROOT / "examples" / "peft_classifier.qglm"), cache=False)
    assert [n for n, _ in ex.symbols] == ["x", "adapter"]
    x = np.random.default_rng(2).uniform(0, 3, (4, 8))
    default = ex.bind_many({"x": x}).results("expval")
    explicit = ex.bind_many({"x": x, "adapter": np.zeros(8)}).results("expval")
    np.testing.assert_allclose(default, explicit)
    moved = ex.bind_many({"x": x, "adapter": np.full(8, 0.3)}).results("expval")
    assert np.abs(moved - default).max() > 1e-3


_CHILD = """
import json, sys, time
import numpy as np
import qglm_ir
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
t = ParameterVector("θ", 3)
qc = QuantumCircuit(2)
qc.ry(t[0], 0); qc.cx(0, 1); qc.rz(t[1] - t[2], 1); qc.crx(2 * t[2], 1, 0)
ex = qglm_ir.compile_executable(qc, device="line:3", optimization_level=int(sys.argv[1]), seed=3)
b = ex.bind([0.1, 0.2, 0.3])
print(json.dumps({"cached": ex.from_cache, "angles": b.angles.tolist(),
                  "params": sorted(p.name for p in b.to_qiskit().parameters),
                  "names": [n for n, _ in ex.symbols]}))
"""


def _child(cache: Path, level: int = 2) -> dict:
    env = {**os.environ, "QGLM_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(level)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_new_process_loads_instead_of_recompiling(tmp_path):
    first = _child(tmp_path)
    assert first["cached"] is False and first["names"] == ["θ"]
    entries = list(tmp_path.glob("exec-*.pkl"))
    assert len(entries) == 1 and not list(tmp_path.glob(".exec-*"))  # atomic: no temporary left
    second = _child(tmp_path)
    assert second["cached"] is True
    assert second["angles"] == first["angles"] and second["params"] == first["params"]


def test_cache_key_covers_options_and_survives_corruption(tmp_path, monkeypatch):
    monkeypatch.setenv("QGLM_CACHE_DIR", str(tmp_path))
    qc = _circuit()
    a = qglm_ir.compile_executable(qc, device="line:4", optimization_level=1, seed=1)
    assert not a.from_cache
    assert qglm_ir.compile_executable(qc, device="line:4", optimization_level=1, seed=1).from_cache
    assert not qglm_ir.compile_executable(qc, device="line:4", optimization_level=1, seed=2).from_cache
    renamed = qc.assign_parameters(dict(zip(qc.parameters, ParameterVector("φ", 5))))
    b = qglm_ir.compile_executable(renamed, device="line:4", optimization_level=1, seed=1)
    assert not b.from_cache and b.symbols == (("φ", (5,)),)  # the names are part of the key
    assert len(list(tmp_path.glob("exec-*.pkl"))) == 3
    for entry in tmp_path.glob("exec-*.pkl"):
        entry.write_bytes(b"not a pickle")
    again = qglm_ir.compile_executable(qc, device="line:4", optimization_level=1, seed=1)
    assert not again.from_cache
    np.testing.assert_allclose(again.bind(np.ones(5)).angles, a.bind(np.ones(5)).angles)
    assert qglm_ir.compile_executable(qc, device="line:4", optimization_level=1, seed=1).from_cache
