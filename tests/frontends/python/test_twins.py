"""Every .qglm example has a Python twin that lowers to the same IR.

The printed IR must be identical after canonical SSA renaming (in practice
it is identical outright, since the twins use the same variable names), and
each kernel must be tensor-network-equivalent to its DSL counterpart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qglm_ir.core.types import TensorType
from qglm_ir.frontends.dsl import compile_file as compile_dsl
from qglm_ir.frontends.python import compile_file
from qglm_ir.semantics import equivalent
from qglm_ir.text import print_module

from ._canon import canonical

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DSL_FILES = sorted(EXAMPLES.glob("*.qglm"))


def _entry(module) -> str:
    """The program's model (else its only kernel): what ``--entry`` would name."""
    models = [op.properties["sym_name"] for op in module if op.attributes.get("model")]
    if models:
        return models[-1]
    kernels = [op.properties["sym_name"] for op in module if op.name == "q.kernel"]
    assert len(kernels) == 1
    return kernels[0]


def _kernels(module) -> dict:
    return {op.properties["sym_name"]: op for op in module if op.name == "q.kernel"}


def test_canonical_renaming_ignores_only_ssa_spelling() -> None:
    a = "%x = q.alloc\n%y = q.h %x\nq.dealloc %y"
    b = "%0 = q.alloc\n%1 = q.h %0\nq.dealloc %1"
    c = "%0 = q.alloc\n%1 = q.x %0\nq.dealloc %1"
    assert canonical(a) == canonical(b) != canonical(c)
    assert canonical("%a = f %b") != canonical("%a = f %a")


def test_every_dsl_example_has_a_python_twin() -> None:
    missing = [p.name for p in DSL_FILES if not p.with_suffix(".py").exists()]
    assert DSL_FILES and not missing, f"no Python twin for {missing}"


@pytest.mark.parametrize("path", DSL_FILES, ids=[p.stem for p in DSL_FILES])
def test_twin_prints_identical_ir(path: Path) -> None:
    dsl = compile_dsl(str(path))
    whole = compile_file(path.with_suffix(".py"))
    assert canonical(print_module(whole)) == canonical(print_module(dsl))
    # With --entry (the CLI's way) the entry's closure is the whole program here.
    entry = compile_file(path.with_suffix(".py"), _entry(dsl))
    assert canonical(print_module(entry)) == canonical(print_module(dsl))
    # Symbols, in order, and every op's source file is the .py twin.
    assert [op.properties.get("sym_name") for op in entry] == [op.properties.get("sym_name") for op in dsl]
    files = {op.loc.file for k in _kernels(entry).values() for op in k.walk() if op.loc is not None}
    assert files and all(f.endswith(".py") for f in files)


def _random_inputs(kernel, rng: np.random.Generator) -> list:
    out = []
    for t in kernel.regions[0].blocks[0].args:
        ty = t.type
        out.append(rng.uniform(0, np.pi, ty.shape) if isinstance(ty, TensorType) else float(rng.uniform(0, np.pi)))
    return out


@pytest.mark.parametrize("path", DSL_FILES, ids=[p.stem for p in DSL_FILES])
def test_twin_kernels_are_equivalent(path: Path) -> None:
    dsl = _kernels(compile_dsl(str(path)))
    py = _kernels(compile_file(path.with_suffix(".py")))
    assert dsl.keys() == py.keys()
    rng = np.random.default_rng(0)
    for name, k in dsl.items():
        inputs = _random_inputs(k, rng)
        assert equivalent(k, py[name], inputs=inputs), name


def test_equivalence_check_detects_a_changed_twin() -> None:
    from qglm_ir.frontends.python import compile_source

    path = EXAMPLES / "teleport.py"
    changed = path.read_text().replace("z(q[2])", "y(q[2])").replace("import (", "import (\n    y,")
    dsl = _kernels(compile_dsl(str(path.with_suffix(".qglm"))))["teleport"]
    py = _kernels(compile_source(changed, str(path)))["teleport"]
    assert canonical(print_module(compile_source(changed, str(path)))) != canonical(
        print_module(compile_dsl(str(path.with_suffix(".qglm"))))
    )
    assert not equivalent(dsl, py, inputs=[0.7])
