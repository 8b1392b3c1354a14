"""Checkers for mapped kernels: coupler violations and layout-aware equivalence.

* :func:`coupling_violations` lists every gate of a mapped kernel that does
  not sit on a usable coupler of the device (the property ``route`` guarantees).
* :func:`direction_violations` lists 2q gates against a coupler's native direction.
* :func:`equivalent_up_to_layout` is the translation-validation check of
  ``preserves = "layout"`` passes: it applies the kernel's recorded
  ``initial_layout`` / ``final_layout`` to the *program* kernel (program wire
  ``v`` placed on physical qubit ``initial_layout[v]``, ancillas in |0>,
  output wire ``k`` moved to ``final_layout[k]``) and compares that with the
  mapped kernel using :func:`qglm_ir.semantics.equivalent`. When ``before`` is
  itself mapped (the input of ``route``), it is compared with the same initial
  layout and swaps moving its final layout onto ``after``'s. For kernels that
  take qubit arguments, the mapped kernel's ancilla arguments become
  ``q.alloc``'d |0> qubits (a router may move ancillas anywhere, so only the
  ancillas-in-|0> subspace is specified), and the comparison covers the
  program's qubit arguments as inputs and all physical qubits as outputs, so
  it also checks that ancillas come back to |0>.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.errors import PassError
from ...core.ir import Operation, Value
from ...core.types import qubit
from ...dialects.gates import GATES
from ...dialects.q import DeallocOp
from ...targets.device import Device
from .graph import device_graph
from .layout import apply_layout
from .route import is_routed_2q
from .wires import analyze, kernel_body, kernel_name, set_function_results, walk_gates


@dataclass(frozen=True)
class Violation:
    """A gate that breaks a device constraint: the op, its physical qubits and why."""

    op: Operation
    qubits: tuple[int, ...]
    reason: str

    def __str__(self) -> str:
        return f"{self.op.name} on physical qubits {list(self.qubits)}: {self.reason}"


def _physical_qubits(kernel: Operation, device: Device) -> dict[Value, int]:
    kw = analyze(kernel)
    if kw.num_wires != device.num_qubits:
        raise PassError(
            f"kernel @{kernel_name(kernel)} has {kw.num_wires} wires, not the device's {device.num_qubits}: "
            "it is not mapped", kernel.loc, help="run 'layout' (and 'route') first")
    return kw.vid


def coupling_violations(kernel: Operation, device: Device) -> list[Violation]:
    """Gates of a mapped ``kernel`` that need a coupler ``device`` lacks (or that is unusable),
    gates on more than two qubits, and gates on unusable qubits. Empty means routable as is."""
    phys = _physical_qubits(kernel, device)
    g = device_graph(device)
    out: list[Violation] = []
    for op in walk_gates(kernel_body(kernel)):
        if not op.name.startswith("q.") or op.name in ("q.barrier", "q.alloc", "q.dealloc", "q.kernel"):
            continue
        qs = tuple(phys[v] for v in op.operands if v.type.is_qubit)
        if not qs:
            continue
        if len(qs) > 2:
            out.append(Violation(op, qs, "acts on more than two qubits"))
        elif len(qs) == 2 and is_routed_2q(op) and not g.adj[qs[0], qs[1]]:
            why = "no coupler" if not device.coupled(*qs) else "coupler is unusable (error 1.0 or disabled)"
            out.append(Violation(op, qs, why))
        elif op.name != "q.delay" and any(q not in device.usable_qubits for q in qs):
            out.append(Violation(op, qs, "qubit is unusable"))
    return out


def direction_violations(kernel: Operation, device: Device) -> list[Violation]:
    """Non-symmetric 2q gates of a mapped ``kernel`` whose (control, target) is not a native direction."""
    phys = _physical_qubits(kernel, device)
    out = []
    for op in walk_gates(kernel_body(kernel)):
        spec = GATES.get(op.name[2:]) if op.name.startswith("q.") else None
        if spec is None or spec.num_qubits != 2 or spec.symmetric:
            continue
        qs = tuple(phys[v] for v in op.operands if v.type.is_qubit)
        if qs not in device.directed and (qs[1], qs[0]) in device.directed:
            out.append(Violation(op, qs, "against the coupler's native direction"))
    return out


# ---------------------------------------------------------------------------------------- equivalence


def _clone_kernel(kernel: Operation) -> Operation:
    """A copy of ``kernel`` inside a copy of its module (so module params still resolve)."""
    module = kernel.parent_op
    if module is None:
        return kernel.clone()
    body = module.regions[0].block
    idx = next(i for i, op in enumerate(body) if op is kernel)
    new_module = module.clone()
    return list(new_module.regions[0].block)[idx]


def _permute(block, anchor, ends: list[Value], target: list[int]) -> list[Value]:
    """Insert swaps before ``anchor`` so the state on wire ``src`` moves to wire ``target[src]``."""
    n = len(ends)
    content = list(range(n))  # content[p] = original wire whose state is on p
    where = list(range(n))
    inv = [0] * n
    for s, d in enumerate(target):
        inv[d] = s
    ends = list(ends)
    for d in range(n):
        want = inv[d]
        cur = where[want]
        if cur == d:
            continue
        op = Operation("q.swap", [ends[d], ends[cur]], [qubit, qubit])
        block.insert_before(op, anchor)
        ends[d], ends[cur] = op.results[0], op.results[1]
        a, b = content[d], content[cur]
        content[d], content[cur] = b, a
        where[b], where[a] = d, cur
    return ends


def _complete(partial: dict[int, int], n: int) -> list[int]:
    """Extend an injective map on some of ``0..n-1`` to a permutation."""
    used = set(partial.values())
    free_dst = iter(p for p in range(n) if p not in used)
    return [partial[s] if s in partial else next(free_dst) for s in range(n)]


def physical_reference(before: Operation, initial: tuple[int, ...], final: tuple[int, ...],
                       num_qubits: int) -> Operation:
    """A copy of the program kernel ``before`` laid out on ``num_qubits`` physical wires with
    ``initial`` and with explicit swaps moving output wire ``k`` to ``final[k]``."""
    k = _clone_kernel(before)
    kw = analyze(k)
    if kw.mode == "none":
        return k
    if len(initial) != kw.num_wires or len(final) != kw.num_wires:
        raise PassError(f"layouts of length {len(initial)}/{len(final)} do not fit the program's "
                        f"{kw.num_wires} wires")
    body = kernel_body(k)
    if kw.mode == "alloc":
        apply_layout(k, kw, list(initial), num_qubits)
        kw2 = analyze(k)
        deallocs = [op for op in body if op.name == "q.dealloc"]
        ends: list[Value | None] = [None] * num_qubits
        for d in deallocs:
            ends[kw2.vid[DeallocOp(d).qubit]] = DeallocOp(d).qubit
            d.erase()
        src = {initial[kw.out_vids[j]]: final[j] for j in range(kw.num_wires)}
        term = body.terminator
        new_ends = _permute(body, term, ends, _complete(src, num_qubits))  # type: ignore[arg-type]
        for v in new_ends:
            body.insert_before(Operation("q.dealloc", [v], []), term)
        return k
    # qubit arguments: program args stay the inputs, ancillas are allocated
    first = body.first
    anc: dict[int, Value] = {}
    used = set(initial)
    for p in range(num_qubits):
        if p not in used:
            a = Operation("q.alloc", [], [qubit])
            body.insert_before(a, first)
            anc[p] = a.results[0]
    term = body.terminator
    returned = [v for v in term.operands if v.type.is_qubit]
    classical = [v for v in term.operands if not v.type.is_qubit]
    ends2: list[Value] = [anc.get(p) for p in range(num_qubits)]  # type: ignore[misc]
    for v in returned:
        ends2[initial[kw.vid[v]]] = v
    src = {initial[kw.out_vids[j]]: final[j] for j in range(len(returned))}
    new_ends = _permute(body, term, ends2, _complete(src, num_qubits))
    term.set_operands([*new_ends, *classical])
    set_function_results(k)
    return k


def comparable_mapped(after: Operation) -> Operation:
    """A copy of the mapped kernel whose inputs match :func:`physical_reference` (ancilla
    arguments become allocated qubits, program arguments come first in program order)."""
    k = _clone_kernel(after)
    kw = analyze(k)
    if kw.mode != "args":
        return k
    initial = k.properties["initial_layout"]
    assert isinstance(initial, tuple)
    body = kernel_body(k)
    qargs = [a for a in body.args if a.type.is_qubit]
    cargs = [a for a in body.args if not a.type.is_qubit]
    used = set(initial)
    first = body.first
    for p, a in enumerate(qargs):
        if p not in used:
            al = Operation("q.alloc", [], [qubit])
            body.insert_before(al, first)
            a.replace_all_uses_with(al.results[0])
    body.args[:] = [*(qargs[p] for p in initial), *cargs]
    for i, a in enumerate(body.args):
        a.index = i
    set_function_results(k)
    return k


def equivalent_up_to_layout(before: Operation, after: Operation, *, inputs: Any = None, params: Any = None,
                            atol: float = 1e-7, **options: Any) -> bool:
    """Whether the mapped kernel ``after`` implements the program kernel ``before`` once its
    ``initial_layout`` and ``final_layout`` are applied (see the module docstring).

    Requires: ``after`` carries both layouts and ``len(initial_layout)`` equals
    ``before``'s number of wires. ``options`` go to :func:`qglm_ir.semantics.equivalent`.
    """
    from ...semantics import equivalent

    initial = after.properties.get("initial_layout")
    final = after.properties.get("final_layout", initial)
    if not isinstance(initial, tuple) or not isinstance(final, tuple):
        raise PassError(f"kernel @{kernel_name(after)} carries no initial_layout/final_layout")
    n_phys = analyze(after).num_wires
    if before.properties.get("initial_layout") is not None:
        ref = _moved_reference(before, after, n_phys)
    else:
        ref = physical_reference(before, initial, final, n_phys)
    mapped = comparable_mapped(after)
    return bool(equivalent(ref, mapped, inputs=inputs, params=params, atol=atol, **options))


def _moved_reference(before: Operation, after: Operation, n_phys: int) -> Operation:
    """For an already mapped ``before`` (e.g. the input of ``route``): a comparable copy of it
    with swaps appended that move each program output from ``before``'s final layout to
    ``after``'s. Both kernels must share the initial layout."""
    i0, f0 = before.properties["initial_layout"], before.properties.get("final_layout")
    i1, f1 = after.properties["initial_layout"], after.properties.get("final_layout")
    if f0 is None:
        f0 = i0
    if i0 != i1:
        raise PassError(f"kernel @{kernel_name(after)}: initial layouts differ ({list(i0)} vs {list(i1)}); "
                        "compare each with the program kernel instead")
    if analyze(before).num_wires != n_phys:
        raise PassError("mapped kernels with different numbers of physical qubits")
    k = comparable_mapped(before)
    target = _complete({a: b for a, b in zip(f0, f1)}, n_phys)  # type: ignore[arg-type]
    body = kernel_body(k)
    term = body.terminator
    assert term is not None
    deallocs = [op for op in body if op.name == "q.dealloc"]
    if deallocs:
        vid = analyze(k).vid
        ends: list[Value] = [None] * n_phys  # type: ignore[list-item]
        for d in deallocs:
            ends[vid[DeallocOp(d).qubit]] = DeallocOp(d).qubit
            d.erase()
        for v in _permute(body, term, ends, target):
            body.insert_before(Operation("q.dealloc", [v], []), term)
    else:
        qs = [v for v in term.operands if v.type.is_qubit]
        classical = [v for v in term.operands if not v.type.is_qubit]
        term.set_operands([*_permute(body, term, qs, target), *classical])
    return k
