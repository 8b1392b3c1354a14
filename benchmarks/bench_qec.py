"""QEC benchmark: predicted vs simulated gains of the calibration-driven protections.

Run: ``.venv/bin/python benchmarks/bench_qec.py`` (needs qiskit-ibm-runtime for
fake_sherbrooke; qiskit-aer and stim for the sampled cross-checks).

1. fake_sherbrooke, single-qubit readout of the worst-readout qubits: the
   ``qec`` policy's choice, the predicted and the exactly simulated (density
   matrix, same calibration noise) logical readout error; for qubit 102 also
   an Aer run of the same protected circuit (sampled).
2. Memory experiment (|+>, idle, measure) on a toy device with quasi-static
   detuning vs purely Markovian noise: error without idle / with idle / with DD.
3. Bit-flip repetition code (post-decoded) through an idle of growing length,
   d=3 and d=5, vs. unprotected, plus the policy's decision.
4. Stim: the noisy d=3 memory sampled at 10^6 shots from the exported circuit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "passes" / "qec"))

from helpers import mapped_readout_kernel, toy_device  # noqa: E402

from qglm_ir.passes.base import PassContext  # noqa: E402
from qglm_ir.passes.qec.dd import DynamicalDecoupling  # noqa: E402
from qglm_ir.passes.qec.noisy_sim import bit_error, simulate  # noqa: E402
from qglm_ir.passes.qec.policy import QecPolicy  # noqa: E402
from qglm_ir.passes.qec.rep_code import RepetitionCode  # noqa: E402
from qglm_ir.targets.noise_model import noise_model_of, to_aer_noise_model, with_noise_extras  # noqa: E402


def mean_error(device, n, q, protect=None, prep1="x", idle=0.0, prep0=None, basis_h=False) -> float:
    model = noise_model_of(device)
    errs = []
    cases = [("h", 0)] if basis_h else [(prep0, 0), (prep1, 1)]
    for prep, bit in cases:
        module, kernel = mapped_readout_kernel(n, q, prep, idle=idle)
        if protect is not None:
            protect(module)
        errs.append(bit_error(simulate(kernel, model), [bit]))
    return sum(errs) / len(errs)


def sherbrooke_readout() -> None:
    from qglm_ir.targets import load_device

    dev = load_device("qiskit:fake_sherbrooke")
    model = noise_model_of(dev)
    print("## fake_sherbrooke: redundant readout chosen by qec{policy=auto}")
    print(f"{'qubit':>5} {'chosen':>18} {'spares':>10} {'err before':>10} {'err after':>10} "
          f"{'pred gain':>10} {'meas gain':>10} {'ratio':>6}")
    worst = sorted(dev.usable_qubits, key=lambda q: -model.qubits[q].readout_error)[:12]
    for q in [102] + [w for w in worst if w != 102]:
        module, _ = mapped_readout_kernel(dev.num_qubits, q, "x")
        ctx = PassContext(device=dev)
        QecPolicy().run(module, ctx)
        e = ctx.report["qec"][0]
        before = mean_error(dev, dev.num_qubits, q)
        after = mean_error(dev, dev.num_qubits, q, lambda m: QecPolicy().run(m, PassContext(device=dev)))
        meas = before - after
        ratio = e["predicted_gain"] / meas if meas > 0 else float("nan")
        print(f"{q:>5} {e['chosen']:>18} {str(e.get('spares', '-')):>10} {before:>10.4%} {after:>10.4%} "
              f"{e['predicted_gain']:>10.4%} {meas:>10.4%} {ratio:>6.2f}")
    try:
        from qiskit import QuantumCircuit
        from qiskit_aer import AerSimulator
    except ImportError:
        return
    nm = to_aer_noise_model(dev, qubits=[102, 101, 103])
    shots = 200_000
    wrong = 0
    for prep in (0, 1):
        qc = QuantumCircuit(3, 3)
        if prep:
            qc.x(0)
        qc.cx(0, 1)
        qc.cx(0, 2)
        qc.measure([0, 1, 2], [0, 1, 2])
        counts = AerSimulator(noise_model=nm).run(qc, shots=shots, seed_simulator=11).result().get_counts()
        wrong += sum(c for k, c in counts.items() if (k.count("1") >= 2) != bool(prep))
    print(f"Aer (sampled, gate+readout noise, {2 * shots} shots) majority error on 102 with [101, 103]: "
          f"{wrong / (2 * shots):.4%}")


def memory_dd() -> None:
    print("\n## memory experiment |+> -> idle 10 us -> measure: dynamical decoupling")
    print(f"{'device':>28} {'no idle':>8} {'idle':>8} {'idle+DD':>8} {'recovered':>9} {'policy':>8}")
    for label, dev in (("quasi-static detuning 25kHz", with_noise_extras(toy_device(t1=150e-6), {0: 25e3})),
                       ("Markovian T1=60us T2=40us", toy_device(t1=60e-6, t2=40e-6))):
        e0 = mean_error(dev, 5, 0, basis_h=True)
        e1 = mean_error(dev, 5, 0, basis_h=True, idle=10e-6)
        e2 = mean_error(dev, 5, 0, lambda m, d=dev: DynamicalDecoupling().run(m, PassContext(device=d)),
                        basis_h=True, idle=10e-6)
        module, _ = mapped_readout_kernel(5, 0, "h", idle=10e-6)
        ctx = PassContext(device=dev)
        QecPolicy(budget=0).run(module, ctx)
        print(f"{label:>28} {e0:>8.3%} {e1:>8.3%} {e2:>8.3%} {(e1 - e2) / (e1 - e0):>9.2f} "
              f"{ctx.report['qec'][0]['chosen']:>8}")


def rep_code() -> None:
    print("\n## bit-flip repetition code through an idle (T1 = 50 us, cx error 0.2%), post-decoded")
    print(f"{'idle us':>7} {'none':>8} {'d=3':>8} {'d=5':>8} {'policy':>26}")
    dev = toy_device()
    for idle in (1e-6, 2e-6, 5e-6, 10e-6):
        e = [mean_error(dev, 5, 0, idle=idle)]
        for d in (3, 5):
            e.append(mean_error(dev, 5, 0, lambda m, d=d: RepetitionCode(distance=d).run(m, PassContext(device=dev)),
                                idle=idle))
        module, _ = mapped_readout_kernel(5, 0, "x", idle=idle)
        ctx = PassContext(device=dev)
        QecPolicy().run(module, ctx)
        print(f"{idle * 1e6:>7.0f} {e[0]:>8.3%} {e[1]:>8.3%} {e[2]:>8.3%} {ctx.report['qec'][0]['chosen']:>26}")
    bad = toy_device(cx=0.08)
    module, _ = mapped_readout_kernel(5, 0, "x", idle=5e-6)
    ctx = PassContext(device=bad)
    QecPolicy().run(module, ctx)
    print(f"cx error 8%, 5 us: none {mean_error(bad, 5, 0, idle=5e-6):.3%}, d=3 "
          f"{mean_error(bad, 5, 0, lambda m: RepetitionCode().run(m, PassContext(device=bad)), idle=5e-6):.3%}, "
          f"policy: {ctx.report['qec'][0]['chosen']}")


def stim_sampling() -> None:
    try:
        import stim
    except ImportError:
        return
    from qglm_ir.passes.qec.stim_export import to_stim

    dev = toy_device()
    module, kernel = mapped_readout_kernel(5, 0, "x", idle=5e-6)
    RepetitionCode(decoding="feed-forward").run(module, PassContext(device=dev))
    circuit = stim.Circuit(to_stim(kernel, noise_model_of(dev)))
    t0 = time.perf_counter()
    det, obs = circuit.compile_detector_sampler(seed=3).sample(1_000_000, separate_observables=True)
    # d=3 lookup decoder: flip the observable when both syndromes fire
    flip = det[:, 0] & det[:, 1]
    err = float((obs[:, 0] ^ flip).mean())
    print(f"\n## Stim: d=3 memory (feed-forward form, Pauli-twirled noise), 10^6 shots in "
          f"{time.perf_counter() - t0:.2f} s: logical error {err:.3%}, detection rate {det.any(axis=1).mean():.3%}")


if __name__ == "__main__":
    t = time.perf_counter()
    sherbrooke_readout()
    memory_dd()
    rep_code()
    stim_sampling()
    print(f"\ntotal {time.perf_counter() - t:.1f} s")
