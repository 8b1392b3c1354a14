"""Embeddings through the frontends, the IR, the passes and every backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qglm_ir import semantics
from qglm_ir.api import compile_with_report
from qglm_ir.backends.cirq import to_cirq
from qglm_ir.backends.qasm2 import to_qasm2
from qglm_ir.backends.qasm3 import to_qasm3
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.core.errors import ParseError, SemanticsError
from qglm_ir.frontends.dsl import compile_source
from qglm_ir.frontends.python import compile_source as compile_python
from qglm_ir.text import parse_module, print_module

ROOT = Path(__file__).resolve().parents[2]

AMP = """kernel k(x: f64[6]) {
    qubit q[3]
    amplitude(x, pad=0.0) q
}
"""


def _kernel(module, name="k"):
    return next(op for op in module.body if op.name == "q.kernel" and op.properties["sym_name"] == name)


def test_frontend_ir_has_embedding_ops_and_round_trips() -> None:
    m = compile_source(AMP, "a.qglm")
    names = [op.name for op in _kernel(m).walk()]
    assert "embed.amplitude_angles" in names and "q.amplitude" in names
    text = print_module(m)
    assert print_module(parse_module(text)) == text


def test_semantics_of_the_op_and_of_its_expansion_prepare_x() -> None:
    m = compile_source(AMP, "a.qglm")
    x = np.array([0.3, -1.0, 2.0, 0.0, 0.5, -0.25])
    want = np.concatenate([x, [0.0, 0.0]]) / np.linalg.norm(x)
    np.testing.assert_allclose(semantics.statevector(_kernel(m), inputs={"x": x}), want, atol=1e-12)
    res = compile_with_report(m, optimization_level=1, validate=True)
    k = _kernel(res.module)
    assert not any(op.name == "q.amplitude" for op in k.walk())
    assert sum(op.name == "q.cx" for op in k.walk()) == 4  # 2^3 - 3 - 1
    np.testing.assert_allclose(semantics.statevector(k, inputs={"x": x}), want, atol=1e-12)


def test_zero_vector_is_a_located_run_time_error() -> None:
    m = compile_source(AMP, "a.qglm")
    with pytest.raises(SemanticsError) as e:
        semantics.statevector(_kernel(m), inputs={"x": np.zeros(6)})
    assert "zero vector" in e.value.message and e.value.loc.line == 3


@pytest.mark.parametrize("rho, what", [
    ([[0.5, 0.2], [0.1, 0.5]], "Hermitian"),
    ([[1.2, 0.0], [0.0, -0.2]], "positive semidefinite"),
    ([[0.5, 0.0], [0.0, 0.6]], "trace 1"),
])
def test_density_checks_are_located_run_time_errors(rho, what) -> None:
    m = compile_source("kernel k(r: f64[2, 2]) {\n    qubit q\n    density(r) q\n}\n", "d.qglm")
    with pytest.raises(SemanticsError) as e:
        semantics.statevector(_kernel(m), inputs={"r": np.array(rho)})
    assert what in e.value.message and e.value.loc.line == 3


def test_constant_data_folds_to_constant_angles() -> None:
    src = "kernel k() {\n    qubit q[2]\n    amplitude([1.0, 2.0, 0.0, -3.0]) q\n}\n"
    m = compile_with_report(compile_source(src, "c.qglm"), optimization_level=1).module
    k = _kernel(m)
    assert not any(op.dialect == "embed" or op.name == "tensor.extract" for op in k.walk())
    qc = to_qiskit(m)
    assert qc.num_parameters == 0
    from qiskit.quantum_info import Statevector

    np.testing.assert_allclose(Statevector(qc).data, np.array([1, 2, 0, -3]) / np.sqrt(14), atol=1e-12)


BAD = [
    ("amplitude(x) q", 3, 15, "12 amplitudes do not fit on 2 qubit(s)"),
    ("amplitude(y) r", 3, 15, "6 amplitudes on 3 qubit(s) need 8"),
    ("amplitude(x, foo=1) q", 3, 18, "unknown option 'foo'"),
    ("amplitude(x, pad=z) q", 3, 22, "compile time"),
    ("amplitude([0.0, 0.0, 0.0, 0.0]) q", 3, 15, "zero vector"),
    ("amplitude(y, complex=true) q", 3, 15, "f64[L, 2]"),
    ("amplitude() q", 3, 5, "one data argument"),
    ("density(x) q", 3, 13, "must be f64[4, 4]"),
    ("density([[0.5, 0.5], [0.5, 0.6]]) q[0]", 3, 13, "trace 1"),
    ("rx(z, pad=1.0) q[0]", 3, 11, "takes no keyword arguments"),
]


@pytest.mark.parametrize("stmt, line, col, msg", BAD, ids=[b[0] for b in BAD])
def test_malformed_embeddings_get_located_diagnostics(stmt, line, col, msg) -> None:
    src = f"kernel k(x: f64[12], y: f64[6], z: f64) {{\n    qubit q[2]; qubit r[3]\n    {stmt}\n}}\n"
    with pytest.raises(ParseError) as e:
        compile_source(src, "bad.qglm")
    assert msg in e.value.message
    assert (e.value.loc.line, e.value.loc.col) == (line, col)


def test_cli_reports_location_caret_and_exit_1(tmp_path) -> None:
    f = tmp_path / "bad.qglm"
    f.write_text("kernel k(x: f64[5]) {\n    qubit q[2]\n    amplitude(x) q\n}\n")
    p = subprocess.run([sys.executable, "-m", "qglm_ir.cli", "check", str(f)], cwd=ROOT,
                       capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert p.returncode == 1
    assert f"{f}:3:15: error: 5 amplitudes do not fit" in p.stderr and "^" in p.stderr
    assert "Traceback" not in p.stderr


def test_python_frontend_matches_the_dsl() -> None:
    py = '''from qglm_ir.lang import *

@kernel
def k(x: Tensor[6]):
    q = qubits(3)
    amplitude(x, q, pad=0.0)

@kernel
def d(r: Tensor[2, 2]):
    a = qubit()
    density(r, a)
'''
    dsl = AMP + "\nkernel d(r: f64[2, 2]) {\n    qubit a\n    density(r) a\n}\n"
    assert print_module(compile_python(py, "e.py")) == print_module(compile_source(dsl, "e.qglm"))


def test_python_frontend_diagnostics() -> None:
    py = "from qglm_ir.lang import *\n\n@kernel\ndef k(x: Tensor[4]):\n    q = qubits(2)\n    amplitude(q)\n"
    with pytest.raises(ParseError) as e:
        compile_python(py, "e.py")
    assert "takes the data, then the qubits" in e.value.message and e.value.loc.line == 6


def test_every_backend_exports_bound_and_symbolic_embeddings() -> None:
    symbolic = compile_with_report(compile_source(AMP, "a.qglm"), optimization_level=1).module
    bound_src = "kernel k() {\n    qubit q[2]\n    amplitude([0.5, -0.5, 0.5, 0.5]) q\n}\n"
    bound = compile_with_report(compile_source(bound_src, "b.qglm"), optimization_level=1).module
    # symbolic artifacts keep the angles as parameters; bound ones are plain gates
    assert "input float[64] x_angles_0" in to_qasm3(symbolic)
    assert "input" not in to_qasm3(bound) and "cx" in to_qasm2(bound)
    qasm_bound = to_qasm3(bound)
    assert "ry(" in qasm_bound
    import cirq

    sym_c, bound_c = to_cirq(symbolic), to_cirq(bound)
    assert cirq.is_parameterized(sym_c) and not cirq.is_parameterized(bound_c)
    json.loads(cirq.to_json(bound_c))
    state = cirq.Simulator().simulate(bound_c).final_state_vector
    # cirq orders qubits big-endian: reverse the bits to compare with the little-endian data
    want = np.array([0.5, -0.5, 0.5, 0.5])[[0, 2, 1, 3]]
    assert abs(np.vdot(state, want)) == pytest.approx(1.0, abs=1e-6)


def test_unexpanded_ops_export_like_their_expansion() -> None:
    from qiskit.quantum_info import Operator

    raw = compile_source(AMP, "a.qglm")  # q.amplitude still in the IR: the backend view expands it
    expanded = compile_with_report(raw, optimization_level=0).module
    x = {"x": np.array([1.0, 2.0, 3.0, -1.0, 0.5, 0.25])}
    from qglm_ir.embedding.binding import bind_qiskit

    a = bind_qiskit(to_qiskit(raw), raw, "k", x)[0]
    b = bind_qiskit(to_qiskit(expanded), expanded, "k", x)[0]
    assert Operator(a).equiv(Operator(b))


def test_report_counts_the_purification_qubits() -> None:
    src = "kernel k(r: f64[4, 4]) {\n    qubit q[2]\n    density(r) q\n}\n"
    res = compile_with_report(compile_source(src, "d.qglm"), optimization_level=1)
    (stats,) = [p["stats"] for p in res.report["passes"] if p["name"] == "expand-embeddings"]
    assert stats["purification_qubits"] == 2 and stats["embeddings"] == 1


def test_density_example_reads_back_the_covariance_diagonal() -> None:
    from qglm_ir.frontends.loader import load_program

    m = load_program(ROOT / "examples" / "density_covariance.qglm")
    rho = np.array([[0.40, 0.10, 0.05, 0.00], [0.10, 0.30, 0.02, 0.04],
                    [0.05, 0.02, 0.20, 0.01], [0.00, 0.04, 0.01, 0.10]])
    z = semantics.expectation_z(_kernel(m, "covariance_state"))
    d = np.diag(rho)
    np.testing.assert_allclose(z[:2], [d[0] - d[1] + d[2] - d[3], d[0] + d[1] - d[2] - d[3]], atol=1e-12)


@pytest.mark.parametrize("simulator", ["aer", "cirq"])
def test_engine_simulators_bind_the_embedding_from_the_data(simulator) -> None:
    pytest.importorskip("qiskit_aer" if simulator == "aer" else "cirq")
    from qglm_ir.engine import run

    src = AMP + "\nmodel m(x: f64[6]) -> f64[3] {\n    return expval(k(x))\n}\n"
    module = compile_source(src, "m.qglm")
    x = np.array([0.3, -1.0, 2.0, 0.0, 0.5, -0.25])
    exact = run(module, {"x": x}, simulator="tn")["out0"]
    got = run(module, {"x": x}, simulator=simulator)["out0"]
    p = np.concatenate([x, [0.0, 0.0]]) ** 2 / np.sum(x**2)
    z = [sum(p[i] * (1 - 2 * ((i >> j) & 1)) for i in range(8)) for j in range(3)]  # by hand
    np.testing.assert_allclose(exact, z, atol=1e-9)
    np.testing.assert_allclose(got, z, atol=1e-6)
