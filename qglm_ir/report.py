"""The compile report: a JSON document and a human summary.

JSON fields (scripts rely on them; see ``qglmc compile --report``):

``input``      the input path (or ``null`` for an in-memory program)
``device``     the device spec string (or ``null``)
``basis``      the target gate names (or ``null``)
``seed``       the seed used for every random choice
``optimization_level`` and ``pipeline`` (the pipeline text that ran)
``passes``     ``[{name, seconds, changed, stats}]`` in run order (``notes`` when any)
``before``/``after``  ``{qubits, gates, twoq, depth}``; ``after`` also ``esp``
               (estimated success probability, ``null`` without a calibrated device)
``kernels``    per-kernel ``before``/``after`` metrics
``layout``     ``{initial, final}``: physical qubit of each program qubit
               (``null`` when the program was not mapped)
``seconds``    total compile wall time
``validated``  ``true``/``false``/``null`` (see :class:`~qglm_ir.passes.manager.PipelineResult`)
``warnings``   skipped preset passes, validation notes, backend notes
"""

from __future__ import annotations

import json
from typing import IO, Any

from .metrics import KernelMetrics, summary

REPORT_VERSION = 1


def build_report(
    *,
    input: str | None,
    device: str | None,
    basis: tuple[str, ...] | None,
    seed: int,
    optimization_level: int | None,
    pipeline: str,
    records: list[dict[str, Any]],
    before: dict[str, KernelMetrics],
    after: dict[str, KernelMetrics],
    esp: float | None,
    layout: dict[str, Any] | None,
    seconds: float,
    validated: bool | None,
    warnings: list[str],
) -> dict[str, Any]:
    """Assemble the report dict (JSON-serialisable)."""
    after_summary: dict[str, Any] = summary(after)
    after_summary["esp"] = esp
    return {
        "version": REPORT_VERSION,
        "input": input,
        "device": device,
        "basis": list(basis) if basis is not None else None,
        "seed": seed,
        "optimization_level": optimization_level,
        "pipeline": pipeline,
        "passes": records,
        "before": summary(before),
        "after": after_summary,
        "kernels": {
            name: {
                "before": before[name].as_dict() if name in before else None,
                "after": after[name].as_dict() if name in after else None,
            }
            for name in sorted(set(before) | set(after))
        },
        "layout": layout,
        "seconds": seconds,
        "validated": validated,
        "warnings": list(warnings),
    }


def dumps(report: dict[str, Any]) -> str:
    """The report as indented JSON text (stable key order, trailing newline)."""
    return json.dumps(report, indent=2) + "\n"


def _fmt_esp(x: Any) -> str:
    return "-" if x is None else f"{x:.4f}"


def render_summary(report: dict[str, Any], file: IO[str]) -> None:
    """Print the human summary (before/after table and time per pass) with rich."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=file, highlight=False)
    b, a = report["before"], report["after"]
    console.print(escape(f"qglmc: {report.get('input') or 'program'}"), soft_wrap=True)
    t = Table()
    t.add_column("metric")
    t.add_column("before", justify="right")
    t.add_column("after", justify="right")
    q = report.get("qubits")
    if isinstance(q, dict):  # program qubits and physical qubits are different numbers once mapped
        qb, qa = q.get("before", {}), q.get("after", {})
        t.add_row("program qubits", str(qb.get("program", "-")), str(qa.get("program", "-")))
        if qa.get("device") != qa.get("program") or qa.get("physical") != qa.get("program"):
            t.add_row("physical qubits used", "-", str(qa.get("physical", "-")))
            t.add_row("device qubits", "-", str(qa.get("device", "-")))
    else:
        t.add_row("qubits", str(b.get("qubits", "-")), str(a.get("qubits", "-")))
    for key, label in (("gates", "gates"), ("twoq", "2q gates"), ("depth", "depth")):
        t.add_row(label, str(b.get(key, "-")), str(a.get(key, "-")))
    t.add_row("ESP", "-", _fmt_esp(a.get("esp")))
    console.print(t)
    if report["passes"]:
        p = Table(show_header=True)
        p.add_column("pass")
        p.add_column("ms", justify="right")
        p.add_column("changed")
        p.add_column("stats")
        for rec in report["passes"]:
            stats = ", ".join(f"{k}={v}" for k, v in rec["stats"].items() if v)
            p.add_row(
                escape(rec["name"]), f"{rec['seconds'] * 1e3:.2f}", "yes" if rec["changed"] else "no", escape(stats)
            )
        console.print(p)
    v = report.get("validated")
    tail = f"total {report['seconds'] * 1e3:.1f} ms"
    if v is not None:
        approx = report.get("approximations", [])
        if v and approx:  # equivalent to the program as the approximation left it, not to the source
            tail += f", validated up to the approximation of {', '.join(approx)}"
        else:
            tail += ", validated" if v else ", validation incomplete (see warnings)"
    console.print(tail)
    for w in report.get("warnings", []):
        console.print(f"warning: {w}", markup=False)
