"""``qglmc opt --device``: mapping and qec passes on textual IR need a device."""

from __future__ import annotations

import io
from pathlib import Path

from qglm_ir.cli import main

IR = """module {
  q.kernel @k() {
    %q0 = q.alloc
    %q1 = q.alloc
    %q2 = q.alloc
    %0 = q.h %q0
    %1, %2 = q.cx %0, %q2
    q.dealloc %1
    q.dealloc %2
    q.dealloc %q1
    func.return
  }
}
"""


def qglmc(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_opt_maps_onto_the_device(tmp_path: Path) -> None:
    src = tmp_path / "k.qglmir"
    src.write_text(IR)
    code, out, err = qglmc("opt", str(src), "--passes", "layout,route", "--device", "line:4", "-q")
    assert code == 0, err
    assert "initial_layout = [" in out and out.count("q.alloc") == 4  # one wire per physical qubit


def test_opt_rejects_an_unknown_device_before_running(tmp_path: Path) -> None:
    src = tmp_path / "k.qglmir"
    src.write_text(IR)
    code, out, err = qglmc("opt", str(src), "--passes", "layout", "--device", "bogus:3", "-q")
    assert code == 1 and out == "" and "unknown device 'bogus:3'" in err and "Traceback" not in err
