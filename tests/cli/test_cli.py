"""``qglmc`` end to end: subcommands, exit codes, diagnostics, reports, atomic
writes and determinism. Driven in-process through ``main(argv)``; a few runs go
through a real subprocess to check the console entry point and startup."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from qglm_ir import ModuleBuilder
from qglm_ir.cli import main
from qglm_ir.core.module import Module
from qglm_ir.frontends import loader
from qglm_ir.passes import Pass, PassContext, PassResult, registry

ROOT = Path(__file__).resolve().parents[2]


def _has(module: str, attr: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), attr)
    except ImportError:
        return False


HAS_TEXT = _has("qglm_ir.text", "parse_module") and _has("qglm_ir.text", "print_module")
needs_text = pytest.mark.skipif(not HAS_TEXT, reason="qglm_ir.text (printer/parser) not available yet")


def qglmc(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def bell(name: str = "bell") -> Module:
    mb = ModuleBuilder("demo")
    kb = mb.kernel(name, 2)
    kb.gate("h", 0)
    kb.gate("x", 1)
    kb.gate("x", 1)
    kb.gate("cx", 0, 1)
    half = kb.arith("mul", kb.pi(), 0.5)
    kb.gate("rz", 1, params=[half])
    b0 = kb.measure(0)
    b1 = kb.measure(1)
    kb.finish([b0, b1])
    return mb.module


@pytest.fixture
def fake_ir_frontend(monkeypatch, tmp_path):
    """Make ``.qglmir`` inputs load a builder-made Bell module (independent of the text parser)."""
    real = loader._frontend

    def frontend(ext):
        if ext == ".qglmir":
            return lambda text, filename: bell()
        return real(ext)

    monkeypatch.setattr(loader, "_frontend", frontend)
    p = tmp_path / "bell.qglmir"
    p.write_text("// stands in for a real IR file\n")
    return p


@pytest.fixture
def bell_file(tmp_path):
    if not HAS_TEXT:
        pytest.skip("qglm_ir.text (printer/parser) not available yet")
    from qglm_ir.text import print_module

    p = tmp_path / "bell.qglmir"
    p.write_text(print_module(bell()))
    return p


# ------------------------------------------------------------------ usage (2)
@pytest.mark.parametrize(
    "argv, fragment",
    [
        ([], "usage: qglmc"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["compile"], "the following arguments are required: INPUT"),
        (["compile", "x.qglmir", "-O", "7"], "invalid choice: 7"),
        (["compile", "x.qglmir", "-O", "1", "--passes", "cancel"], "either -O or --passes"),
        (["compile", "x.qglmir", "--target", "all"], "--target all needs -o"),
        (["compile", "x.qglmir", "--target", "qiskit"], "needs -o FILE"),
        (["compile", "x.qglmir", "--target", "pdf"], "invalid choice: 'pdf'"),
        (["compile", "x.qglmir", "--print-ir-after", "cancle"], "did you mean cancel"),
        (["opt", "x.qglmir"], "--passes"),
        (["check", "x.qglm", "-D", "no-equals"], "-D expected NAME=VALUE"),
        (["compile", "x.qglmir", "--seed", "abc"], "invalid int value"),
    ],
)
def test_bad_usage_exits_2(argv, fragment):
    code, out, err = qglmc(*argv)
    assert code == 2, err
    assert fragment in err
    assert "Traceback" not in err and out == ""


def test_help_and_version():
    code, out, _ = qglmc("--help")
    assert code == 0 and "compile" in out and "devices" in out
    code, out, _ = qglmc("compile", "--help")
    assert code == 0 and "--report" in out and "--validate" in out
    code, out, _ = qglmc("--version")
    assert code == 0 and out.startswith("qglmc ")


# -------------------------------------------------------------- bad input (1)
def test_missing_file_and_unknown_extension(tmp_path):
    code, _, err = qglmc("check", str(tmp_path / "nope.qglmir"))
    assert code == 1 and "error: no such file" in err
    (tmp_path / "prog.txt").write_text("x")
    code, _, err = qglmc("compile", str(tmp_path / "prog.txt"))
    assert code == 1 and "cannot tell what kind of program" in err and "help: inputs must end in" in err
    code, _, err = qglmc("compile", str(tmp_path))
    assert code == 1 and "error:" in err
    assert "Traceback" not in err


def test_option_only_for_other_frontends(fake_ir_frontend):
    code, _, err = qglmc("compile", str(fake_ir_frontend), "-D", "N=3")
    assert code == 1 and "-D definitions only apply to .qglm and .py inputs" in err
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--entry", "f")
    assert code == 1 and "--entry only applies to .py inputs" in err


def test_bad_pipeline_shows_a_caret(fake_ir_frontend):
    code, out, err = qglmc("compile", str(fake_ir_frontend), "--passes", "canonicalize,cancle{x=1}", "-q")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "--passes:1:14: error: unknown pass 'cancle'"
    assert lines[1] == "  canonicalize,cancle{x=1}"
    assert lines[2] == "  " + " " * 13 + "^~~~~~"
    assert lines[3].startswith("help: did you mean 'cancel'")


def test_bad_option_value_and_basis(fake_ir_frontend):
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--passes", "canonicalize{fold=maybe}", "-q")
    assert code == 1 and "bad value 'maybe' for option 'fold'" in err and "^~~~~" in err
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--basis", "cx,rz,sqrtx", "-q")
    assert code == 1 and "<basis>:1:7: error: unknown gate 'sqrtx'" in err


def test_device_is_refused_or_loaded(fake_ir_frontend):
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--device", "line:3", "-q")
    if registry.is_available("layout") and registry.is_available("route"):
        assert code in (0, 1)
    else:
        assert code == 1 and "error:" in err and "Traceback" not in err
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--device", "bogus-device:3", "-q")
    assert code == 1 and "error:" in err and "Traceback" not in err


def test_unavailable_target_writes_nothing(fake_ir_frontend, tmp_path, monkeypatch):
    from qglm_ir import cli

    def unavailable(target, module, kernel):
        raise cli.TargetUnavailable(f"target {target} not available yet in this version of qglm")

    monkeypatch.setattr(cli, "render_target", unavailable)
    out_file, report = tmp_path / "out.qasm", tmp_path / "r.json"
    out_file.write_text("previous contents\n")
    code, _, err = qglmc(
        "compile", str(fake_ir_frontend), "--target", "qasm3", "-o", str(out_file), "--report", str(report)
    )
    assert code == 1 and "target qasm3 not available" in err
    assert out_file.read_text() == "previous contents\n" and not report.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_run_devices_and_passes_subcommands(fake_ir_frontend):
    code, out, err = qglmc("passes")
    assert code == 0 and "canonicalize" in out and "route" in out
    code, out, err = qglmc("devices")
    if importlib.util.find_spec("qglm_ir.targets") is not None:
        assert code == 0 and "line:N" in out
    else:
        assert code == 1 and "not available yet" in err
    code, out, err = qglmc("run", str(fake_ir_frontend), "--shots", "10")
    if not _has("qglm_ir.engine", "run"):
        assert code == 1 and "qglmc run is not available yet" in err


# --------------------------------------------------------- internal errors (3)
@dataclass(frozen=True)
class Explode(Pass):
    name: ClassVar[str] = "test-explode"

    def run(self, module, ctx: PassContext) -> PassResult:
        raise RuntimeError("kaboom")


@pytest.fixture
def explode():
    registry.register_pass(Explode)
    yield
    registry.unregister_pass("test-explode")


def test_internal_error_exit_3_without_traceback(fake_ir_frontend, explode, tmp_path):
    out_file = tmp_path / "out.qglmir"
    code, _, err = qglmc("compile", str(fake_ir_frontend), "--passes", "test-explode", "-o", str(out_file))
    assert code == 3
    assert "internal error: pass 'test-explode' crashed: RuntimeError: kaboom" in err
    assert "please report it" in err and "Traceback" not in err
    assert not out_file.exists()
    code, _, err = qglmc("--debug", "compile", str(fake_ir_frontend), "--passes", "test-explode")
    assert code == 3 and "Traceback" in err and "kaboom" in err


# ------------------------------------------------------ with the text format
@needs_text
def test_check_ok_and_diagnostics(bell_file, tmp_path):
    code, out, err = qglmc("check", str(bell_file))
    assert code == 0 and out == "" and err == ""  # silent on success, like -fsyntax-only
    bad = tmp_path / "bad.qglmir"
    bad.write_text(bell_file.read_text().replace("q.cx", "q.cxx", 1))
    code, _, err = qglmc("check", str(bad))
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith(f"{bad}:") and ": error: " in first
    assert "^" in err and "Traceback" not in err


@needs_text
def test_compile_ir_to_stdout_and_file(bell_file, tmp_path):
    from qglm_ir.text import parse_module

    code, out, err = qglmc("compile", str(bell_file), "-O", "0")
    assert code == 0
    m = parse_module(out)
    assert sum(1 for o in m.walk() if o.name == "arith.pi") == 0  # folded by canonicalize
    assert "gates" in err and "2q gates" in err  # human summary
    target = tmp_path / "sub" / "out.qglmir"
    code, out, err = qglmc("compile", str(bell_file), "-o", str(target), "-q")
    assert code == 0 and out == "" and err == "" and parse_module(target.read_text())


@needs_text
def test_report_fields(bell_file, tmp_path):
    rep = tmp_path / "report.json"
    code, _, _ = qglmc("compile", str(bell_file), "--report", str(rep), "--seed", "5", "-q", "-o", str(tmp_path / "o"))
    assert code == 0
    r = json.loads(rep.read_text())
    for key in ("input", "device", "seed", "passes", "before", "after", "layout", "seconds", "validated"):
        assert key in r
    assert r["input"] == str(bell_file) and r["seed"] == 5 and r["device"] is None
    assert set(r["before"]) == {"qubits", "gates", "twoq", "depth"}
    assert set(r["after"]) == {"qubits", "gates", "twoq", "depth", "esp"}
    assert r["before"]["gates"] == 5 and r["before"]["twoq"] == 1
    assert all(set(p) >= {"name", "seconds", "changed", "stats"} for p in r["passes"])
    assert [p["name"] for p in r["passes"][:3]] == ["inline", "expand-embeddings", "canonicalize"]
    assert r["validated"] is None and r["layout"] is None


@needs_text
def test_validate_and_verify_each(bell_file, tmp_path):
    rep = tmp_path / "report.json"
    code, _, err = qglmc(
        "compile", str(bell_file), "--validate", "--verify-each", "--report", str(rep), "-q", "-o", str(tmp_path / "o")
    )
    if not _has("qglm_ir.semantics", "equivalent"):
        assert code == 1 and "semantics" in err
        return
    assert code == 0, err
    assert json.loads(rep.read_text())["validated"] in (True, False)


@needs_text
def test_print_ir_after(bell_file):
    code, out, err = qglmc("compile", str(bell_file), "-O", "0", "--print-ir-after-all", "-q")
    assert code == 0 and "// -----// IR Dump After canonicalize //----- //" in err
    code, out, err = qglmc("opt", str(bell_file), "--passes", "canonicalize", "--print-ir-after", "canonicalize")
    assert code == 0 and err.count("IR Dump After canonicalize") == 1


@needs_text
def test_opt(bell_file, tmp_path):
    from qglm_ir.text import parse_module

    code, out, err = qglmc("opt", str(bell_file), "--passes", "canonicalize{dce=false}")
    assert code == 0 and parse_module(out)
    outf = tmp_path / "opt.qglmir"
    code, out, _ = qglmc("opt", str(bell_file), "--passes", "canonicalize", "-o", str(outf))
    assert code == 0 and out == "" and outf.exists()
    qasm = tmp_path / "x.qasm"
    qasm.write_text("OPENQASM 2.0;")
    code, _, err = qglmc("opt", str(qasm), "--passes", "canonicalize")
    assert code == 1 and "reads textual IR" in err


@needs_text
def test_target_all_and_determinism(bell_file, tmp_path):
    runs = []
    for i in range(2):
        d = tmp_path / f"run{i}"
        code, _, err = qglmc("compile", str(bell_file), "--target", "all", "-o", str(d), "--seed", "3", "-q")
        assert code == 0, err
        runs.append(d)
    names = sorted(p.name for p in runs[0].iterdir())
    assert "report.json" in names and "bell.qglmir" in names
    for name in names:
        if name == "report.json":
            continue  # holds wall times
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
    report = json.loads((runs[0] / "report.json").read_text())
    written = {n for n in names if n != "report.json"}
    from qglm_ir.cli import ALL_TARGETS, ARTIFACTS

    for target in ALL_TARGETS:
        suffix = ARTIFACTS[target][0]
        if f"bell{suffix}" not in written:
            assert any(f"target {target}" in w for w in report["warnings"]), target


@needs_text
@pytest.mark.parametrize("target", ["ir", "qiskit", "cirq", "qasm3", "qasm2", "cfg"])
def test_each_target_is_deterministic_or_unavailable(bell_file, tmp_path, target):
    outs = []
    for i in range(2):
        o = tmp_path / f"out{i}"
        code, _, err = qglmc("compile", str(bell_file), "--target", target, "-o", str(o), "--seed", "1", "-q")
        if code == 1 and "not available" in err:
            pytest.skip(f"target {target} not available yet")
        assert code == 0, err
        outs.append(o.read_bytes())
    assert outs[0] == outs[1]


# ---------------------------------------------------------------- subprocess
def _subprocess(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", *argv], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_subprocess_help_and_usage_error(tmp_path):
    r = _subprocess("--help", cwd=ROOT)
    assert r.returncode == 0 and "qglmc" in r.stdout
    r = _subprocess("compile", cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from qglm_ir.cli import main; main(['--help']);"
        "heavy = [m for m in ('qiskit', 'cirq', 'quimb', 'rich', 'cotengra') if m in sys.modules];"
        "print('HEAVY', heavy)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr


@needs_text
def test_subprocess_compile(bell_file, tmp_path):
    r = _subprocess("compile", str(bell_file), "-o", str(tmp_path / "o.qglmir"), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and (tmp_path / "o.qglmir").exists()
