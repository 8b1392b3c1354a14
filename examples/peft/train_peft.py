"""Fine-tune the PEFT classifier end to end: train, train under device noise, compile with the result, run.

    .venv/bin/python examples/peft/train_peft.py [--device heavy-hex:3] [--noise qiskit:fake_sherbrooke]

1. Parameter-efficient fine-tuning of ``examples/peft_classifier.qglm`` (8 qubits):
   the encoder, projection and head are frozen (``backbone.npz``, folded into the
   compiled program), only the 8 adapter angles train, on ``data.npz``.
2. Noise-aware training beside noise-free training, on the 4-qubit variant
   (``-D n_qubits=4``, ``backbone4.npz``/``data4.npz``; density matrices of 8
   qubits are too slow to train on here): both adapters are then evaluated
   under the device's calibrated noise model (``NoiseSpec.from_device``, scaled
   by ``--noise-scale``), with the noise rising over the epochs while training.
3. The trained 8-qubit adapter is bound into the program (``qglmc compile -P``
   does the same), compiled for ``--device`` and run by the engine on the test set.

The same steps from the command line are in the README ("Training").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import qglm_ir  # noqa: E402
from qglm_ir.engine import run_batch  # noqa: E402
from qglm_ir.frontends.loader import load_program  # noqa: E402
from qglm_ir.training.batch_exec import HostBatch, KernelBackend  # noqa: E402
from qglm_ir.training.data import load_dataset  # noqa: E402
from qglm_ir.training.grad import prepare  # noqa: E402
from qglm_ir.training.noise import NoiseSpec  # noqa: E402
from qglm_ir.training.params import bind_values, drop_folded, initial_values, load_npz  # noqa: E402
from qglm_ir.training.train import TrainOptions, evaluate, fit  # noqa: E402

PROGRAM = ROOT / "examples" / "peft_classifier.qglm"


def setup(n_qubits: int, method: str = "adjoint", noise: NoiseSpec | None = None):
    suffix = "" if n_qubits == 8 else str(n_qubits)
    source = load_program(str(PROGRAM), defines=None if n_qubits == 8 else {"n_qubits": str(n_qubits)})
    backbone = load_npz(HERE / f"backbone{suffix}.npz", source)
    module, graph, rest = prepare(source, backbone)
    train, test = load_dataset(HERE / f"data{suffix}.npz", graph)
    host = HostBatch(module, graph, rest, backend=KernelBackend(module, method, noise=noise))
    return source, backbone, host, initial_values(graph.graph["params"], rest), train, test


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="heavy-hex:3")
    ap.add_argument("--noise", default="qiskit:fake_sherbrooke")
    ap.add_argument("--noise-scale", type=float, default=3.0)
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()

    print("1. PEFT fine-tuning, 8 qubits (adjoint gradients)")
    source, backbone, host, start, train, test = setup(8)
    loss0, acc0 = evaluate(host, train, start)
    t0 = time.perf_counter()
    adapter, _ = fit(host, train, start, TrainOptions(epochs=args.epochs, lr=0.1, batch_size=32))
    seconds = time.perf_counter() - t0
    loss1, acc1 = evaluate(host, train, adapter)
    tl, ta = evaluate(host, test, adapter)
    print(f"   loss {loss0:.4f} -> {loss1:.4f} ({loss1 / loss0:.2f}x) in {seconds:.1f} s; "
          f"accuracy {acc0:.3f} -> {acc1:.3f} (train), {ta:.3f} (test, loss {tl:.4f})")

    noise = NoiseSpec.from_device(args.noise, args.noise_scale)
    print(f"2. noise-aware vs noise-free training, 4 qubits, {args.noise} noise x{args.noise_scale}: {noise}")
    results = {}
    for label, method, train_noise in (("noise-free", "adjoint", None), ("noise-aware", "parameter-shift", noise)):
        _, _, h4, s4, tr4, te4 = setup(4, method)
        t0 = time.perf_counter()
        a4, _ = fit(h4, tr4, s4, TrainOptions(epochs=args.epochs, lr=0.3, batch_size=32, noise=train_noise))
        seconds = time.perf_counter() - t0
        clean = evaluate(h4, te4, a4)
        noisy = evaluate(h4, te4, a4, noise=noise)
        results[label] = noisy
        print(f"   {label:<12} trained in {seconds:6.1f} s; test: noise-free loss {clean[0]:.4f} acc {clean[1]:.3f} | "
              f"under noise loss {noisy[0]:.4f} acc {noisy[1]:.3f}")

    print(f"3. compile with the trained adapter for {args.device} and run the test set (exact)")
    bound = source.clone()
    bind_values(bound, {**backbone, **adapter}, frozen_only=False, freeze=True)
    t0 = time.perf_counter()
    module = qglm_ir.compile(bound, device=args.device, optimization_level=2, seed=0)
    drop_folded(module)
    compiled = time.perf_counter() - t0
    outs = run_batch(module, [{"embedding": x} for x in test.inputs["embedding"]], shots=0)
    probs = np.stack([o["out0"] for o in outs])
    acc = float(np.mean(np.argmax(probs, axis=1) == test.labels))
    host.set_params(adapter)
    ref = host.forward([{"embedding": x} for x in test.inputs["embedding"]], wrt=())["out0"]
    print(f"   compiled in {compiled:.1f} s; test accuracy {acc:.3f}; "
          f"|compiled - trained model| <= {np.max(np.abs(probs - ref)):.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
