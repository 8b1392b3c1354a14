"""``--report-html FILE``: one self-contained HTML page about a compile.

The page holds, for every kernel (up to :data:`MAX_KERNELS`), the drawing
before and after compilation; the per-pass time and gate-count chart; the
host CFG (when Graphviz is installed); the device map with the chosen layout, coloured by calibrated error; the
error-protection choice per qubit (the ``qec`` pass's report); and the
summary figures and warnings. Pictures are embedded as ``data:`` URIs (SVG, or
PNG for the circuit drawings), so the page needs no network and no other
file. A tiny script records script errors into the page title
(``qglm report: ERROR ...``) so a headless browser can check for them.

Drawing needs matplotlib and pylatexenc (``qglm[draw]``); a picture that
cannot be made is replaced by a sentence saying why, never by a broken page.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from typing import Any

from .core.errors import QglmError

#: Kernels drawn before/after (a program with more kernels lists the rest by name).
MAX_KERNELS = 4

_GATE_OP = re.compile(r"\bq\.([a-z0-9_]+)\b")


def gate_count_of_ir(text: str) -> int:
    """Gates of a module given as textual IR, counted like the report's ``gates``
    (:func:`qglm_ir.metrics.summary`); the ops in the text if it does not parse."""
    from .metrics import module_metrics, summary
    from .text import parse_module

    try:
        return int(summary(module_metrics(parse_module(text)))["gates"])
    except QglmError:
        from .dialects.gates import GATES

        return sum(1 for m in _GATE_OP.finditer(text) if m.group(1) in GATES or m.group(1) == "unitary")


def _uri(data: bytes | str, mime: str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _img(data: bytes | str, mime: str, alt: str, css: str = "") -> str:
    return f'<img class="{css}" alt="{html.escape(alt)}" src="{_uri(data, mime)}">'


def _why(exc: BaseException) -> str:
    msg = exc.message if isinstance(exc, QglmError) else f"{type(exc).__name__}: {exc}"
    return f'<p class="missing">(no picture: {html.escape(msg)})</p>'


def _drawing(module: Any, kernel: str) -> str:
    from .render.circuits import kernel_png

    try:
        return _img(kernel_png(module, kernel), "image/png", f"drawing of @{kernel}", "circuit")
    except (QglmError, ImportError) as exc:
        return _why(exc)


def _table(rows: Sequence[Sequence[Any]], head: Sequence[str]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _summary(report: dict[str, Any]) -> str:
    b, a = report.get("before", {}), report.get("after", {})
    q = report.get("qubits", {})
    rows: list[list[Any]] = []
    if q:
        rows.append(["program qubits", q["before"]["program"], q["after"]["program"]])
        rows.append(["physical qubits used", "-", q["after"]["physical"]])
        rows.append(["device qubits", "-", q["after"]["device"]])
    for key, label in (("gates", "gates"), ("twoq", "2q gates"), ("depth", "depth")):
        rows.append([label, b.get(key, "-"), a.get(key, "-")])
    esp = a.get("esp")
    rows.append(["ESP (estimated success probability)", "-", "-" if esp is None else f"{esp:.4f}"])
    return _table(rows, ["metric", "before", "after"])


def _qec(report: dict[str, Any]) -> str:
    rows = report.get("qec")
    if not rows:
        return ("<p>No error-protection pass ran. Add <code>qec</code> to the pipeline on a calibrated "
                "device (e.g. <code>--device qiskit:fake_sherbrooke --passes '...,qec'</code>) to have it "
                "choose, per qubit, between dynamical decoupling, redundant readout and a repetition code.</p>")
    table = [[r.get("kernel", ""), r.get("qubit", ""), r.get("chosen", ""),
              f"{float(r.get('predicted_gain') or 0.0):+.2e}", r.get("reason", "")] for r in rows]
    return _table(table, ["kernel", "physical qubit", "chosen", "predicted gain", "why"])


def _device_section(device: Any, layout: dict[str, Any] | None) -> str:
    if device is None:
        return "<p>Compiled without a device: no layout to show.</p>"
    from .render.figures import device_map_svg

    initial = (layout or {}).get("initial")
    try:
        svg = device_map_svg(device, initial)
    except (QglmError, ImportError) as exc:
        return _why(exc)
    note = "" if getattr(device, "has_calibration", False) else \
        "<p>This device publishes no calibration: qubits are grey.</p>"
    return _img(svg, "image/svg+xml", "device map", "wide") + note


def _cfg_section(module: Any) -> str:
    from .render.cfg import cfg_svg, dot_program

    if dot_program() is None:
        return "<p>(Graphviz <code>dot</code> is not installed: no CFG picture; <code>--target dot</code> " \
               "writes its DOT text.)</p>"
    try:
        return _img(cfg_svg(module), "image/svg+xml", "host CFG", "wide")
    except (QglmError, ImportError) as exc:
        return _why(exc)


def _pass_section(report: dict[str, Any], gates_after: Sequence[int | None]) -> str:
    records = report.get("passes") or []
    if not records:
        return "<p>No pass ran.</p>"
    from .render.figures import pass_chart_svg

    try:
        chart = _img(pass_chart_svg(records, gates_after), "image/svg+xml", "per-pass chart", "wide")
    except (QglmError, ImportError) as exc:
        chart = _why(exc)
    rows = [[r["name"], f"{1e3 * r['seconds']:.2f}", "yes" if r["changed"] else "no",
             "-" if g is None else g, ", ".join(f"{k}={v}" for k, v in r.get("stats", {}).items() if v)]
            for r, g in zip(records, list(gates_after) + [None] * len(records))]
    return chart + _table(rows, ["pass", "ms", "changed", "gates after", "stats"])


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.pair{display:flex;gap:16px;flex-wrap:wrap}.pair>div{flex:1 1 45%;min-width:320px}
img.circuit{max-width:100%;border:1px solid #eee}img.wide{max-width:100%}
.missing{color:#a33}.warn{color:#8a5a00}code{background:#f4f4f4;padding:0 3px}
"""

# Records script errors in the title; a clean page ends with the plain title.
_SCRIPT = """<script>
window.addEventListener('error', function (e) { document.title = 'qglm report: ERROR ' + e.message; });
window.addEventListener('load', function () {
  var broken = Array.prototype.filter.call(document.images, function (i) { return !i.naturalWidth; });
  if (broken.length) { document.title = 'qglm report: ERROR ' + broken.length + ' image(s) failed to load'; }
});
</script>"""


def render_html(report: dict[str, Any], source: Any, compiled: Any, device: Any = None,
                gates_after: Sequence[int | None] = ()) -> str:
    """The page described in the module docstring, as one HTML string."""
    from .cli_artifacts import kernel_names

    title = f"qglm report: {report.get('input') or 'program'}"
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style>{_SCRIPT}</head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "<p>" + html.escape(f"device: {report.get('device') or 'none'} · seed {report.get('seed')} · "
                                 f"pipeline: {report.get('pipeline')}") + "</p>",
             "<h2>Summary</h2>", _summary(report)]
    warnings = report.get("warnings") or []
    if warnings:
        parts.append("<ul>" + "".join(f'<li class="warn">{html.escape(w)}</li>' for w in warnings) + "</ul>")
    names = kernel_names(compiled)
    parts.append("<h2>Kernels before and after</h2>")
    before_names = set(kernel_names(source))
    for k in names[:MAX_KERNELS]:
        before = _drawing(source, k) if k in before_names else "<p>(not in the input)</p>"
        parts.append(f"<h3>@{html.escape(k)}</h3><div class=\"pair\"><div><h4>before</h4>{before}</div>"
                     f"<div><h4>after</h4>{_drawing(compiled, k)}</div></div>")
    if len(names) > MAX_KERNELS:
        parts.append("<p>Not drawn: " + html.escape(", ".join("@" + n for n in names[MAX_KERNELS:])) + "</p>")
    parts += ["<h2>Passes</h2>", _pass_section(report, gates_after)]
    parts += ["<h2>Host program (CFG)</h2>", _cfg_section(compiled)]
    parts += ["<h2>Device map and layout</h2>", _device_section(device, report.get("layout"))]
    parts += ["<h2>Error protection per qubit</h2>", _qec(report)]
    parts.append("</body></html>\n")
    return "".join(parts)


__all__ = ["MAX_KERNELS", "gate_count_of_ir", "render_html"]
