"""``qglmc train`` and ``-P params.npz`` (issue 17): train, bind into artifacts, run; bad data files.

Oracle for the bound program: the PEFT example's own numpy statevector teacher
(``examples/peft/make_data.py``), which qglm did not compute.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qglm_ir.cli import main

ROOT = Path(__file__).resolve().parents[2]
PEFT = ROOT / "examples" / "peft_classifier.qglm"
DATA = ROOT / "examples" / "peft"


def qglmc(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _teacher():
    spec = importlib.util.spec_from_file_location("peft_make_data", DATA / "make_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _train4(tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    out = tmp_path / "adapter.npz"
    code, _, err = qglmc("train", PEFT, "-D", "n_qubits=4", "--data", DATA / "data4.npz",
                         "-P", DATA / "backbone4.npz", "--epochs", "12", "--lr", "0.3", "--seed", "1", "-o", out, *extra)
    return code, err, out


def test_train_writes_trainable_values_only_and_the_loss_falls(tmp_path):
    code, err, out = _train4(tmp_path)
    assert code == 0, err
    with np.load(out) as f:
        assert f.files == ["adapter"] and f["adapter"].shape == (4,)
    start = float(err.split("start: loss ")[1].split(",")[0])
    trained = float(err.split("trained: loss ")[1].split(" ")[0])
    assert trained < 0.5 * start, err
    assert "test: loss" in err and "accuracy" in err


def test_train_is_deterministic_across_processes(tmp_path):
    outs = []
    for k, hashseed in enumerate(("1", "77")):
        out = tmp_path / f"a{k}.npz"
        subprocess.run([sys.executable, "-m", "qglm_ir.cli", "train", str(PEFT), "-D", "n_qubits=4",
                        "--data", str(DATA / "data4.npz"), "-P", str(DATA / "backbone4.npz"), "--epochs", "2",
                        "--seed", "3", "-q", "-o", str(out)],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hashseed})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_compile_with_trained_params_binds_them_and_run_matches_the_numpy_teacher(tmp_path):
    md = _teacher()
    adapter = np.array([0.3, -1.1, 2.0, 0.7])
    np.savez(tmp_path / "adapter.npz", adapter=adapter)
    outdir = tmp_path / "build"
    code, _, err = qglmc("compile", PEFT, "-D", "n_qubits=4", "-P", DATA / "backbone4.npz",
                         "-P", tmp_path / "adapter.npz", "--device", "ring:4", "--target", "all", "-o", outdir, "-q")
    assert code == 0, err
    cfg = json.loads((outdir / "peft_classifier.cfg.json").read_text())
    assert cfg["params"] == {}  # every parameter bound: nothing symbolic is left
    qasm = (outdir / "peft_classifier.qasm3").read_text()
    assert "adapter" not in qasm and "input float" not in qasm.replace("input float[64] x", "")
    w = {k: np.asarray(v, dtype=np.float64) for k, v in np.load(DATA / "backbone4.npz").items()}
    x = np.load(DATA / "data4.npz")["test_embedding"][:2].astype(np.float64)
    np.save(tmp_path / "x.npy", x[0])
    code, out, err = qglmc("run", PEFT, "-D", "n_qubits=4", "-P", DATA / "backbone4.npz", "-P",
                           tmp_path / "adapter.npz", "--device", "ring:4", "--exact",
                           "--input", f"embedding={tmp_path / 'x.npy'}", "-q")
    assert code == 0, err
    got = np.array(json.loads(out)["out0"])
    np.testing.assert_allclose(got, md.teacher_probs(x[:1], w, adapter)[0], atol=1e-9)


def test_frozen_values_do_not_appear_in_the_artifacts_while_trainable_ones_stay_symbolic(tmp_path):
    outdir = tmp_path / "build"
    code, _, err = qglmc("compile", PEFT, "-D", "n_qubits=4", "-P", DATA / "backbone4.npz", "--target", "all",
                         "-o", outdir, "-q")
    assert code == 0, err
    cfg = json.loads((outdir / "peft_classifier.cfg.json").read_text())
    assert list(cfg["params"]) == ["adapter"]
    assert "encoder" not in (outdir / "peft_classifier.qasm3").read_text()


@pytest.mark.parametrize(("arrays", "message"), [
    ({"labels": np.zeros(3, dtype=np.int64)}, "missing array 'embedding' for input 'embedding'"),
    ({"embedding": np.zeros((3, 5)), "labels": np.zeros(3, dtype=np.int64)}, "'embedding' must hold (N, 768)"),
    ({"embedding": np.zeros((3, 768))}, "missing 'labels'"),
    ({"embedding": np.zeros((3, 768)), "labels": np.zeros(4, dtype=np.int64)}, "one row per sample (3)"),
    ({"embedding": np.zeros((3, 768)), "labels": np.array([0, 1, 2])}, "holds class 2, but the output"),
])
def test_bad_data_files_are_clean_errors_naming_the_file(tmp_path, arrays, message):
    data = tmp_path / "bad.npz"
    np.savez(data, **arrays)
    code, _, err = qglmc("train", PEFT, "-D", "n_qubits=4", "--data", data, "-P", DATA / "backbone4.npz",
                         "-o", tmp_path / "p.npz")
    assert code == 1, err
    assert err.startswith(f"{data}: error: ") and message in err, err
    assert "Traceback" not in err and not (tmp_path / "p.npz").exists()


def test_bad_params_file_is_a_clean_error(tmp_path):
    np.savez(tmp_path / "p.npz", adapter=np.zeros(5))
    code, _, err = qglmc("compile", PEFT, "-D", "n_qubits=4", "-P", tmp_path / "p.npz")
    assert code == 1 and "'adapter' has shape (5,), the parameter is tensor<4xf64>" in err, err
    np.savez(tmp_path / "q.npz", nope=np.zeros(2))
    code, _, err = qglmc("compile", PEFT, "-P", tmp_path / "q.npz")
    assert code == 1 and "holds 'nope', which is not a parameter" in err, err
    code, _, err = qglmc("compile", PEFT, "-P", tmp_path / "missing.npz")
    assert code == 1 and "does not exist" in err, err


def test_noise_from_an_uncalibrated_device_is_refused(tmp_path):
    code, err, _ = _train4(tmp_path, "--noise", "ring:4")
    assert code == 2 and "has no calibrated noise" in err, err
