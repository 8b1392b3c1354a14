"""The file entry point: never imports or runs the file, follows sibling imports, selects the entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qglm_ir.core.errors import ParseError, QglmError
from qglm_ir.frontends.loader import load_program
from qglm_ir.frontends.python import compile_file, compile_source
from qglm_ir.text import print_module

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = '''\
import pathlib
from qglm_ir.frontends.python.lang import *

pathlib.Path({marker!r}).write_text("the module body ran")
raise SystemExit("the module body ran")

n = 2


@kernel
def bell():
    q = qubits(n)
    h(q[0])
    cx(q[0], q[1])
    a = measure(q[0])
    b = measure(q[1])
    return a, b


@model
def run() -> Tensor[4]:
    return probs(bell(), shots=100)


if __name__ == "__main__":
    pathlib.Path({marker!r}).write_text("main ran")
'''


def test_file_is_compiled_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    src = tmp_path / "prog.py"
    src.write_text(PROGRAM.format(marker=str(marker)))
    module = compile_file(src, "run")
    assert not marker.exists()
    names = [op.properties["sym_name"] for op in module]
    assert names == ["bell", "run"]
    text = print_module(module)
    assert "q.cx" in text and "stats.probs" in text
    # Sanity check of the test itself: running the file does create the marker.
    subprocess.run([sys.executable, str(src)], cwd=ROOT, capture_output=True, check=False)
    assert marker.exists()


def test_loader_passes_entry(tmp_path: Path) -> None:
    src = tmp_path / "prog.py"
    src.write_text(PROGRAM.format(marker=str(tmp_path / "ran.txt")))
    module = load_program(src, entry="bell")
    assert [op.properties["sym_name"] for op in module] == ["bell"]
    with pytest.raises(QglmError, match="needs --entry"):
        load_program(src)


def test_entry_selects_its_closure() -> None:
    src = '''
from qglm_ir.frontends.python.lang import *
w = param(Tensor[2], init=zeros())
unused = param(Tensor[3])

@kernel
def a(t: Angles[2]):
    q = qubits(2)
    ry(t[0] + w[0], q[0])

@kernel
def b(t: Angles[2]):
    q = qubits(2)
    h(q[1])
'''
    only_a = compile_source(src, "p.py", "a")
    assert [op.properties["sym_name"] for op in only_a] == ["w", "a"]
    everything = compile_source(src, "p.py")
    assert [op.properties["sym_name"] for op in everything] == ["w", "unused", "a", "b"]


def test_unknown_entry_lists_the_decorated_functions() -> None:
    with pytest.raises(ParseError) as info:
        compile_source("from qglm_ir.frontends.python.lang import *\n@kernel\ndef k():\n    q = qubits(1)\n", "p.py", "nope")
    assert "no function named 'nope'" in info.value.message and "k" in (info.value.help or "")


def test_sibling_import_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import *\nx = 1\n")
    (tmp_path / "b.py").write_text("from a import *\ny = 2\n")
    with pytest.raises(ParseError, match="import cycle"):
        compile_file(tmp_path / "a.py")


def test_import_of_missing_name(tmp_path: Path) -> None:
    (tmp_path / "lib.py").write_text("x = 1\n")
    (tmp_path / "main.py").write_text("from lib import y\n")
    with pytest.raises(ParseError) as info:
        compile_file(tmp_path / "main.py")
    assert "defines no 'y'" in info.value.message and (info.value.loc.line, info.value.loc.col) == (1, 17)


def test_defines_override_constants() -> None:
    ansatz = ROOT / "examples" / "ansatz.py"
    module = compile_file(ansatz, "ring_ansatz", defines={"layers": "3"})
    (theta,) = [op for op in module if op.properties.get("sym_name") == "ansatz_theta"]
    assert theta.properties["type"].shape == (3, 8)


def test_cli_check_on_python_file() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", "check", "examples/text_classifier.py", "--entry", "classify"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "qglm_ir.cli", "check", "examples/text_classifier.py", "--entry", "classifier"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert bad.returncode == 1 and "no function named 'classifier'" in bad.stderr and "Traceback" not in bad.stderr


def test_documentation_example_compiles() -> None:
    import re

    text = (ROOT / "docs" / "python-frontend.md").read_text()
    src = re.search(r"```python\n(.*?)```", text, re.S)
    assert src is not None
    module = compile_source(src.group(1), "doc.py", "classify")
    assert [op.properties["sym_name"] for op in module][-2:] == ["ansatz", "classify"]
