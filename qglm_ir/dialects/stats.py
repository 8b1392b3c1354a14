"""The ``stats`` dialect: run a kernel from host code and read its statistics.

Each op calls the ``q.kernel`` named by its ``callee`` property (a SymbolRef)
with its operands as the kernel's classical arguments, runs it ``shots``
times (``shots`` property, int >= 1) and returns a classical tensor computed
over the kernel's **readout bits**:

* the kernel's readout contract (:mod:`qglm_ir.dialects.readout`) names them:
  its returned ``i1`` values in order (``readout = "bits"``), or the Z-basis
  measurement at the end of the kernel of every *program* qubit in program
  order (``"state"``) or of the listed program qubits (``"z"``). A mapped
  kernel keeps its program's width and order: program qubit ``k`` is read on
  output wire ``final_layout[k]``, never the device's idle qubits.

Ops (k = number of readout bits; bit j is the j-th readout bit; index
``sum(b_j << j)``, little-endian like Qiskit):

  stats.expval  (args...) -> tensor<k x f64>      E[(-1)^b_j]: Z expectation per bit
  stats.probs   (args...) -> tensor<2^k x f64>    probability of each outcome
  stats.counts  (args...) -> tensor<2^k x i64>    outcome histogram over ``shots`` runs
  stats.sample  (args...) -> tensor<shots x k x i1>  the bits of every shot

The reference semantics (``qglm_ir/semantics/stats_eval.py``) gives the exact
values of ``expval``/``probs`` (the many-shots limit that a run with ``shots``
samples estimates) and draws ``counts``/``sample`` with a numpy generator
seeded by the optional ``seed`` property (default 0). The callee must take no
qubit arguments (a host cannot pass qubits).
"""

from __future__ import annotations

from ..core.attributes import SymbolRef
from ..core.ir import Operation
from ..core.opdef import OpDef, register
from ..core.types import FunctionType, TensorType, f64, i1, i64
from . import _checks as c
from .readout import readout_of

STATS_OPS = ("stats.expval", "stats.probs", "stats.counts", "stats.sample")
MAX_OUTCOME_BITS = 24  # probs/counts have 2^k entries


def readout_width(kernel: Operation) -> int:
    """Number of readout bits of a kernel called by a ``stats`` op (see :mod:`.readout`)."""
    return readout_of(kernel).width


def result_type(name: str, width: int, shots: int) -> TensorType:
    """The result type of stats op ``name`` for ``width`` readout bits and ``shots`` runs."""
    if name == "stats.expval":
        return TensorType((width,), f64)
    if name == "stats.probs":
        return TensorType((1 << width,), f64)
    if name == "stats.counts":
        return TensorType((1 << width,), i64)
    if name == "stats.sample":
        return TensorType((shots, width), i1)
    raise ValueError(f"not a stats op: {name}")


def find_callee(op: Operation) -> Operation | None:
    """The ``q.kernel`` named by ``op``'s ``callee`` in the enclosing module, if any."""
    callee = op.properties.get("callee")
    cur: Operation | None = op.parent_op
    while cur is not None and cur.name != "builtin.module":
        cur = cur.parent_op
    if cur is None or not isinstance(callee, SymbolRef):
        return None
    for sym in cur.regions[0].blocks[0]:
        if sym.properties.get("sym_name") == callee.name:
            return sym
    return None


def _verify_stats(op: Operation) -> None:
    callee = c.prop(op, "callee", SymbolRef)
    shots = c.prop(op, "shots", int)
    assert isinstance(shots, int) and isinstance(callee, SymbolRef)
    if shots < 1:
        c.fail(f"shots must be >= 1, got {shots}")
    seed = op.properties.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        c.fail(f"seed must be a non-negative int, got {seed!r}")
    c.num_results(op, 1)
    kernel = find_callee(op)
    if kernel is None:
        # Outside a module the callee cannot be checked; the verifier reports unknown symbols.
        if op.parent_op is not None:
            c.fail(f"callee {callee} is not defined")
        return
    if kernel.name != "q.kernel":
        c.fail(f"callee {callee} is a {kernel.name}, not a q.kernel")
    ftype = kernel.properties.get("function_type")
    if not isinstance(ftype, FunctionType):
        c.fail(f"callee {callee} has no function_type")
    assert isinstance(ftype, FunctionType)
    if any(t.is_qubit for t in ftype.inputs):
        c.fail(f"callee {callee} takes qubit arguments; a host can only call kernels that allocate their qubits")
    c.types_match([v.type for v in op.operands], ftype.inputs, f"arguments of {callee}")
    width = readout_width(kernel)
    if op.name in ("stats.probs", "stats.counts") and width > MAX_OUTCOME_BITS:
        c.fail(f"{width} readout bits give 2^{width} outcomes (limit 2^{MAX_OUTCOME_BITS})")
    want = result_type(op.name, width, shots)
    if op.results[0].type != want:
        c.fail(f"result must be {want} for {width} readout bit(s), got {op.results[0].type}")


for _name, _summary in (
    ("stats.expval", "Z expectation of each readout bit of a kernel run"),
    ("stats.probs", "outcome probabilities of a kernel run"),
    ("stats.counts", "outcome histogram of a kernel run"),
    ("stats.sample", "readout bits of every shot of a kernel run"),
):
    register(OpDef(_name, _summary, frozenset(), _verify_stats))
