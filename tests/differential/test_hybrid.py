"""Hybrid programs: compiled outputs equal the uncompiled program's, and numpy by hand.

For every example with a host model, ``qglmc run --exact`` (exact mode) with
``--device line:10 | heavy-hex:3 | qiskit:fake_sherbrooke`` at ``-O0..3`` must
give the outputs of the same program at ``-O0`` without a device (atol 1e-9).
The ``-O0`` text classifier itself is checked against a numpy reference
computed by hand from the program's own parameter values.
"""

from __future__ import annotations

import numpy as np
import pytest

from ._hybrid import (
    HOST_EXAMPLES,
    make_inputs,
    param_init,
    program_cfg,
    run_exact,
    text_classifier_reference,
)
from ._profile import PROFILE

ATOL = 1e-9
HYBRID_DEVICES = ("line:10", "heavy-hex:3", "qiskit:fake_sherbrooke")


def _label(device: str) -> str:
    return {"line:10": "line10", "heavy-hex:3": "hh3", "qiskit:fake_sherbrooke": "sherbrooke"}[device]


def test_text_classifier_matches_numpy_by_hand(tmp_path):
    """-O0, no device, exact: the engine's classifier equals the numpy reference."""
    cfg = program_cfg("text_classifier", tmp_path)
    flags, values = make_inputs(cfg, tmp_path)
    rc, out, err = run_exact("text_classifier", flags, 0, None)
    assert rc == 0, err
    want = text_classifier_reference(values, param_init(cfg, "ansatz_theta"))
    np.testing.assert_allclose(np.asarray(out["out0"]), want, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    "example,level,device",
    [
        pytest.param(ex, lvl, dev, id=f"{ex}-O{lvl}-{_label(dev)}")
        for ex in HOST_EXAMPLES
        for dev in HYBRID_DEVICES
        for lvl in PROFILE.hybrid_levels
    ],
)
def test_compiled_host_outputs_equal_uncompiled(example, level, device, tmp_path):
    cfg = program_cfg(example, tmp_path)
    flags, _ = make_inputs(cfg, tmp_path)
    rc0, want, err0 = run_exact(example, flags, 0, None)
    assert rc0 == 0, err0
    rc, got, err = run_exact(example, flags, level, device)
    cmd = f"qglmc run examples/{example}.qglm -O {level} --device {device} --exact " + " ".join(
        f"{f.split('=')[0]}={f.split('=')[0]}.npy" if "=" in f else f for f in flags
    )
    assert rc == 0, f"{cmd}\nexited {rc}: {err.strip()[-400:]}"
    assert set(got) == set(want), f"{cmd}\noutputs {sorted(got)} != {sorted(want)}"
    for key in want:
        a, b = np.asarray(got[key], dtype=float), np.asarray(want[key], dtype=float)
        assert a.shape == b.shape, f"{cmd}\n{key}: shape {a.shape} != uncompiled {b.shape}"
        assert np.allclose(a, b, atol=ATOL, rtol=0), f"{cmd}\n{key}: {a.tolist()} != uncompiled {b.tolist()}"
