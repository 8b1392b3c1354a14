"""Golden pass tests: ``qglmc opt`` output equals the recorded ``.expected.qglmir`` (README.md).

``QGLM_UPDATE_GOLDEN=1`` rewrites the expected files from the current output
instead of comparing (review the diff before committing it).
"""

from __future__ import annotations

import os

import pytest

from qglm_ir.passes.registry import pass_names

from ._golden import cases, run_opt, same_text

CASES = cases()
UPDATE = os.environ.get("QGLM_UPDATE_GOLDEN") == "1"


def _param(case):
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail and not UPDATE else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_golden(case) -> None:
    if UPDATE and case.xfail:
        pytest.skip("a known-to-change case's expected output is the correct one, written by hand")
    code, out, err = run_opt(case)
    assert code == 0, err
    if UPDATE:
        case.expected.write_text(out)
        return
    assert case.expected.exists(), f"no {case.expected.name}: run with QGLM_UPDATE_GOLDEN=1 and review it"
    expected = case.expected.read_text()
    if not same_text(out, expected):
        assert out == expected  # shows the difference


def test_same_text_tolerates_only_float_rounding() -> None:
    base = "%a = arith.constant 2.9960562266673207e-06 : f64\n%b = q.rz(%a) %q0\n"
    assert same_text(base.replace("2.9960562266673207e-06", "2.9960562279995884e-06"), base)
    assert not same_text(base.replace("2.9960562266673207e-06", "2.9960600000000000e-06"), base)
    assert not same_text(base.replace("q.rz", "q.rx"), base)
    assert not same_text(base + "%c = q.h %b\n", base)


def test_every_registered_pass_has_goldens() -> None:
    """A new pass needs its folder: 2+ cases, one of which leaves the IR unchanged."""
    by_pass: dict[str, list] = {}
    for c in CASES:
        by_pass.setdefault(c.pass_dir, []).append(c)
    missing = [name for name in pass_names() if len(by_pass.get(name, [])) < 2]
    assert not missing, f"passes without 2 golden cases: {missing}"
    assert set(by_pass) <= set(pass_names()), set(by_pass) - set(pass_names())
    for name, group in by_pass.items():
        assert any(c.path.name.startswith("unchanged") for c in group), f"{name}: no 'unchanged*' case"


def _split_pipeline(text: str) -> list[str]:
    """``'layout,dd{sequence=xx}'`` -> ``['layout', 'dd{sequence=xx}']`` (commas inside braces stay)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur] if cur else parts


def _ops(text: str) -> list[str]:
    from qglm_ir.text import parse_module

    return [op.name for op in parse_module(text).walk()]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.path.name.startswith("unchanged")])
def test_unchanged_cases_keep_their_input(case) -> None:
    """In an ``unchanged*`` case the pass under test (the pipeline's last pass) does
    nothing: the expected output equals the output of the pipeline without it (the
    printed input when it runs alone). ``layout`` always records the layout as kernel
    properties and rewrites to one wire per physical qubit, so for it: the same ops."""
    from dataclasses import replace

    from qglm_ir.text import parse_module, print_module

    if case.xfail:
        pytest.skip(case.xfail)
    expected = case.expected.read_text()
    i = case.args.index("--passes")
    *before, last = _split_pipeline(case.args[i + 1])
    assert last.split("{")[0] == case.pass_dir, "the pass under test comes last in the RUN pipeline"
    if case.pass_dir == "layout":
        assert [n for n in _ops(expected) if n != "q.alloc" and n != "q.dealloc"] == [
            n for n in _ops(case.path.read_text()) if n != "q.alloc" and n != "q.dealloc"]
    elif not before:
        assert expected == print_module(parse_module(case.path.read_text()))
    else:
        args = (*case.args[:i + 1], ",".join(before), *case.args[i + 2:])
        code, out, err = run_opt(replace(case, args=args))
        assert code == 0, err
        assert expected == out
