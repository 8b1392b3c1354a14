"""CI and long profiles of the differential campaign (``QGLM_DIFF_LONG=1`` selects the long one).

The CI profile compiles every measurement-free random circuit once, at one
(level, device) pair taken round-robin over all 16, so each pair sees the same
number of circuits; the long profile compiles every circuit at all 16 pairs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ._corpus import DEVICES, LEVELS

LONG = os.environ.get("QGLM_DIFF_LONG", "") not in ("", "0")
COMBOS: list[tuple[int, str | None]] = [(lvl, dev) for dev in DEVICES for lvl in LEVELS]


@dataclass(frozen=True)
class Profile:
    random_unitary: int  # distinct random measurement-free circuits
    all_combos: bool  # every random circuit at all 16 (level, device) pairs?
    engine_every: int  # run the compiled program through ``qglmc run`` for every k-th compile
    dynamic_meas_reset: int  # random_circuit(measure=True, reset=True) circuits
    dynamic_feedforward: int  # single-bit feed-forward circuits
    dynamic_regcond: int  # random_circuit(..., conditional=True): register conditions
    hybrid_levels: tuple[int, ...]
    library_levels: tuple[int, ...]  # levels for the qiskit.circuit.library families (all devices)
    dynamic_pairs: int  # (level, device) pairs per dynamic circuit (16 = all)


CI = Profile(
    random_unitary=320, all_combos=False, engine_every=4,
    dynamic_meas_reset=8, dynamic_feedforward=16, dynamic_regcond=2, hybrid_levels=(0, 1, 2, 3),
    library_levels=(0, 3), dynamic_pairs=2,
)
LONG_PROFILE = Profile(
    random_unitary=500, all_combos=True, engine_every=1,
    dynamic_meas_reset=40, dynamic_feedforward=80, dynamic_regcond=10, hybrid_levels=(0, 1, 2, 3),
    library_levels=(0, 1, 2, 3), dynamic_pairs=16,
)
PROFILE = LONG_PROFILE if LONG else CI


def random_unitary_plan(profile: Profile = PROFILE) -> list[tuple[int, int, str | None]]:
    """``(seed, level, device)`` for every random measurement-free compile of the profile."""
    if profile.all_combos:
        return [(s, lvl, dev) for s in range(profile.random_unitary) for lvl, dev in COMBOS]
    return [(s, *COMBOS[s % len(COMBOS)]) for s in range(profile.random_unitary)]


def dynamic_pairs(i: int, profile: Profile = PROFILE) -> list[tuple[int, str | None]]:
    """The (level, device) pairs of the ``i``-th dynamic circuit: spread so all 16 are covered."""
    if profile.dynamic_pairs >= len(COMBOS):
        return list(COMBOS)
    step = len(COMBOS) // profile.dynamic_pairs + 1
    return [COMBOS[(i + k * step) % len(COMBOS)] for k in range(profile.dynamic_pairs)]
