"""The ``qglmc`` process exit (qglm_ir.cli_exit.exit_now): no interpreter teardown, but
everything a user sees of a normal exit (exit code, atexit handlers, flushed pipes, joined threads)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0], q[1];
measure q -> c;
"""


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=ENV,
                          capture_output=True, text=True, timeout=300)


def test_exit_now_runs_atexit_flushes_and_skips_teardown(tmp_path: Path) -> None:
    # `Witness.__del__` runs when the interpreter clears __main__ at teardown; exit_now skips
    # that teardown, so the file must not appear. sys.exit (the old exit) writes it.
    proc = _python("""
        import atexit, sys
        from qglm_ir.cli_exit import exit_now

        class Witness:
            def __del__(self):
                open("teardown-ran", "w").close()

        witness = Witness()
        atexit.register(lambda: print("atexit handler ran"))
        print("buffered before exit")  # stdout is a pipe: block buffered
        sys.stderr.write("to stderr\\n")
        exit_now(3)
    """, tmp_path)
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == ["buffered before exit", "atexit handler ran"]
    assert proc.stderr == "to stderr\n"
    assert not (tmp_path / "teardown-ran").exists()


def test_exit_now_joins_a_live_non_daemon_thread(tmp_path: Path) -> None:
    proc = _python("""
        import threading, time
        from qglm_ir.cli_exit import exit_now

        def late():
            time.sleep(0.3)
            print("thread finished", flush=True)

        threading.Thread(target=late).start()
        exit_now(0)
    """, tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == "thread finished\n"


def test_qglmc_process_output_equals_in_process_main(tmp_path: Path) -> None:
    from qglm_ir.cli import main

    src = tmp_path / "bell.qasm"
    src.write_text(QASM)
    proc = subprocess.run([sys.executable, "-m", "qglm_ir.cli", "compile", str(src), "--target", "ir",
                           "--device", "heavy-hex:3"], cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=300)
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(["compile", str(src), "--target", "ir", "--device", "heavy-hex:3"], stdout=out, stderr=err)
    assert (proc.returncode, code) == (0, 0)
    assert proc.stdout == out.getvalue() and proc.stdout.strip()
    bad = tmp_path / "bad.qasm"
    bad.write_text("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n")
    proc = subprocess.run([sys.executable, "-m", "qglm_ir.cli", "compile", str(bad)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "bad.qasm:3:1: error" in proc.stderr and "Traceback" not in proc.stderr
