"""Golden pass cases: discovery, header parsing, and running ``qglmc opt`` (see README.md)."""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from qglm_ir.cli import main

GOLDEN = Path(__file__).resolve().parent
SUFFIX = ".qglmir"
EXPECTED = ".expected.qglmir"


@dataclass(frozen=True)
class Case:
    """One ``<pass>/<case>.qglmir`` file with its header lines."""

    path: Path
    args: tuple[str, ...]  # the RUN line's arguments to `qglmc opt`, %S substituted
    xfail: str | None  # reason of a known-to-change case, or None

    @property
    def pass_dir(self) -> str:
        return self.path.parent.name

    @property
    def expected(self) -> Path:
        return self.path.with_name(self.path.name[: -len(SUFFIX)] + EXPECTED)

    @property
    def id(self) -> str:
        return f"{self.pass_dir}/{self.path.name[: -len(SUFFIX)]}"


def parse_case(path: Path) -> Case:
    """Read the ``// RUN:`` (exactly one) and ``// XFAIL:`` (optional) header lines."""
    runs: list[str] = []
    xfail = None
    for line in path.read_text().splitlines():
        s = line.strip()
        if s.startswith("// RUN:"):
            runs.append(s[len("// RUN:"):].strip())
        elif s.startswith("// XFAIL:"):
            xfail = s[len("// XFAIL:"):].strip() or "known to change"
    if len(runs) != 1:
        raise ValueError(f"{path}: expected exactly one '// RUN:' line, found {len(runs)}")
    args = tuple(a.replace("%S", str(path.parent)) for a in shlex.split(runs[0]))
    return Case(path, args, xfail)


def cases() -> list[Case]:
    """Every golden case, sorted by pass folder and name."""
    paths = sorted(p for p in GOLDEN.glob(f"*/*{SUFFIX}") if not p.name.endswith(EXPECTED))
    return [parse_case(p) for p in paths]


def run_opt(case: Case) -> tuple[int, str, str]:
    """``qglmc opt CASE ARGS -q`` through :func:`qglm_ir.cli.main`: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["opt", str(case.path), *case.args, "-q"], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


#: A float literal as the IR printer writes it (``format_float``: repr digits, exponent form).
_FLOAT = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")

#: Float tolerance of a golden comparison. Why: resynthesized angles come out of LAPACK
#: (SVD, eigendecompositions), whose last digits differ between CPUs and BLAS builds (measured:
#: drop-near-local/tiny_cp_block's 3.0e-06 angle differs in its 10th digit between two x86-64
#: machines). Everything else in the text, and every float to 1e-9 relative, must match.
FLOAT_RTOL = 1e-9
FLOAT_ATOL = 1e-15


def same_text(out: str, expected: str) -> bool:
    """``out == expected`` up to :data:`FLOAT_RTOL`/:data:`FLOAT_ATOL` in each float literal."""
    if out == expected:
        return True
    if _FLOAT.sub("#", out) != _FLOAT.sub("#", expected):
        return False
    return all(abs(float(a) - float(b)) <= FLOAT_ATOL + FLOAT_RTOL * abs(float(b))
               for a, b in zip(_FLOAT.findall(out), _FLOAT.findall(expected), strict=True))
