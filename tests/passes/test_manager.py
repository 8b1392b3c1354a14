"""The pass manager, presets and the public compile(): records, verification,
translation validation, IR printing, fixed points, immutability of the input."""

from __future__ import annotations

import gc
import importlib.util
from dataclasses import dataclass
from typing import ClassVar

import pytest

import qglm_ir
from qglm_ir import ModuleBuilder
from qglm_ir.core.errors import PassError
from qglm_ir.core.ir import Operation
from qglm_ir.core.module import Module
from qglm_ir.passes import Pass, PassContext, PassResult, presets, registry
from qglm_ir.passes.lower.canonicalize import Canonicalize
from qglm_ir.passes.manager import InternalPassError, PassManager, Repeat, ValidationError

HAS_SEMANTICS = importlib.util.find_spec("qglm_ir.semantics") is not None and hasattr(
    importlib.import_module("qglm_ir.semantics"), "equivalent"
)
needs_semantics = pytest.mark.skipif(not HAS_SEMANTICS, reason="qglm_ir.semantics.equivalent not available")


def fingerprint(op: Operation) -> list[tuple]:
    """A structural fingerprint: op names, operand positions, properties, nesting."""
    ids: dict[int, int] = {}
    out = []
    for o in op.walk():
        for r in o.regions:
            for b in r.blocks:
                for a in b.args:
                    ids[id(a)] = len(ids)
        operands = tuple(ids.get(id(v), -1) for v in o.operands)
        for r in o.results:
            ids[id(r)] = len(ids)
        out.append((o.name, operands, tuple(sorted((k, repr(v)) for k, v in o.properties.items()))))
    return out


def bell_module() -> Module:
    mb = ModuleBuilder("m")
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("x", 1)
    kb.gate("x", 1)
    kb.gate("cx", 0, 1)
    half = kb.arith("mul", kb.pi(), 0.5)
    kb.gate("rz", 1, params=[half])
    kb.arith("add", half, 1.0)  # dead classical code
    kb.finish([])
    return mb.module


def first_gate(module: Module, name: str) -> Operation:
    return next(op for op in module.walk() if op.name == name)


@dataclass(frozen=True)
class Counter(Pass):
    """Changes nothing; reports how often it ran through ctx.report."""

    name: ClassVar[str] = "test-counter"

    def run(self, module, ctx: PassContext) -> PassResult:
        ctx.report["runs"] = ctx.report.get("runs", 0) + 1
        return PassResult(False, {"runs": ctx.report["runs"]})


@dataclass(frozen=True)
class DropOneX(Pass):
    """Removes one x gate per run (changed while there is one): a wrong rewrite."""

    name: ClassVar[str] = "test-drop-x"

    def run(self, module, ctx: PassContext) -> PassResult:
        for op in module.walk():
            if op.name == "q.x":
                op.results[0].replace_all_uses_with(op.operands[0])
                op.erase()
                return PassResult(True, {"dropped": 1})
        return PassResult(False)


@dataclass(frozen=True)
class DropXPair(Pass):
    """Removes adjacent x·x pairs: a correct rewrite."""

    name: ClassVar[str] = "test-drop-xx"

    def run(self, module, ctx: PassContext) -> PassResult:
        n = 0
        for op in list(module.walk()):
            if op.name == "q.x" and op.parent is not None:
                nxt = op.results[0].single_user
                if nxt is not None and nxt.name == "q.x":
                    nxt.results[0].replace_all_uses_with(op.operands[0])
                    nxt.erase()
                    op.erase()
                    n += 1
        return PassResult(n > 0, {"pairs": n})


@dataclass(frozen=True)
class DoubleUse(Pass):
    """Makes a qubit value used twice: invalid IR."""

    name: ClassVar[str] = "test-double-use"

    def run(self, module, ctx: PassContext) -> PassResult:
        cx = first_gate(module, "q.cx")
        cx.set_operand(1, cx.operands[0])
        return PassResult(True)


@dataclass(frozen=True)
class Crash(Pass):
    name: ClassVar[str] = "test-crash"

    def run(self, module, ctx: PassContext) -> PassResult:
        raise ZeroDivisionError("boom")


@dataclass(frozen=True)
class Remap(Pass):
    name: ClassVar[str] = "test-remap"
    preserves: ClassVar[str] = "layout"

    def run(self, module, ctx: PassContext) -> PassResult:
        return PassResult(True)


def test_records_time_changed_and_stats():
    m = bell_module()
    result = PassManager([DropXPair(), Counter(), Canonicalize()]).run(m, PassContext())
    names = [r.name for r in result.records]
    assert names == ["test-drop-xx", "test-counter", "canonicalize"]
    assert [r.changed for r in result.records] == [True, False, True]
    assert result.records[0].stats == {"pairs": 1}
    assert all(r.seconds >= 0 for r in result.records)
    assert result.validated is None and result.changed
    assert [o.name for o in m.walk()].count("q.x") == 0
    d = result.records[2].as_dict()
    assert set(d) == {"name", "seconds", "changed", "stats"}
    assert d["stats"]["erased"] >= 1


def test_repeat_runs_to_fixed_point_and_caps():
    m = bell_module()
    ctx = PassContext()
    result = PassManager([Repeat((DropOneX(), Counter()), max_iterations=10)]).run(m, ctx)
    # two x gates: two changing rounds, then one round that changes nothing
    assert ctx.report["runs"] == 3
    assert [r.changed for r in result.records if r.name == "test-drop-x"] == [True, True, False]
    assert not result.notes
    m2 = bell_module()
    capped = PassManager([Repeat((DropOneX(),), max_iterations=1)]).run(m2, PassContext())
    assert "without reaching a fixed point" in capped.notes[0]


def test_verify_each_names_the_breaking_pass():
    m = bell_module()
    with pytest.raises(PassError) as ei:
        PassManager([Counter(), DoubleUse()], verify_each=True).run(m, PassContext())
    assert "pass 'test-double-use' produced invalid IR" in ei.value.message
    assert "--print-ir-after=test-double-use" in ei.value.help


def test_verify_each_checks_the_input_too():
    m = bell_module()
    DoubleUse().run(m, PassContext())
    with pytest.raises(qglm_ir.core.errors.VerifyError):
        PassManager([Counter()], verify_each=True).run(m, PassContext())


def test_crash_is_wrapped_with_the_pass_name():
    with pytest.raises(InternalPassError) as ei:
        PassManager([Crash()]).run(bell_module(), PassContext())
    assert ei.value.pass_name == "test-crash"
    assert isinstance(ei.value.__cause__, ZeroDivisionError)


def test_print_ir_after_selects_passes():
    text = importlib.util.find_spec("qglm_ir.text")
    printed: list[str] = []
    pm = PassManager(
        [Counter(), DropXPair()], print_ir_after={"test-drop-xx"}, ir_printer=lambda n, t: printed.append(n)
    )
    try:
        pm.run(bell_module(), PassContext())
    except (ImportError, AttributeError):
        pytest.skip("qglm_ir.text not available")
    assert text is not None and printed == ["test-drop-xx"]
    printed.clear()
    PassManager([Counter(), DropXPair()], print_ir_after_all=True, ir_printer=lambda n, t: printed.append(n)).run(
        bell_module(), PassContext()
    )
    assert printed == ["test-counter", "test-drop-xx"]


@needs_semantics
def test_validation_catches_a_wrong_pass():
    with pytest.raises(ValidationError) as ei:
        PassManager([DropXPair(), Canonicalize(), DropOneX()], validate=True).run(
            _with_single_x(), PassContext()
        )
    assert "pass 'test-drop-x'" in ei.value.message and "@bell" in ei.value.message


@needs_semantics
def test_validation_accepts_correct_passes_and_notes_layout():
    result = PassManager([DropXPair(), Canonicalize()], validate="each", verify_each=True).run(
        bell_module(), PassContext()
    )
    assert result.validated is True
    assert all("validated" in " ".join(r.notes) for r in result.records)
    result = PassManager([DropXPair(), Canonicalize()], validate=True).run(bell_module(), PassContext())
    assert result.validated is True and any("validated end to end" in c for c in result.checks)
    # a "mapping" pass that records no layout and changes nothing is checked with the
    # identity layout: the kernel is what it was, so it validates
    result = PassManager([Remap()], validate=True).run(bell_module(), PassContext())
    assert result.validated is True


def _with_single_x() -> Module:
    mb = ModuleBuilder("m")
    kb = mb.kernel("bell", 2)
    kb.gate("h", 0)
    kb.gate("x", 1)
    kb.gate("cx", 0, 1)
    kb.finish([])
    return mb.module


# ------------------------------------------------------------------ presets
def test_preset_names():
    lower = ["inline", "expand-embeddings", "canonicalize"]
    assert presets.preset_names(0) == lower
    assert presets.preset_names(1) == lower + ["cancel", "merge-rotations"]
    o3 = presets.preset_names(3, device=True)
    # with a device, -O3 unrolls small loops (and folds the copies) before optimizing
    k = 3 + len(presets.UNROLL_PASSES)
    assert o3[3:k] == list(presets.UNROLL_PASSES)
    assert o3[k:k + 1] == ["drop-negligible"]
    assert o3[k + 1] == presets.O3_LOOP
    assert o3[k + 2:] == list(presets.MAPPING_BY_LEVEL[3]) + ["cancel"]
    # fix-direction follows every pass that emits 2q gates and precedes the last to-basis
    assert o3.index("fix-direction") > o3.index(presets.O3_LOOP_IN_BASIS, k + 2) and o3[-2] == "to-basis"
    # in the basis (after routing) 2q blocks are resynthesized as Qiskit O3 does, snapping
    # near-special blocks: an approximation, declared as one
    assert presets.O3_LOOP_IN_BASIS == ("optimize-fixpoint{snap=true}",)
    assert presets.O3_LOOP == ("optimize-fixpoint",)
    snapping = presets.instantiate("fuse-2q{snap=true}")
    assert snapping.preserves == "approximation" and presets.instantiate("fuse-2q").preserves == "unitary"
    group = presets.instantiate("optimize-fixpoint{snap=true}")
    assert group.snap and group.preserves == "approximation"
    # the group reaches its own fixed point: it is one pipeline item, not a Repeat
    assert not isinstance(presets.make_group((group,)), Repeat)
    # the near-local approximation runs only once the circuit is in the basis (after routing)
    assert o3.index("route") < o3.index("drop-near-local") and "drop-near-local" not in presets.O3_LOOP
    assert "unroll-loops" not in presets.preset_names(2, device=True)
    o3b = presets.preset_names(3, basis=True)
    assert o3b.index("to-basis") < o3b.index("drop-near-local") < o3b.index(presets.O3_LOOP_IN_BASIS)
    assert presets.preset_names(0, basis=True) == lower + ["to-basis"]
    with pytest.raises(PassError):
        presets.preset_names(4)


def test_presets_skip_unavailable_optimizations_with_a_warning(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN_PASSES, "cancel", "qglm_ir.passes.no_such_module:Cancel")
    monkeypatch.setattr(registry, "_loaded", {})
    monkeypatch.setattr(registry, "_failures", {})
    p = presets.build_preset(1)
    assert "cancel" not in [i.name for i in p.items]
    assert any("'cancel' is not available yet" in w for w in p.warnings)


def test_presets_require_the_basis_pass(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN_PASSES, "to-basis", "qglm_ir.passes.no_such_module:ToBasis")
    monkeypatch.setattr(registry, "_loaded", {})
    monkeypatch.setattr(registry, "_failures", {})
    with pytest.raises(PassError, match="cannot compile for the requested basis"):
        presets.build_preset(2, basis=True)


# ------------------------------------------------------------------ compile()
def test_compile_never_mutates_its_input():
    m = bell_module()
    before = fingerprint(m)
    out = qglm_ir.compile(m, optimization_level=3)
    assert fingerprint(m) == before
    assert out is not m
    assert sum(1 for o in out.walk() if o.name == "arith.add") == 0
    out2 = qglm_ir.compile(m, passes="test-drop-xx" if "test-drop-xx" in registry.pass_names() else "canonicalize")
    assert fingerprint(m) == before and out2 is not m


def test_compile_is_deterministic_and_reports():
    from qglm_ir.api import compile_with_report

    m = bell_module()
    r1 = compile_with_report(m, passes=[Canonicalize()], seed=7)
    r2 = compile_with_report(m, passes=[Canonicalize()], seed=7)
    assert fingerprint(r1.module) == fingerprint(r2.module)
    rep = r1.report
    for key in ("input", "device", "seed", "passes", "before", "after", "layout", "seconds", "validated"):
        assert key in rep
    assert rep["seed"] == 7 and rep["device"] is None and rep["layout"] is None
    assert rep["before"] == {"qubits": 2, "gates": 5, "twoq": 1, "depth": 4}
    assert rep["after"]["esp"] is None and rep["validated"] is None
    assert rep["passes"][0]["name"] == "canonicalize"


def test_compile_argument_errors():
    from qglm_ir.core.errors import DeviceError, ParseError

    with pytest.raises(ParseError) as ei:
        qglm_ir.compile(bell_module(), basis="cx,rzz,foo")
    assert ei.value.loc.col == 8 and "unknown gate 'foo'" in ei.value.message
    with pytest.raises(ParseError, match="unknown pass"):
        qglm_ir.compile(bell_module(), passes="canonicalize,nope")
    with pytest.raises(TypeError):
        qglm_ir.compile(42)
    if importlib.util.find_spec("qglm_ir.targets") is None:
        with pytest.raises(DeviceError):
            qglm_ir.compile(bell_module(), device="line:3")


def test_verify_each_from_environment(monkeypatch):
    monkeypatch.setenv("QGLM_VERIFY_EACH", "1")
    assert PassManager([]).verify_each is True
    assert PassManager([], verify_each=False).verify_each is False
    monkeypatch.setenv("QGLM_VERIFY_EACH", "0")
    assert PassManager([]).verify_each is False


@dataclass(frozen=True)
class CleanCounter(Counter):
    """Counter that declares its outcome depends on the module only."""

    name: ClassVar[str] = "test-clean-counter"
    skip_when_clean: ClassVar[bool] = True


def test_clean_pass_is_skipped_until_the_module_changes():
    m = bell_module()
    ctx = PassContext()
    # Rounds: (drop x, count), (drop x, count), (no drop, skip: nothing changed since the last count).
    items = [CleanCounter(), Repeat((DropOneX(), CleanCounter()), max_iterations=10), CleanCounter()]
    result = PassManager(items).run(m, ctx)
    assert ctx.report["runs"] == 3
    counts = [r for r in result.records if r.name == "test-clean-counter"]
    assert [bool(r.notes) for r in counts] == [False, False, False, True, True]
    # A pass that does not declare it always runs (the plain Counter of the test above).
    ctx2 = PassContext()
    PassManager([Counter(), Counter()]).run(bell_module(), ctx2)
    assert ctx2.report["runs"] == 2
    # Printing the IR after it disables the skip.
    ctx3 = PassContext()
    PassManager([CleanCounter(), CleanCounter()], print_ir_after={"test-clean-counter"},
                ir_printer=lambda name, text: None).run(bell_module(), ctx3)
    assert ctx3.report["runs"] == 2


@dataclass(frozen=True)
class Allocate(Pass):
    """Notes how many collections ``ctx.report["collections"]`` has seen so far, then keeps
    many new container objects alive (as a pass building IR does); changes nothing."""

    name: ClassVar[str] = "test-allocate"

    def run(self, module, ctx: PassContext) -> PassResult:
        ctx.report["seen"].append(len(ctx.report["collections"]))
        ctx.report["kept"].extend([] for _ in range(4 * gc.get_threshold()[0] + 100))
        return PassResult(False, {})


def test_collector_stays_paused_between_passes():
    """The cyclic collector does not run between the passes of one run (each restart would
    scan what the pass before allocated, and now and then the whole heap), and is enabled
    again afterwards."""
    ctx = PassContext()
    ctx.report.update(collections=[], seen=[], kept=[])

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            ctx.report["collections"].append(info["generation"])

    pm = PassManager([Allocate(), Counter(), Allocate(), Counter(), Allocate()])
    was = gc.isenabled()
    gc.enable()
    gc.callbacks.append(on_gc)
    try:
        pm.run(bell_module(), ctx)
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(on_gc)
        if not was:
            gc.disable()
    # none after the first pass started (before it, building the module may have started one)
    first = ctx.report["seen"][0]
    assert ctx.report["seen"] == [first, first, first]
