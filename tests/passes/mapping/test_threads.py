"""Seeded search trials on threads (:mod:`qglm_ir.passes.mapping.threads`): the results are
the serial ones, in trial order, the layout and routing searches really use the threads on
large kernels, their compiled cores run without the GIL, and a compile is the same IR with
one thread or several (checked against Qiskit's ``Operator`` too)."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest
from qiskit.quantum_info import Operator

import qglm_ir
from qglm_ir.backends.qiskit import to_qiskit
from qglm_ir.passes.mapping import aot, engine, threads
from qglm_ir.passes.mapping.graph import device_graph
from qglm_ir.targets import load_device
from qglm_ir.text import print_module

from .conftest import random_module
from .test_engine import _random_dag


def test_map_trials_keeps_trial_order_whatever_finishes_first() -> None:
    def trial(k: int) -> tuple[int, str]:
        time.sleep(0.002 * (5 - k % 5))  # early trials finish last
        return k * k, threading.current_thread().name

    got = threads.map_trials(trial, range(10), 2)
    assert [v for v, _ in got] == [k * k for k in range(10)]
    assert any(name.startswith("qglm-search") for _, name in got)


def test_trials_see_the_callers_context_like_the_compile_memo() -> None:
    from qglm_ir.passes.memo import compile_scope, memoized

    calls: list[int] = []

    def trial(k: int) -> int:
        return memoized(("test_threads", k % 2), lambda: calls.append(k) or k % 2)

    with compile_scope():
        assert [trial(0), trial(1)] == [0, 1]  # stored in this compile's memo
        got = threads.map_trials(trial, range(6), 2)
    assert got == [k % 2 for k in range(6)]
    assert calls == [0, 1]  # every trial on a thread found the memo's answers


def test_iter_trials_is_lazy_by_batch() -> None:
    started: list[int] = []

    def trial(k: int) -> int:
        started.append(k)
        return k

    got = []
    for v in threads.iter_trials(trial, 10, 2):
        got.append(v)
        if v == 2:  # stop in the second batch of two
            break
    assert got == [0, 1, 2]
    assert sorted(started) == [0, 1, 2, 3]  # the batch after the stop never started


def test_map_trials_raises_the_first_failure_in_trial_order() -> None:
    def trial(k: int) -> int:
        if k in (3, 6):
            time.sleep(0.01 if k == 3 else 0.0)  # 6 fails first in time, 3 first in order
            raise ValueError(str(k))
        return k

    with pytest.raises(ValueError, match="3"):
        threads.map_trials(trial, range(8), 2)


def test_width_serial_for_small_work_one_thread_and_inside_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QGLM_THREADS", "2")
    assert threads.width(threads.MIN_PARALLEL_WORK, 8) == 2
    assert threads.width(threads.MIN_PARALLEL_WORK - 1, 8) == 1
    assert threads.width(10**9, 1) == 1
    with threads.limit_threads(1):
        assert threads.width(10**9, 8) == 1
    monkeypatch.setenv("QGLM_THREADS", "1")
    assert threads.width(10**9, 8) == 1


def _core_args(n_nodes: int) -> tuple:
    rng = np.random.default_rng(5)
    g = device_graph(load_device("heavy-hex:7"))
    node_a, node_b, ptr, idx, npred, _ = _random_dag(rng, 40, n_nodes)
    v2p0 = rng.permutation(g.num_qubits)[:40].astype(np.int64)
    return (node_a, node_b, ptr, idx, npred, v2p0, g.num_qubits, g.adj, g.nb_ptr, g.nb_idx, g.dist, g.hops,
            20, 0.5, 0.001, 5, 3, 10 * g.num_qubits, 0.0)


@pytest.mark.parametrize("which", ["aot", "jit"])
def test_compiled_core_runs_without_the_gil(which: str) -> None:
    """While one thread is inside the SABRE core, another runs Python. With the GIL held
    for the whole call (numba.pycc's default) the main thread could only resume once the
    worker thread had finished."""
    if which == "aot":
        ext = aot.load()
        if ext is None:
            pytest.skip("ahead-of-time build unavailable here")
        core = ext.sabre_core
    else:
        core = engine.sabre_route_jit
    args = _core_args(40_000)  # about 0.15 s per call: far longer than the main thread's count
    core(*args)  # compiled and warm
    started, finished = threading.Event(), threading.Event()

    def worker() -> None:
        started.set()
        core(*args)
        finished.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)  # no forced switch: the main thread runs only if the core lets go
    try:
        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        count = 0
        for _ in range(1000):
            count += 1
        finished_before_main_ran = finished.is_set()
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert not finished_before_main_ran


def _compile(monkeypatch: pytest.MonkeyPatch, n: str, module, spec: str):
    monkeypatch.setenv("QGLM_THREADS", n)
    seen: set[str] = set()
    real = engine.sabre_route

    def spy(*args):
        seen.add(threading.current_thread().name)
        return real(*args)

    from qglm_ir.passes.mapping import layout, route

    monkeypatch.setattr(layout, "sabre_route", spy)
    monkeypatch.setattr(route, "sabre_route", spy)
    out = qglm_ir.compile(module, device=spec, optimization_level=3, seed=1)
    monkeypatch.undo()
    return out, seen


@pytest.mark.parametrize(("spec", "qubits", "check_operator"),
                         [("grid:3x3", 9, True), ("qiskit:fake_sherbrooke", 12, False)])
def test_compile_is_the_same_on_one_thread_and_two(monkeypatch: pytest.MonkeyPatch, spec: str, qubits: int,
                                                   check_operator: bool) -> None:
    module = random_module(qubits, 90, seed=4)
    serial, names1 = _compile(monkeypatch, "1", module, spec)
    parallel, names2 = _compile(monkeypatch, "2", module, spec)
    assert not any(n.startswith("qglm-search") for n in names1)
    assert any(n.startswith("qglm-search") for n in names2), "the search trials did not run on threads"
    assert print_module(parallel) == print_module(serial)
    if check_operator:  # and it still means the source: Qiskit's Operator through the emitted layout
        qc_in, qc_out = to_qiskit(module), to_qiskit(parallel)
        assert qc_out.layout is not None and qc_out.num_qubits == qc_in.num_qubits
        assert Operator.from_circuit(qc_out).equiv(Operator(qc_in))
