"""Optimization-level presets: ``-O0`` .. ``-O3`` as lists of named passes.

* ``-O0``: lowering only (``inline``, ``canonicalize``).
* ``-O1``: plus gate cancellation and rotation merging.
* ``-O2`` (default): plus single-qubit fusion and dead-gate removal.
* ``-O3``: with a device, small constant loops unrolled first (:data:`UNROLL_PASSES`);
  gates within ``1e-12`` average gate infidelity of the identity dropped (``drop-negligible``,
  the approximation Qiskit O3 makes with ``RemoveIdentityEquivalent``); then :data:`O3_LOOP`:
  cancellation, rotation merging, two- and one-qubit resynthesis and dead-gate removal, to
  their fixed point in one pass (``optimize-fixpoint``: the local patterns under one worklist,
  at most :data:`O3_MAX_ITERATIONS` resynthesis rounds); once the circuit is in the
  target basis (after routing, or after ``to-basis`` without a device) 2q blocks within
  ``1e-9`` of a local unitary are dropped first (:data:`NEAR_LOCAL`, ``drop-near-local``).

With a device, the mapping passes of :data:`MAPPING_BY_LEVEL` follow (then
``cancel`` from ``-O1`` on, to clean up what routing and translation leave);
with only a basis, ``to-basis`` (then ``cancel`` from ``-O1``). Optimization passes not
importable yet are skipped here, and only here, with a warning for the report;
the mapping and basis passes a device or basis asks for are required (a
program silently left unmapped would be wrong), and an explicit ``--passes``
pipeline never skips.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import PassError
from .manager import PipelineItem, Repeat
from .registry import get_pass

O3_MAX_ITERATIONS = 4

OPT_PASSES: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("cancel", "merge-rotations"),
    2: ("cancel", "merge-rotations", "fuse-1q", "cancel", "remove-dead"),
    # -O3: the fixed-point group (:data:`O3_LOOP`) follows and starts with cancellation,
    # rotation merging and 2q resynthesis itself; without a device, see PRE_TRANSLATION.
    3: ("drop-negligible",),
}
#: -O3 with a basis and no device: the group runs once the circuit is translated
#: (:data:`O3_LOOP_IN_BASIS`), so these run on the source gates first (merging ``cp``/``rzz``
#: before translation finds more: 1444 against 1455 cx on bench_optimize_scaling's 3000 gates).
PRE_TRANSLATION: tuple[str, ...] = ("cancel", "merge-rotations", "fuse-2q")
#: -O3's fixed-point group: cancellation, rotation merging, 2q and 1q resynthesis and
#: dead-gate removal, run to their fixed point by one pass (:mod:`.optimize.fixpoint`: the
#: local patterns under one worklist, resynthesis rounds, the worklist again on what they
#: changed) instead of repeating the whole passes.
O3_LOOP: tuple[str, ...] = ("optimize-fixpoint",)
#: The same group once the circuit is in its basis (after routing, or translation without a
#: device): 2q blocks resynthesized as Qiskit O3 does, snapping blocks within 1e-9 of a
#: special Weyl class onto it (an approximation, like :data:`NEAR_LOCAL`).
O3_LOOP_IN_BASIS: tuple[str, ...] = ("optimize-fixpoint{snap=true}",)
#: Once the circuit is in the target basis (after routing with a device, after ``to-basis``
#: with only a basis), before the fixed-point group: 2q blocks within ``1e-9`` of local lose
#: their 2q gates, as in Qiskit O3's post-routing peephole synthesis (see
#: :mod:`.optimize.near_local`). Before routing only exact passes run, so routing sees every
#: gate. Run once, not in the group: measured on heavy-hex:7 it finds as much there (QFT-20
#: 639 CX either way, QFT-50 3025 against 3029) for one block collection instead of several.
NEAR_LOCAL: tuple[str, ...] = ("drop-near-local",)
LOWER_PASSES: tuple[str, ...] = ("inline", "expand-embeddings", "canonicalize")
# Mapping by level. fix-direction must follow the last pass that can emit 2q
# gates and precede the final to-basis (its H/1q fix-ups need translating);
# from -O1 the 1q gates routing and fixing leave are fused; -O3 re-runs its
# fixed-point group after routing, so swaps merge with their neighbours.
MAPPING_BY_LEVEL: dict[int, tuple[str | tuple[str, ...], ...]] = {
    0: ("layout", "route", "to-basis", "fix-direction", "to-basis"),
    1: ("layout", "route", "to-basis", "fix-direction", "fuse-1q", "to-basis"),
    2: ("layout", "route", "to-basis", "fix-direction", "fuse-1q", "to-basis"),
    3: ("layout", "route", "to-basis", *NEAR_LOCAL, O3_LOOP_IN_BASIS, "fix-direction", "fuse-1q", "to-basis"),
}
#: -O3 with a device unrolls small constant loops (peels the last iteration of large ones)
#: so routing can carry layouts across iterations and leaves no dead restoring swaps; the
#: copies' constant indices are folded again.
UNROLL_PASSES: tuple[str, ...] = ("unroll-loops", "canonicalize")
MAPPING_PASSES: tuple[str, ...] = ("layout", "route", "fix-direction", "to-basis")  # required with a device
BASIS_PASSES: tuple[str, ...] = ("to-basis",)
CLEANUP_PASSES: tuple[str, ...] = ("cancel",)


@dataclass
class Preset:
    """A preset pipeline and the warnings about passes it had to skip."""

    items: list[PipelineItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def preset_names(level: int, *, device: bool = False, basis: bool = False) -> list[str | tuple[str, ...]]:
    """The pass names of a preset; a tuple is a group repeated to a fixed point.

    -O3 translates to a bare basis *before* its fixed-point group, so the group
    cleans up what translation leaves (rz/sx runs, cx pairs).
    """
    if level not in OPT_PASSES:
        raise PassError(f"optimization level must be 0, 1, 2 or 3, got {level}")
    names: list[str | tuple[str, ...]] = list(LOWER_PASSES)
    if level == 3 and device:
        names.extend(UNROLL_PASSES)
    names.extend(OPT_PASSES[level])
    if level == 3:
        if basis and not device:
            names.extend(PRE_TRANSLATION)
            names.extend(BASIS_PASSES)
            names.extend(NEAR_LOCAL)
            names.append(O3_LOOP_IN_BASIS)
        else:
            names.append(O3_LOOP)
    if device:
        names.extend(MAPPING_BY_LEVEL[level])
    elif basis:
        names.extend(BASIS_PASSES)
    if (device or basis) and level >= 1:
        names.extend(CLEANUP_PASSES)
    return names


def instantiate(entry: str):
    """The pass a preset entry names: a registered name, or one pass in pipeline syntax with
    options (``fuse-2q{snap=true}``)."""
    if "{" in entry:
        from .pipeline import parse_pipeline

        return parse_pipeline(entry)[0]
    return get_pass(entry)()


def make_group(passes: tuple) -> PipelineItem:
    """A preset group as a pipeline item: a :class:`Repeat` of ``passes``, or the pass itself
    when it is alone and reaches its own fixed point (a confirming run would change nothing)."""
    if len(passes) == 1 and getattr(passes[0], "reaches_fixed_point", False):
        return passes[0]
    return Repeat(passes, O3_MAX_ITERATIONS)


def run_group(passes: list, module, ctx) -> bool:
    """Run a preset group directly (outside a pass manager), as :func:`make_group`'s item
    would; returns whether anything changed."""
    item = make_group(tuple(passes))
    if not isinstance(item, Repeat):
        return bool(item.run(module, ctx).changed)
    changed = False
    for _ in range(item.max_iterations):
        if not any([p.run(module, ctx).changed for p in item.passes]):
            break
        changed = True
    return changed


def build_preset(level: int, *, device: bool = False, basis: bool = False) -> Preset:
    """Instantiate a preset with default options, skipping unavailable passes."""
    out = Preset()
    missing: list[str] = []

    required = set(MAPPING_PASSES if device else ()) | set(BASIS_PASSES if basis else ())

    def make(name: str):
        try:
            return instantiate(name)
        except PassError as exc:
            if name in required:
                what = "device" if device else "basis"
                raise PassError(f"cannot compile for the requested {what}: {exc.message}") from exc
            if name not in missing:
                missing.append(name)
            return None

    for entry in preset_names(level, device=device, basis=basis):
        if isinstance(entry, tuple):
            group = tuple(p for p in (make(n) for n in entry) if p is not None)
            if group:
                out.items.append(make_group(group))
        else:
            p = make(entry)
            if p is not None:
                out.items.append(p)
    for name in missing:
        out.warnings.append(f"-O{level}: pass '{name}' is not available yet and was skipped")
    return out
