"""Decorated functions compile themselves from their source, in scripts and notebook-like cells."""

from __future__ import annotations

import importlib.util
import linecache
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qglm_ir.core.errors import ParseError
from qglm_ir.core.module import Module
from qglm_ir.frontends.dsl import compile_file as compile_dsl
from qglm_ir.frontends.python import QglmFunction, kernel
from qglm_ir.frontends.python.lang import NotCompiledError
from qglm_ir.text import print_module

from ._canon import canonical

ROOT = Path(__file__).resolve().parents[3]


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_decorated_example_matches_the_file_frontend() -> None:
    teleport = _import(ROOT / "examples" / "teleport.py", "teleport_twin")
    assert isinstance(teleport.check, QglmFunction) and teleport.check.kind == "model"
    assert canonical(teleport.check.ir()) == canonical(print_module(compile_dsl(str(ROOT / "examples" / "teleport.qglm"))))
    assert teleport.check.module is teleport.check.module  # built once
    compiled = teleport.check.compile(optimization_level=1)
    assert isinstance(compiled, Module) and compiled is not teleport.check.module


def test_script_compiles_with_one_call(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent('''
        import qglm_ir.frontends.python.lang as qg

        N = 3

        @qg.kernel
        def ghz():
            q = qg.qubits(N)
            qg.h(q[0])
            for i in range(N - 1):
                qg.cx(q[i], q[i + 1])

        module = ghz.compile(optimization_level=0)
        print(sum(1 for op in module.walk() if op.name == "q.cx"))
    '''))
    res = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "2"


def _cell(source: str, name: str, ns: dict) -> None:
    """Run ``source`` the way IPython runs a cell: its text registered in linecache."""
    filename = f"<cell-{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), ns)


def test_notebook_cells_share_constants_and_kernels() -> None:
    ns: dict = {}
    _cell("from qglm_ir.frontends.python.lang import *\nn = 2\nimport math\nangle0 = math.pi / 4\n", "a", ns)
    _cell(
        "@kernel\ndef prep(t: float):\n    q = qubits(n)\n    ry(t + angle0, q[0])\n    cx(q[0], q[1])\n"
        "    return measure(q[1])\n", "b", ns,
    )
    _cell("@model\ndef run(t: float) -> Tensor[2]:\n    return probs(prep(t), shots=10)\n", "c", ns)
    module = ns["run"].module
    assert [op.properties["sym_name"] for op in module] == ["prep", "run"]
    text = print_module(module)
    assert "0.7853981633974483" in text  # angle0 came from __globals__ (a plain float)


def test_closure_over_runtime_value_is_a_diagnostic() -> None:
    def make(scale: float) -> QglmFunction:
        @kernel
        def k(t: float):
            q = qubits(1)  # noqa: F821 - a qglm name, never called
            ry(t * scale, q[0])  # noqa: F821

        return k

    k = make(0.5)
    with pytest.raises(ParseError) as info:
        _ = k.module
    err = info.value
    assert "enclosing Python function" in err.message and "argument" in (err.help or "")
    line = Path(__file__).read_text().splitlines()[err.loc.line - 1]
    assert line[err.loc.col - 1 :].startswith("scale")


def test_calling_a_decorated_function_explains_itself() -> None:
    teleport = _import(ROOT / "examples" / "teleport.py", "teleport_twin2")
    with pytest.raises(NotCompiledError, match="compiled by qglm"):
        teleport.check(0.3)
    from qglm_ir.frontends.python import lang

    with pytest.raises(NotCompiledError):
        lang.ry(0.1, 0)
    assert repr(lang.Angles[8]) == "Angles[8]"
