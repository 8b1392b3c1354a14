"""``assert_equivalent``: the semantics' equivalence check as a test assertion.

Requires two ``q.kernel`` ops (or two modules, compared kernel by kernel) that
the semantics can evaluate with the given bindings. Guarantees: returns
``None`` when :func:`qglm_ir.semantics.equivalent` holds, otherwise raises
``AssertionError`` naming the method used, the maximal deviation and the
output where it occurs (e.g. which amplitude, outcome or density-matrix entry).
"""

from __future__ import annotations

from typing import Any

from ..core.ir import Operation


def _label(op: Operation) -> str:
    name = op.properties.get("sym_name")
    return f"{op.name} @{name}" if name else op.name


def assert_equivalent(a: Operation, b: Operation, **kw: Any) -> None:
    """Assert ``a`` and ``b`` are equivalent; keyword arguments go to ``semantics.compare``
    (``inputs``, ``params``, ``atol``, ``method``, ``samples``, ``seed``, ``record``)."""
    from ..semantics import compare  # lazy: keeps `import qglm_ir.testing` light

    report = compare(a, b, **kw)
    if not report.equivalent:
        atol = kw.get("atol", 1e-7)
        raise AssertionError(
            f"{_label(a)} and {_label(b)} are not equivalent (method={report.method}): "
            f"max deviation {report.max_deviation:.3g} > atol {atol:g}\n  at: {report.where}"
        )


def assert_not_equivalent(a: Operation, b: Operation, **kw: Any) -> None:
    """The converse, for tests that a check catches a difference."""
    from ..semantics import compare

    report = compare(a, b, **kw)
    if report.equivalent:
        raise AssertionError(
            f"{_label(a)} and {_label(b)} are equivalent (method={report.method}, "
            f"max deviation {report.max_deviation:.3g})"
        )
