"""Drive ``qglmc`` from the user's side: in-process ``qglm_ir.cli.main`` or a real subprocess.

Nothing here calls qglm's library API: programs go in as files, artifacts come
out as files, exactly as a user would see them.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from qglm_ir.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CFG_SCHEMA = REPO / "qglm_ir" / "backends" / "cfg_schema.json"

#: target -> file suffix written by ``--target all``
SUFFIX = {"ir": ".qglmir", "qiskit": ".qpy", "cirq": ".cirq.json", "qasm3": ".qasm3", "qasm2": ".qasm2", "cfg": ".cfg.json"}


@dataclass
class CliResult:
    rc: int
    stdout: str
    stderr: str


def qglmc(argv: list[str]) -> CliResult:
    """``qglmc ARGV`` in this process (``qglm_ir.cli.main``), capturing stdout/stderr."""
    out, err = io.StringIO(), io.StringIO()
    rc = main([str(a) for a in argv], stdout=out, stderr=err)
    return CliResult(rc, out.getvalue(), err.getvalue())


def qglmc_subprocess(argv: list[str], timeout: float = 300) -> CliResult:
    """``python -m qglm_ir.cli ARGV`` in a fresh process importing *this* tree's ``qglm_ir``."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", *[str(a) for a in argv]],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    return CliResult(p.returncode, p.stdout, p.stderr)


def device_spec(device: str | None, n_qubits: int) -> str | None:
    """``"line"`` means a line two qubits wider than the program (so it has ancillas)."""
    if device == "line":
        return f"line:{n_qubits + 2}"
    return device


def device_label(device: str | None) -> str:
    return {None: "nodev", "line": "line", "heavy-hex:3": "hh3", "qiskit:fake_sherbrooke": "sherbrooke"}.get(
        device, str(device)
    )


@dataclass
class Compiled:
    """The artifacts of one ``qglmc compile INPUT --target all -o OUTDIR``."""

    argv: list[str]
    result: CliResult
    outdir: Path
    stem: str
    report: dict = field(default_factory=dict)

    def path(self, target: str) -> Path:
        return self.outdir / f"{self.stem}{SUFFIX[target]}"

    def has(self, target: str) -> bool:
        return self.path(target).exists()

    def skipped_reason(self, target: str) -> str | None:
        """The report's warning for a target ``--target all`` skipped, if any."""
        for w in self.report.get("warnings", []):
            if w.startswith(f"target {target}:"):
                return w
        return None

    def command(self) -> str:
        """The command line, with paths relative to the directory holding the input and outputs."""
        root = str(self.outdir.parent) + "/"
        return "qglmc " + " ".join(a.replace(root, "") for a in self.argv)

    def ir_layout(self, kernel: str | None = None) -> tuple[list[int], list[int]] | None:
        """``(initial_layout, final_layout)`` kernel properties read from the emitted ``.qglmir`` text."""
        text = self.path("ir").read_text()
        init = re.search(r"initial_layout = \[([0-9, ]*)\]", text)
        fin = re.search(r"final_layout = \[([0-9, ]*)\]", text)
        if init is None:
            return None
        parse = lambda m: [int(x) for x in m.group(1).split(",") if x.strip()]  # noqa: E731
        return parse(init), parse(fin) if fin else parse(init)


def compile_all(
    src: Path, outdir: Path, level: int, device: str | None = None, seed: int = 0, extra: tuple[str, ...] = ()
) -> Compiled:
    """Compile ``src`` with ``--target all`` into ``outdir`` (in-process)."""
    argv = ["-q", "compile", str(src), "--target", "all", "-o", str(outdir), "-O", str(level), "--seed", str(seed)]
    if device:
        argv += ["--device", device]
    argv += list(extra)
    res = qglmc(argv)
    report = {}
    rp = outdir / "report.json"
    if res.rc == 0 and rp.exists():
        report = json.loads(rp.read_text())
    return Compiled(argv, res, outdir, src.stem, report)
