"""The pipeline takes ``route``'s clean-up probe of the chosen routing instead of cleaning it up
again (:func:`qglm_ir.passes.memo.offer_replay` / :func:`~qglm_ir.passes.memo.replayed`), and
only when the passes that follow are exactly the probe's."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import ClassVar

import pytest

from qglm_ir import ModuleBuilder
from qglm_ir.passes import memo
from qglm_ir.passes.base import Pass, PassResult


def _o3_items(insert_after_route: str | None = None, **route_options):
    from qglm_ir.passes.mapping.route import Route
    from qglm_ir.passes.presets import build_preset, instantiate

    out = []
    for p in build_preset(3, device=True).items:
        out.append(dataclasses.replace(p, **route_options) if isinstance(p, Route) else p)
        if isinstance(p, Route) and insert_after_route:
            out.append(instantiate(insert_after_route))
    return out


def _qft(n: int):
    from qiskit.synthesis import synth_qft_full

    from qglm_ir.frontends.interop import from_qiskit

    return from_qiskit(synth_qft_full(n, do_swaps=False))


def _compile(program, items, *, replay: bool, monkeypatch, **kw):
    """(printed result, names of the passes taken from a replay, names run on the compiled module)."""
    import qglm_ir
    from qglm_ir.passes import manager
    from qglm_ir.targets import load_device
    from qglm_ir.text.printer import print_module

    taken: list[str] = []
    real = memo.replayed

    def spy(p, module, upcoming):
        out = real(p, module, upcoming)
        if out is not None:
            taken.append(p.name)
        return out

    with monkeypatch.context() as m:
        m.setattr(manager, "replayed", spy)
        if not replay:
            m.setattr(memo, "offer_replay", lambda *a, **k: None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kw:  # options the report variant takes
                from qglm_ir.api import compile_with_report

                out = compile_with_report(program, device=load_device("heavy-hex:3"), passes=items, seed=3,
                                          **kw).module
            else:
                out = qglm_ir.compile(program, device=load_device("heavy-hex:3"), passes=items, seed=3)
    return print_module(out), taken


def test_pipeline_takes_the_probe_and_gets_the_same_result(monkeypatch) -> None:
    """Two Qiskit seeds: every candidate is cleaned up to be ranked, so the chosen one's
    clean-up is what to-basis, drop-near-local and optimize-fixpoint{snap} would compute:
    the pipeline takes all three, and the result is the one running them gives."""
    items, program = _o3_items(qiskit_seeds=2), _qft(6)
    text, taken = _compile(program, items, replay=True, monkeypatch=monkeypatch)
    assert taken == ["to-basis", "drop-near-local", "optimize-fixpoint"]
    plain, none = _compile(program, items, replay=False, monkeypatch=monkeypatch)
    assert none == []
    assert text == plain


def test_no_replay_when_another_pass_follows_route(monkeypatch) -> None:
    """A pass between route and to-basis: the module is no longer what the probe copied, so
    every clean-up pass runs (and the result is that of running them)."""
    items, program = _o3_items("cancel", qiskit_seeds=2), _qft(6)
    text, taken = _compile(program, items, replay=True, monkeypatch=monkeypatch)
    assert taken == []
    plain, _ = _compile(program, items, replay=False, monkeypatch=monkeypatch)
    assert text == plain


@dataclass(frozen=True)
class _Tag(Pass):
    """Adds an op named after ``tag`` (enough to tell outcomes apart)."""

    name: ClassVar[str] = "tag"
    tag: str = "a"

    def run(self, module, ctx) -> PassResult:
        from qglm_ir.core.ir import Operation

        module.body.append(Operation(f"test.{self.tag}"))
        return PassResult(True, {"tag": self.tag})


def _module():
    mb = ModuleBuilder("m")
    kb = mb.kernel("k", 1)
    kb.gate("h", 0)
    kb.finish()
    return mb.module


def _offer(module, first_changed: bool = True):
    outcome = module.clone()
    a, b = _Tag("a"), _Tag("b")
    a.run(outcome, None)
    b.run(outcome, None)
    steps = [(a, PassResult(first_changed, {"step": 1})), (b, PassResult(True, {"step": 2}))]
    memo.offer_replay(module, steps, outcome)
    return a, b, steps


def test_replay_hands_out_each_step_in_order() -> None:
    with memo.compile_scope():
        module = _module()
        a, b, steps = _offer(module)
        assert memo.replayed(a, module, (b,)) is steps[0][1]
        assert [op.name for op in module][-2:] == ["test.a", "test.b"]  # the outcome's ops
        assert memo.replayed(b, module, ()) is steps[1][1]
        assert memo.replayed(a, module, (b,)) is None  # used up


@pytest.mark.parametrize("case", ["other pass", "other upcoming", "module changed", "other module",
                                  "first step unchanged", "no scope"])
def test_replay_is_refused(case: str) -> None:
    from qglm_ir.core.ir import Operation

    def attempt():
        module = _module()
        a, b, _ = _offer(module, first_changed=case != "first step unchanged")
        before = list(module)
        target = module
        if case == "module changed":
            module.body.append(Operation("test.other"))
            before = list(module)
        elif case == "other module":
            target = _module()
        got = memo.replayed(b if case == "other pass" else a, target, () if case == "other upcoming" else (b,))
        assert got is None
        assert list(module) == before  # nothing installed
        assert memo.replayed(a, module, (b,)) is None  # and the offer is gone

    if case == "no scope":
        attempt()
    else:
        with memo.compile_scope():
            attempt()


def test_replay_mid_chain_mismatch_is_an_error() -> None:
    """Once the outcome is installed the next pass must be the next step: running anything
    else on it would not be what the pipeline asks for."""
    with memo.compile_scope():
        module = _module()
        a, b, _ = _offer(module)
        memo.replayed(a, module, (b,))
        with pytest.raises(RuntimeError, match="pass replay"):
            memo.replayed(_Tag("c"), module, ())


def test_no_replay_when_validating(monkeypatch) -> None:
    """Validation checks each pass's own output, so every clean-up pass runs."""
    items, program = _o3_items(qiskit_seeds=2), _qft(6)
    _, taken = _compile(program, items, replay=True, monkeypatch=monkeypatch, validate=True)
    assert taken == []
