"""Output safety (issue 14): qglm_ir.outputs and the CLI's use of it."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from qglm_ir import outputs
from qglm_ir.cli import main
from qglm_ir.outputs import OutputError, write_all

ROOT = Path(__file__).resolve().parents[1]
ANSATZ = ROOT / "examples" / "ansatz.qglm"


def qglmc(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(args), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_fifo_destination_is_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.qasm3"
    os.mkfifo(fifo)
    code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(fifo), "-q")
    assert code == 2 and "not a regular file" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_char_device_destination_is_not_replaced() -> None:
    with pytest.raises(OutputError, match="not a regular file"):
        write_all([(Path("/dev/null"), "x")])
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_equal_to_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.qglm"
    src.write_text(ANSATZ.read_text())
    code, err = qglmc("compile", str(src), "--target", "qasm3", "-o", str(src), "-q")
    assert code == 2 and "refusing to overwrite the input" in err
    assert src.read_text() == ANSATZ.read_text()


def test_directory_and_path_under_file_are_bad_usage(tmp_path: Path) -> None:
    code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(tmp_path), "-q")
    assert code == 2 and "is a directory" in err
    f = tmp_path / "file"
    f.write_text("x")
    code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(f / "t.qasm3"), "-q")
    assert code == 2 and "not a folder" in err


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_artifacts_honour_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(tmp_path / "t.qasm3"), "-q")
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(tmp_path / "t.qasm3").st_mode) == mode


def test_failed_report_leaves_no_artifact(tmp_path: Path) -> None:
    blocker = tmp_path / "ro"
    blocker.write_text("a file where a folder should be")
    out = tmp_path / "w" / "t.qasm3"
    code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(out), "--report",
                      str(blocker / "r.json"), "-q")
    assert code == 2 and "not a folder" in err
    assert not out.exists()


def test_rename_failure_rolls_back_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    real = os.replace
    calls = {"n": 0}

    def flaky(src: str, dst: str) -> None:
        if str(dst) == str(b):
            raise PermissionError(13, "Permission denied")
        calls["n"] += 1
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", flaky)
    with pytest.raises(OutputError, match="cannot write outputs"):
        write_all([(a, "new a"), (b, "new b")])
    monkeypatch.setattr(outputs.os, "replace", real)
    assert a.read_text() == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporaries or backups left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_bad_usage(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, err = qglmc("compile", str(ANSATZ), "--target", "qasm3", "-o", str(ro / "t.qasm3"), "-q")
    finally:
        ro.chmod(0o755)
    assert code == 2 and "cannot write" in err


def test_target_all_and_report_are_all_or_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "f"
    blocker.write_text("x")
    code, err = qglmc("compile", str(ANSATZ), "--target", "all", "-o", str(tmp_path / "all"),
                      "--report", str(blocker / "r.json"), "-q")
    assert code == 2
    assert not (tmp_path / "all").exists() or not any((tmp_path / "all").iterdir())
