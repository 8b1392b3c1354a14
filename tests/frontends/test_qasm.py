"""OpenQASM 2/3 frontend: version detection, parsing through Qiskit, diagnostics."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from qglm_ir import semantics
from qglm_ir.backends.qasm3 import to_qasm3
from qglm_ir.core.errors import ParseError
from qglm_ir.frontends.qasm import load_qasm, qasm_version
from qglm_ir.verify import verify

QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
u3(0.1, 0.2, 0.3) q[0];
cx q[0], q[1];
rzz(0.5) q[0], q[1];
measure q -> c;
if(c==3) x q[0];
"""

QASM3 = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] theta;
qubit[2] q;
bit[2] c;
ry(theta / 2) q[0];
cx q[0], q[1];
c[0] = measure q[0];
if (c[0]) { x q[1]; }
for int i in [0:2] { rz(0.25 * i) q[1]; }
c[1] = measure q[1];
"""


def test_version_detection():
    assert qasm_version(QASM2) == 2
    assert qasm_version("// header\nOPENQASM 3;\nqubit q;") == 3
    assert qasm_version("qubit q;") == 3
    with pytest.raises(ParseError, match="version"):
        qasm_version("OPENQASM 4.0;")


def test_qasm2_file_imports_with_register_condition():
    m = load_qasm(QASM2, "bell.qasm")
    verify(m)
    k = next(op for op in m.body if op.name == "q.kernel")
    assert k.properties["sym_name"] == "bell"
    dist = semantics.outcome_distribution(m, record="returns")
    assert sum(dist.values()) == pytest.approx(1.0)
    assert any(op.name == "scf.if" for op in m.walk())


def test_qasm3_with_inputs_and_control_flow_round_trips():
    m = load_qasm(QASM3, "prog.qasm")
    verify(m)
    dist = semantics.outcome_distribution(m, inputs={"theta": 1.2}, record="returns")
    p1 = np.sin(0.3) ** 2  # ry(theta / 2) with theta = 1.2
    assert dist == pytest.approx({(0, 0): 1 - p1, (1, 0): p1})  # the feed-forward X undoes q1
    text = to_qasm3(m)
    m2 = load_qasm(text)
    assert semantics.outcome_distribution(m2, inputs={"theta": 1.2}, record="returns") == pytest.approx(dist)


def test_unitary_matches_qiskit_operator():
    import qiskit.qasm3

    src = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[3] q;\nh q[0];\ncp(0.3) q[0], q[2];\nccx q[2], q[0], q[1];\n'
    assert np.allclose(semantics.unitary(load_qasm(src)), Operator(qiskit.qasm3.loads(src)).data)


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\nfoo q[0];\n", 4, 1),
        ("OPENQASM 3.0;\nqubit[1] q;\nfoo q[0];\n", 3, 1),
    ],
)
def test_parse_errors_carry_locations(text, line, col):
    with pytest.raises(ParseError) as e:
        load_qasm(text, "bad.qasm")
    assert (e.value.loc.line, e.value.loc.col) == (line, col)
    rendered = e.value.render()
    assert rendered.startswith(f"bad.qasm:{line}:{col}: error:") and "foo q[0];" in rendered
