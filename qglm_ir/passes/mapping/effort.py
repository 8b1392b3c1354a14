"""How much SABRE search a kernel gets, by its size: qglm's own layout search and the Qiskit
SABRE runs qglm makes (the layout start of :mod:`.qiskit_starts`, route's candidates in
:mod:`.qiskit_route`).

Every search routes the kernel once per trial and iteration, so its cost grows with the
kernel's two-qubit gate count times its effort; past a few thousand gates more effort stops
paying while its cost keeps growing. One rule for the forward-backward iterations
(:func:`auto_iterations`) serves both searches.
"""

from __future__ import annotations

#: Trials (layout and swap) of each Qiskit SABRE run qglm makes up to :data:`LARGE_2Q`: layout's
#: Qiskit start and route's Qiskit candidates, so that one run serves the start and route's
#: first candidate (see :func:`.qiskit_starts.sabre_run`). Measured on the corpus
#: (``benchmarks/corpus.py``, heavy-hex:7, seed 1; the start had 16 trials, the candidates 20):
#: 16 for both gave 2q geomean 0.879 of Qiskit O3 against 0.883, no family's largest member
#: above Qiskit; 12 for both 0.895 (QFT-100 5% above Qiskit; su2/ra_linear_100 lost their
#: start: 755 against 607); 8 for the candidates alone 0.887 (QFT-100, QV-32, Heisenberg-100
#: above Qiskit).
QISKIT_TRIALS = 16

#: Trials of route's Qiskit candidate on a calibrated device (up to :data:`LARGE_2Q`), Qiskit O3's
#: own value. It numbers the wires physically (the ESP figures were measured that way; the
#: program numbering, which layout's start shares, gave ESP geomean 2.12 of Qiskit O3 against
#: 3.66 on fake_sherbrooke), so no run is shared there, and 16 trials cost ESP: 3.30.
CALIBRATED_QISKIT_TRIALS = 20

#: Routed two-qubit gates past which every Qiskit SABRE run qglm makes gets
#: :data:`LARGE_TRIALS` trials and :func:`auto_iterations` iterations instead of
#: :data:`QISKIT_TRIALS` trials of 4 iterations. Why: qglm makes up to five such runs per
#: kernel. Measured on a random 100-qubit circuit of 3,000 CX onto heavy-hex:7
#: (``benchmarks/bench_routing_scale.py``, -O3, on a loaded machine): with 20 trials the five runs took 123 of 134 s and the result
#: had 53,512 2q gates; with 2 trials, 10 of 20 s and 53,032; with no Qiskit run at all, 21 s
#: and 53,603. The largest kernel of the benchmark corpus (``benchmarks/corpus.py``, QFT-100)
#: routes 1,790 2q gates, below this.
LARGE_2Q = 2_000

#: Trials (layout and swap) of each Qiskit SABRE run past :data:`LARGE_2Q`: what Qiskit's own
#: ``SabreLayout`` defaults to on this project's 2-core machine (one per CPU).
LARGE_TRIALS = 2


def auto_iterations(num_2q: int) -> int:
    """Forward-backward iterations of a SABRE layout search over ``num_2q`` two-qubit gates:
    4 up to 2,000, 2 up to 5,000, then 1."""
    return 4 if num_2q <= 2_000 else (2 if num_2q <= 5_000 else 1)


def qiskit_effort(num_2q: int, trials: int) -> tuple[int, int]:
    """``(trials, max_iterations)`` of a Qiskit SABRE run on a kernel of ``num_2q`` routed 2q
    gates whose default is ``trials`` (:data:`QISKIT_TRIALS` or :data:`CALIBRATED_QISKIT_TRIALS`)
    of 4 iterations: unchanged up to :data:`LARGE_2Q`, then :data:`LARGE_TRIALS` (never more
    than ``trials``) of :func:`auto_iterations`."""
    if num_2q <= LARGE_2Q:
        return trials, 4
    return min(trials, LARGE_TRIALS), auto_iterations(num_2q)
