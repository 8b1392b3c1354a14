"""Every example of ``docs/language.md`` is compiled: ``qglm`` blocks must
compile and verify, ``python`` blocks must compile with the entry named in
their first line (``# entry: NAME``), and ``qglm-error`` blocks must fail with
a located diagnostic containing the text of their first line
(``// error: TEXT``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qglm_ir.core.errors import QglmError
from qglm_ir.frontends.dsl import compile_source
from qglm_ir.frontends.python import compile_source as py_source
from qglm_ir.verify import verify

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"
_BLOCK = re.compile(r"^```(qglm|qglm-error|python)\n(.*?)^```", re.M | re.S)


def _blocks(kind: str) -> list[tuple[int, str]]:
    text = DOC.read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(2)) for m in _BLOCK.finditer(text) if m.group(1) == kind]


def test_doc_has_examples_of_every_kind() -> None:
    assert len(_blocks("qglm")) >= 12 and len(_blocks("qglm-error")) >= 10 and _blocks("python")


@pytest.mark.parametrize(("line", "src"), _blocks("qglm"), ids=lambda x: str(x) if isinstance(x, int) else "")
def test_example_compiles(line: int, src: str) -> None:
    verify(compile_source(src, f"language.md:{line}"))


@pytest.mark.parametrize(("line", "src"), _blocks("python"), ids=lambda x: str(x) if isinstance(x, int) else "")
def test_python_twin_compiles(line: int, src: str) -> None:
    entry = re.match(r"# entry: (\w+)", src)
    assert entry, "python examples start with '# entry: NAME'"
    verify(py_source(src, str(DOC.parent / "example.py"), entry.group(1)))


@pytest.mark.parametrize(("line", "src"), _blocks("qglm-error"), ids=lambda x: str(x) if isinstance(x, int) else "")
def test_diagnostic_example_fails_as_documented(line: int, src: str) -> None:
    want = re.match(r"// error: (.+)", src)
    assert want, "qglm-error examples start with '// error: TEXT'"
    with pytest.raises(QglmError) as info:
        verify(compile_source(src, "example.qglm"))
    err = info.value
    assert want.group(1).strip() in err.message, err.message
    assert err.loc is not None and err.loc.line >= 2  # located at the offending line, not the comment
    assert "Traceback" not in err.render("example.qglm")
