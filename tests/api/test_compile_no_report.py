"""``qglm_ir.compile`` returns the module without building the report (metrics, ESP), which
costs as much as a fast pass on large kernels; ``compile_with_report`` builds it."""

from __future__ import annotations

import pytest

import qglm_ir
from qglm_ir import api
from qglm_ir.text.printer import print_module

SOURCE = """
qreg q[3];
creg c[3];
h q[0];
cx q[0], q[1];
cx q[1], q[2];
rz(0.3) q[2];
measure q -> c;
"""


def _program(tmp_path):
    p = tmp_path / "ghz.qasm"
    p.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\n' + SOURCE)
    return p


def test_compile_skips_report_work_and_gives_the_reported_module(tmp_path, monkeypatch) -> None:
    program = _program(tmp_path)
    reported = api.compile_with_report(program, device="heavy-hex:3", optimization_level=3, seed=1)
    assert reported.report["before"] and reported.report["after"]

    def forbidden(*_args, **_kwargs):
        raise AssertionError("compile() built report metrics")

    monkeypatch.setattr(api, "module_metrics", forbidden)
    monkeypatch.setattr(api, "_device_esp", forbidden)
    module = qglm_ir.compile(program, device="heavy-hex:3", optimization_level=3, seed=1)
    assert print_module(module) == print_module(reported.module)
    with pytest.raises(AssertionError, match="report metrics"):
        api.compile_with_report(program, device="heavy-hex:3", optimization_level=3, seed=1)
