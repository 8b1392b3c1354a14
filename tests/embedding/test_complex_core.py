"""The compiled complex-embedding kernel: its scalar helpers against the standard library,
its pure-Python body (what runs without numba), and batch splitting over threads."""

from __future__ import annotations

import cmath
import importlib.util
import math

import numpy as np
import pytest

from qglm_ir.embedding import _complex_core, synthesis


def _pure_copy():
    """A fresh, never-jitted copy of the module (``_kernel`` swaps the helpers of the imported
    one for numba dispatchers, so calling its ``complex_core`` would not run plain Python)."""
    spec = importlib.util.spec_from_file_location("_complex_core_pure", _complex_core.__file__)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _atan2_cases() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.normal(size=4000), rng.normal(size=200) * 1e-200, [0.0, 1.0, -1.0, 1.0, -1.0, 2.0, 1e-300]])
    x = np.concatenate([rng.normal(size=4000), rng.normal(size=200), [1.0, 0.0, 0.0, -1.0, -1.0, 2.0 * math.tan(math.pi / 8), -1.0]])
    return y, x


@pytest.mark.parametrize("compiled", [False, True])
def test_atan2_is_within_two_ulp_of_math_atan2(compiled: bool) -> None:
    mod = _complex_core if compiled else _pure_copy()
    if compiled:
        mod._kernel()  # swaps in the numba-compiled helpers
    y, x = _atan2_cases()
    got = np.array([mod._atan2(a, b) for a, b in zip(y, x)])
    want = np.arctan2(y, x)
    assert np.all(np.abs(got - want) <= 2 * np.spacing(np.abs(want)) + 1e-320)
    assert mod._atan2(0.0, 0.0) == 0.0


def test_unit_square_root_is_cmath_sqrt() -> None:
    mod = _pure_copy()
    t = np.concatenate([np.linspace(-math.pi, math.pi, 1001), [math.pi / 2, -math.pi / 2]])
    for c, s in [(math.cos(a), math.sin(a)) for a in t] + [(-1.0, 0.0), (-1.0, -0.0), (1.0, 0.0), (0.0, 1.0)]:
        got, want = mod._usqrt(c, s), cmath.sqrt(complex(c, s))
        assert abs(got - want) <= 4e-16
        assert math.copysign(1.0, got.imag) == math.copysign(1.0, want.imag)  # the branch, signed zero too


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_pure_python_body_prepares_the_same_states_as_the_compiled_kernel(n: int) -> None:
    rng = np.random.default_rng(10 + n)
    dim = 1 << n
    v = rng.normal(size=(3, dim)) + 1j * rng.normal(size=(3, dim))
    v[2, ::2] = 0.0  # zero pairs: the degenerate demultiplexing branch
    v[2, 0] = 1.0
    v /= np.linalg.norm(v, axis=1)[:, None]
    plain = np.empty((3, synthesis.num_slots(n, "complex")))
    _pure_copy().complex_core(v, n, plain)
    fast = _complex_core.complex_angles(v, n)
    t = synthesis.template(n, "complex")
    for i in range(3):
        for angles in (plain[i], fast[i]):
            np.testing.assert_allclose(synthesis.simulate(t, angles), v[i], atol=1e-12)


def test_thread_split_gives_bit_identical_values(monkeypatch: pytest.MonkeyPatch) -> None:
    n, batch = 7, 800  # 800 * 2^7 amplitudes: enough work for three threads (_MIN_WORK_PER_THREAD)
    rng = np.random.default_rng(7)
    v = rng.normal(size=(batch, 1 << n)) + 1j * rng.normal(size=(batch, 1 << n))
    v /= np.linalg.norm(v, axis=1)[:, None]
    serial = _complex_core.complex_angles(v, n, threads=1)
    for threads in (2, 3):
        assert np.array_equal(_complex_core.complex_angles(v, n, threads=threads), serial)
    monkeypatch.setenv("QGLM_BIND_THREADS", "lots")  # not a number: ignored, not a traceback
    assert _complex_core.default_threads() >= 1
    monkeypatch.setenv("QGLM_BIND_THREADS", "2")
    assert _complex_core.default_threads() == 2
    assert np.array_equal(_complex_core.complex_angles(v, n), serial)
    assert np.array_equal(_complex_core.complex_angles(v[5:6], n)[0], serial[5])  # one sample alone
