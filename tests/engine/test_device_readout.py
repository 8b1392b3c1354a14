"""A program compiled to a device returns what the source returns (readout contract + layouts).

Before the fix, stats ops read every physical qubit in physical order: an
``f64[2]`` result came back with 5 entries on ``line:5``, ``probs`` with 32
entries instead of 4, and the text classifier died on ``heavy-hex:3``.
"""

from __future__ import annotations

import numpy as np
import pytest

import qglm_ir
from qglm_ir.backends.cfg import select_entry
from qglm_ir.engine import run
from qglm_ir.frontends.loader import load_program
from qglm_ir.host_validation import _random_arguments
from qglm_ir.verify import verify

EXAMPLES = ["text_classifier", "peft_classifier", "prompt_encoder", "teleport", "fallback"]


@pytest.mark.parametrize("device", ["line:8", "heavy-hex:3", "qiskit:fake_sherbrooke"])
@pytest.mark.parametrize("example", EXAMPLES)
def test_compiled_host_outputs_equal_the_source(example: str, device: str) -> None:
    src = load_program(f"examples/{example}.qglm")
    entry = select_entry(src, None)
    inputs = _random_arguments(src, entry, 11)
    want = run(src, inputs, shots=None)
    compiled = qglm_ir.compile(src, device=device, optimization_level=3, seed=3)
    verify(compiled)  # the stats ops' result types fit the program's width
    got = run(compiled, inputs, shots=None)
    assert set(got) == set(want)
    for key in want:
        assert np.asarray(got[key]).shape == np.asarray(want[key]).shape
        assert np.allclose(got[key], want[key], atol=1e-9, rtol=0)


def test_probs_keep_the_program_width_and_order(tmp_path) -> None:
    """A 2-qubit program whose qubits differ (|10>): probs has 4 entries in program order."""
    src = tmp_path / "p.qasm"
    src.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nx q[1];\nry(0.5) q[0];\n')
    module = load_program(str(src))
    want = run(module, {}, shots=None)["out0"]  # kernel-only module: counts over the readout
    for device in ("line:5", "heavy-hex:3"):
        compiled = qglm_ir.compile(module, device=device, optimization_level=2, seed=1)
        got = run(compiled, {}, shots=None)["out0"]
        assert got.shape == want.shape == (4,)
        assert np.array_equal(got, want)
