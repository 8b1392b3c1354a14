"""Structural cold-start checks: what a compile to a built-in device imports (issue 15).

Run in fresh subprocesses; no timing, only ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
creg c[5];
h q[0];
cp(pi/2) q[1],q[0];
cp(pi/4) q[2],q[0];
cx q[0],q[3];
swap q[3],q[4];
ccx q[0],q[1],q[4];
u(0.1,0.2,0.3) q[2];
measure q -> c;
"""

HEAVY = ("qiskit_ibm_runtime", "qiskit_aer", "torch", "dask", "distributed", "sympy")


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_compile_to_builtin_device_imports_nothing_heavy(tmp_path) -> None:
    src = tmp_path / "c.qasm"
    src.write_text(QASM)
    code = (
        "import sys, json\n"
        "from qglm_ir import cli\n"
        f"sys.argv = ['qglmc', 'compile', {str(src)!r}, '--device', 'heavy-hex:3', '-O3', '-q',\n"
        f"            '-o', {str(tmp_path / 'out.qglmir')!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    mods = _modules_after(code)
    assert (tmp_path / "out.qglmir").exists()
    assert "qiskit" in mods  # the OpenQASM parser is Qiskit's: the check sees real imports
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))


def test_import_qglm_ir_stays_light() -> None:
    mods = _modules_after("import sys, json, qglm_ir\nprint(json.dumps(sorted(sys.modules)))")
    tops = {m.split(".")[0] for m in mods}
    assert not tops & {"qiskit", "numba", "scipy", "sympy", "quimb", "cirq", "lark", *HEAVY}


def test_aot_engine_keeps_numba_out_of_a_compile(tmp_path) -> None:
    """With the ahead-of-time SABRE cores built, routing runs without importing numba."""
    import pytest

    from qglm_ir.passes.mapping import aot

    if aot.load() is None:
        pytest.skip("ahead-of-time build unavailable here")
    src = tmp_path / "c.qasm"
    src.write_text(QASM)
    code = (
        "import sys, json\n"
        "from qglm_ir import cli\n"
        f"sys.argv = ['qglmc', 'compile', {str(src)!r}, '--device', 'heavy-hex:3', '-q',\n"
        f"            '-o', {str(tmp_path / 'out.qglmir')!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    mods = _modules_after(code)
    assert "qglm_ir.passes.mapping.engine" in mods
    assert "numba" not in {m.split(".")[0] for m in mods}
