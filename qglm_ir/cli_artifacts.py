"""``qglmc compile --target all``: which files to write, one set per kernel.

Module-level artifacts (textual IR, host CFG) are written once as
``STEM.qglmir`` / ``STEM.cfg.json``. Circuit artifacts (QPY, Cirq JSON,
OpenQASM 3) are written for every kernel: ``STEM.qpy`` etc. when the program
has one kernel, ``STEM.KERNEL.qpy`` etc. when it has several (``--kernel NAME``
restricts the set to that kernel). Every artifact is rendered in memory; those
that fail are reported with their located diagnostic, never downgraded to a
warning, and the caller exits non-zero (see :func:`render_all`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Targets rendered once per kernel; the others are rendered once per module.
KERNEL_TARGETS = ("qiskit", "cirq", "qasm3", "qasm2")


@dataclass
class Failure:
    """An artifact that could not be written, and why."""

    target: str
    kernel: str | None
    path: Path
    error: BaseException


def kernel_names(module: Any) -> list[str]:
    """Names of the module's kernels in program order."""
    from .backends._kernel_view import kernels_of

    return [str(k.properties.get("sym_name")) for k in kernels_of(module)]


def plan(module: Any, outdir: Path, stem: str, kernel: str | None,
         artifacts: dict[str, tuple[str, bool]]) -> list[tuple[str, str | None, Path]]:
    """``(target, kernel or None, path)`` for every artifact of ``--target all``."""
    names = [kernel] if kernel is not None else kernel_names(module)
    several = len(kernel_names(module)) > 1
    out: list[tuple[str, str | None, Path]] = []
    for target, (suffix, _) in artifacts.items():
        if target not in KERNEL_TARGETS:
            out.append((target, None, outdir / f"{stem}{suffix}"))
            continue
        for k in names:
            name = f"{stem}.{k}{suffix}" if several else f"{stem}{suffix}"
            out.append((target, k, outdir / name))
    return out


def render_all(module: Any, outdir: Path, stem: str, kernel: str | None,
               artifacts: dict[str, tuple[str, bool]],
               render: Callable[[str, Any, str | None], str | bytes],
               expected: tuple[type[BaseException], ...]) -> tuple[list[tuple[Path, str | bytes]], list[Failure]]:
    """Render every planned artifact; returns ``(files, failures)``.

    ``render(target, module, kernel)`` produces one artifact; exceptions of the
    ``expected`` types (a backend refusing a construct, a target not installed)
    become :class:`Failure` entries, anything else propagates (a bug).
    """
    files: list[tuple[Path, str | bytes]] = []
    failures: list[Failure] = []
    for target, k, path in plan(module, outdir, stem, kernel, artifacts):
        try:
            files.append((path, render(target, module, k)))
        except expected as exc:
            failures.append(Failure(target, k, path, exc))
    return files, failures


def describe(f: Failure, default_file: str) -> str:
    """The diagnostic printed for a failed artifact: ``FILE:LINE:COL: error: ...`` when located."""
    what = f"--target all: {f.target}" + (f" (kernel @{f.kernel})" if f.kernel else "") + f" -> {f.path.name}"
    render = getattr(f.error, "render", None)
    if callable(render):
        return f"{render(default_file)}\n  note: while writing {what}"
    return f"qglmc: error: {what}: {f.error}"


__all__ = ["KERNEL_TARGETS", "Failure", "describe", "kernel_names", "plan", "render_all"]
