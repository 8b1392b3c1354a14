"""qglm_ir.torch.QglmModule: gradcheck (float64), an ordinary torch training step, import hygiene."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

SMALL = """
layer enc = dense(3, 2, activation=tanh)
layer head = dense(2, 2)
param theta: f64[2] trainable = zeros()

kernel k(x: f64[2]) {
    qubit q[2]
    ry(x[0]) q[0]
    ry(x[1]) q[1]
    cx q[0], q[1]
    rx(theta[0]) q[0]
    ry(theta[1]) q[1]
}

model m(v: f64[3]) -> f64[2] {
    let z = expval(k(angle(enc(v))), shots=100)
    return softmax(head(z))
}
"""


@pytest.fixture(scope="module", params=["adjoint", "parameter-shift"])
def small(request, tmp_path_factory):
    from qglm_ir.torch import QglmModule

    path = tmp_path_factory.mktemp("torch") / "small.qglm"
    path.write_text(SMALL)
    return QglmModule(path, method=request.param, seed=3)


def test_trainable_parameters_become_nn_parameters(small):
    names = dict(small.named_parameters())
    assert sorted(names) == ["enc_b", "enc_w", "head_b", "head_w", "theta"]
    assert all(p.dtype == torch.float64 for p in names.values())


def test_gradcheck_parameters_and_inputs(small):
    x = torch.randn(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    names = small.param_names
    start = [getattr(small, n).detach().clone().requires_grad_() for n in names]
    with torch.no_grad():
        start[names.index("enc_b")].add_(0.3)  # away from the zero init: a generic point

    def f(x, *ps):
        return small.call({"v": x}, dict(zip(names, ps)))

    assert torch.autograd.gradcheck(f, (x, *start), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_ordinary_torch_training_loop_lowers_the_loss(method):
    from qglm_ir.torch import QglmModule

    qm = QglmModule(EXAMPLES / "peft_classifier.qglm", _peft_frozen(), method=method, seed=0)
    assert [n for n, _ in qm.named_parameters()] == ["adapter"]
    g = torch.Generator().manual_seed(1)
    x = torch.randn(16, 768, dtype=torch.float64, generator=g)
    with torch.no_grad():
        y = qm(x).argmax(dim=1)  # labels the starting point gets right...
    y = 1 - y  # ...flipped, so the loss starts high
    opt = torch.optim.Adam(qm.parameters(), lr=0.2)
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = torch.nn.functional.nll_loss(torch.log(qm(x)), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


def _peft_frozen() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(12)
    return {"encoder_w": rng.normal(size=(128, 768)) * 0.05, "encoder_b": rng.normal(size=128) * 0.1,
            "project_w": rng.normal(size=(8, 128)) * 0.3, "project_b": np.zeros(8),
            "head_w": rng.normal(size=(2, 8)) * 3, "head_b": np.zeros(2)}


def test_import_qglm_ir_does_not_import_torch():
    code = "import sys, qglm_ir; qglm_ir.grad; qglm_ir.compile; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT)})
