"""A noise model built from a device's calibration, for prediction and simulation.

:class:`NoiseModel` turns a :class:`~qglm_ir.targets.device.Device` (plus
optional *coherent idle terms*) into the numbers the QEC passes reason with and
the simulators apply:

* per qubit: Markovian ``T1``/``T2`` relaxation and dephasing during every gate
  and idle window; asymmetric readout error ``p01`` = P(read 1 | prepared 0)
  and ``p10`` = P(read 0 | prepared 1) (the symmetric ``readout_error`` when the
  asymmetric parts are unknown); readout duration;
* per gate: error (average gate infidelity, as IBM reports it) and duration.
  The simulated channel is thermal relaxation over the gate's duration followed
  by a depolarizing channel sized so the total infidelity equals the calibrated
  error (the recipe of Qiskit's ``basic_device_gate_errors``);
* coherent idle terms (optional, absent from most calibration snapshots):
  ``detuning_spread_hz[q]``, the standard deviation of a *quasi-static*
  detuning (a frequency offset drawn once per shot, e.g. from TLS or flux
  noise), and ``zz_crosstalk_hz[(a, b)]``, a static ZZ coupling on a coupler.
  During an idle of length ``t`` qubit ``q`` rotates by ``rz(2*pi*delta*t)``
  and a coupled pair by ``rzz(2*pi*zeta*t)`` (a neighbour left in |0> turns
  the latter into ``rz(2*pi*zeta*t)``). Dynamical decoupling refocuses both;
  it cannot undo Markovian T1/T2.

Coherent terms come from ``extras`` (see :func:`parse_noise_extras`): a mapping
with ``"qubits": [{"detuning_spread_hz": ...}, ...]`` (one entry per qubit, or
``{"<q>": {...}}``) and ``"zz_crosstalk": [{"qubits": [a, b], "hz": ...}]``.
:func:`with_noise_extras` attaches them to a device (a :class:`NoisyDevice`,
still a :class:`Device` that every pass accepts) until the device JSON schema
carries them natively.

:func:`to_aer_noise_model` builds the equivalent ``qiskit_aer`` noise model
(gates and readout; coherent and idle terms are inserted into circuits by the
simulators because Aer's noise model cannot depend on idle time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import DeviceError, Location
from ..dialects.gates import GATES
from .device import Device

#: Durations used when the calibration is silent (seconds): typical superconducting values.
DEFAULT_1Q_DURATION = 50e-9
DEFAULT_2Q_DURATION = 300e-9
DEFAULT_READOUT_DURATION = 1.0e-6
#: Classical latency between a mid-circuit measurement and a gate conditioned on it.
DEFAULT_FEEDFORWARD_LATENCY = 0.5e-6
#: Gates that are implemented virtually (frame changes): no error, no time.
VIRTUAL_GATES = frozenset({"rz", "p", "u1", "z", "s", "sdg", "t", "tdg", "id", "global_phase"})


@dataclass(frozen=True)
class QubitNoise:
    """Noise parameters of one physical qubit (``inf`` times mean "no relaxation")."""

    t1: float = math.inf
    t2: float = math.inf
    p01: float = 0.0
    p10: float = 0.0
    readout_duration: float = DEFAULT_READOUT_DURATION
    detuning_spread_hz: float = 0.0

    @property
    def readout_error(self) -> float:
        """Mean readout error over a uniformly random input bit."""
        return 0.5 * (self.p01 + self.p10)

    @property
    def t_phi(self) -> float:
        """Pure-dephasing time: ``1/T_phi = 1/T2 - 1/(2 T1)`` (``inf`` when T2 >= 2 T1)."""
        rate = (1.0 / self.t2 if math.isfinite(self.t2) else 0.0) - (
            0.5 / self.t1 if math.isfinite(self.t1) else 0.0
        )
        return 1.0 / rate if rate > 1e-300 else math.inf

    def relaxation(self, t: float) -> tuple[float, float]:
        """``(gamma, lam)``: amplitude- and phase-damping parameters for an idle of ``t`` s."""
        if t <= 0:
            return 0.0, 0.0
        gamma = 1.0 - math.exp(-t / self.t1) if math.isfinite(self.t1) else 0.0
        tphi = self.t_phi
        lam = 1.0 - math.exp(-2.0 * t / tphi) if math.isfinite(tphi) else 0.0
        return gamma, lam

    def relaxation_infidelity(self, t: float) -> float:
        """Average gate infidelity of ``t`` seconds of T1/T2 relaxation."""
        if t <= 0:
            return 0.0
        e1 = math.exp(-t / self.t1) if math.isfinite(self.t1) else 1.0
        t2 = min(self.t2, 2 * self.t1)
        c = math.exp(-t / t2) if math.isfinite(t2) else 1.0
        f_pro = (1.0 + 2.0 * c + e1) / 4.0
        return 1.0 - (2.0 * f_pro + 1.0) / 3.0

    def coherent_dephasing_infidelity(self, t: float, extra_static_hz: float = 0.0) -> float:
        """Average infidelity of ``t`` s of idle under the coherent terms alone.

        Quasi-static detuning with spread ``sigma`` leaves coherence
        ``exp(-(2 pi sigma t)^2 / 2)``; a static shift ``f`` (ZZ with |0>
        neighbours) is the rotation ``rz(2 pi f t)``. Average infidelity of a
        dephasing that keeps coherence ``c`` is ``(1 - c) / 3``.
        """
        if t <= 0:
            return 0.0
        phi = 2.0 * math.pi * self.detuning_spread_hz * t
        c = math.exp(-0.5 * phi * phi) * math.cos(2.0 * math.pi * extra_static_hz * t)
        return (1.0 - c) / 3.0


@dataclass(frozen=True)
class NoiseModel:
    """Calibration-derived noise of a device (see the module docstring).

    Requires a device; unknown calibration values fall back to "noiseless" for
    errors and to the ``DEFAULT_*`` durations. Guarantees every probability is
    in ``[0, 1]`` and every duration is ``>= 0``.
    """

    device: Device
    qubits: tuple[QubitNoise, ...]
    zz_crosstalk_hz: Mapping[tuple[int, int], float] = field(default_factory=dict)
    feedforward_latency: float = DEFAULT_FEEDFORWARD_LATENCY

    @classmethod
    def from_device(cls, device: Device, extras: Mapping[str, Any] | None = None) -> NoiseModel:
        """The noise model of ``device``; ``extras`` (or ``device.extras``) adds coherent terms."""
        if isinstance(device, NoiseModel):  # already a model: keep it
            return device
        if extras is None:
            extras = getattr(device, "extras", None)
        detuning, zz = parse_noise_extras(extras or {}, device.num_qubits)
        qubits = []
        for q in range(device.num_qubits):
            cal = device.qubit(q)
            ro = device.measure_error(q) or 0.0
            p01 = cal.prob_meas1_prep0 if cal.prob_meas1_prep0 is not None else ro
            p10 = cal.prob_meas0_prep1 if cal.prob_meas0_prep1 is not None else ro
            mcal = device.gate_calibration("measure", (q,))
            dur = cal.readout_duration or (mcal.duration if mcal and mcal.duration else DEFAULT_READOUT_DURATION)
            qubits.append(
                QubitNoise(
                    t1=cal.t1 if cal.t1 else math.inf,
                    t2=cal.t2 if cal.t2 else math.inf,
                    p01=min(1.0, max(0.0, p01)),
                    p10=min(1.0, max(0.0, p10)),
                    readout_duration=dur,
                    detuning_spread_hz=detuning.get(q, 0.0),
                )
            )
        return cls(device, tuple(qubits), zz)

    # ----------------------------------------------------------- per qubit
    def qubit(self, q: int) -> QubitNoise:
        return self.qubits[q]

    def has_coherent_idle_noise(self, q: int) -> bool:
        """Whether qubit ``q`` has quasi-static detuning or ZZ crosstalk to a neighbour."""
        return self.qubits[q].detuning_spread_hz > 0 or any(self.zz_neighbors(q).values())

    def zz_neighbors(self, q: int) -> dict[int, float]:
        """ZZ rate (Hz) to every neighbour of ``q`` that has one."""
        out: dict[int, float] = {}
        for (a, b), hz in self.zz_crosstalk_hz.items():
            if a == q:
                out[b] = hz
            elif b == q:
                out[a] = hz
        return out

    # -------------------------------------------------------------- per gate
    def gate_error(self, name: str, qubits: Sequence[int]) -> float:
        """Calibrated error of gate ``name`` on physical ``qubits`` (0 for virtual gates).

        A non-native gate costs what the device's native gates on those qubits
        cost (``Device.gate_error`` falls back the same way); ``swap`` is three
        2q gates.
        """
        if name in VIRTUAL_GATES:
            return 0.0
        e = self.device.gate_error(name, tuple(qubits))
        if e is None:
            return 0.0
        if name == "swap":
            e = 1.0 - (1.0 - e) ** 3
        return min(1.0, max(0.0, e))

    def gate_duration(self, name: str, qubits: Sequence[int]) -> float:
        """Duration (s) of gate ``name`` on ``qubits``: calibration, else the native
        gates' duration on those qubits, else a default."""
        if name in VIRTUAL_GATES or name == "barrier":
            return 0.0
        qs = tuple(qubits)
        if name == "measure":
            return self.qubits[qs[0]].readout_duration
        cal = self.device.gate_calibration(name, qs)
        if cal is not None and cal.duration is not None:
            return cal.duration
        if name == "reset":
            return self.qubits[qs[0]].readout_duration
        if len(qs) == 2:
            best = None
            for g in self.device.two_qubit_basis:
                for key in (qs, qs[::-1]):
                    c = self.device.gate_calibration(g, key)
                    if c is not None and c.duration is not None:
                        best = c.duration if best is None else min(best, c.duration)
            d = best if best is not None else DEFAULT_2Q_DURATION
            return 3 * d if name == "swap" else d
        if len(qs) == 1:
            for g in ("sx", "x"):
                c = self.device.gate_calibration(g, qs)
                if c is not None and c.duration is not None:
                    return c.duration
            return DEFAULT_1Q_DURATION
        return DEFAULT_2Q_DURATION

    def depolarizing_param(self, name: str, qubits: Sequence[int]) -> float:
        """Depolarizing parameter ``p`` (``rho -> (1-p) rho + p I/d``) of gate ``name``
        such that relaxation over its duration plus depolarizing reach its error."""
        e = self.gate_error(name, qubits)
        if e <= 0:
            return 0.0
        dur = self.gate_duration(name, qubits)
        f_relax = 1.0
        for q in qubits:
            f_relax *= 1.0 - self.qubits[q].relaxation_infidelity(dur)
        e_dep = max(0.0, e - (1.0 - f_relax))
        d = 2 ** len(qubits)
        return min(e_dep * d / (d - 1), d * d / (d * d - 1))


def parse_noise_extras(extras: Mapping[str, Any], num_qubits: int) -> tuple[dict[int, float], dict]:
    """``(detuning by qubit, zz by sorted pair)`` from an extras mapping (module docstring).

    Raises :class:`DeviceError` for malformed entries.
    """

    def fail(msg: str) -> DeviceError:
        return DeviceError(f"noise extras: {msg}", Location("<device>", 1, 1))

    detuning: dict[int, float] = {}
    raw_q = extras.get("qubits", ())
    items: Iterable[tuple[Any, Any]]
    if isinstance(raw_q, Mapping):
        items = raw_q.items()
    elif isinstance(raw_q, Sequence):
        items = enumerate(raw_q)
    else:
        raise fail("'qubits' must be a list or an object")
    for q, entry in items:
        q = int(q)
        if not 0 <= q < num_qubits:
            raise fail(f"qubit {q} out of range")
        if entry is None:
            continue
        if not isinstance(entry, Mapping):
            raise fail(f"qubits[{q}] must be an object")
        v = entry.get("detuning_spread_hz")
        if v is not None:
            if not isinstance(v, (int, float)) or v < 0 or not math.isfinite(v):
                raise fail(f"qubits[{q}].detuning_spread_hz must be a non-negative number")
            detuning[q] = float(v)
    zz: dict[tuple[int, int], float] = {}
    for i, entry in enumerate(extras.get("zz_crosstalk", ()) or ()):
        qs = entry.get("qubits") if isinstance(entry, Mapping) else None
        hz = entry.get("hz") if isinstance(entry, Mapping) else None
        if (not isinstance(qs, Sequence) or len(qs) != 2 or not isinstance(hz, (int, float))
                or not all(isinstance(x, int) and 0 <= x < num_qubits for x in qs) or qs[0] == qs[1]):
            raise fail(f"zz_crosstalk[{i}] must be {{'qubits': [a, b], 'hz': number}}")
        zz[(min(qs), max(qs))] = float(hz)
    return detuning, zz


@dataclass(frozen=True)
class NoisyDevice(Device):
    """A :class:`Device` carrying coherent noise ``extras`` (see the module docstring)."""

    extras: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return Device.__hash__(self)


def with_noise_extras(
    device: Device,
    detuning_spread_hz: Mapping[int, float] | float | None = None,
    zz_crosstalk_hz: Mapping[tuple[int, int], float] | None = None,
) -> NoisyDevice:
    """``device`` with quasi-static detuning (per qubit, or one value for all) and ZZ terms."""
    if isinstance(detuning_spread_hz, (int, float)):
        det = {q: float(detuning_spread_hz) for q in range(device.num_qubits)}
    else:
        det = dict(detuning_spread_hz or {})
    extras = {
        "qubits": {str(q): {"detuning_spread_hz": v} for q, v in det.items()},
        "zz_crosstalk": [{"qubits": [a, b], "hz": hz} for (a, b), hz in (zz_crosstalk_hz or {}).items()],
    }
    parse_noise_extras(extras, device.num_qubits)  # validate early
    return NoisyDevice(device.name, device.num_qubits, device.edges, device.basis_gates, device.qubits,
                       device.gates, device.description, extras)


def noise_model_of(device: Any) -> NoiseModel:
    """A :class:`NoiseModel` from a device, a noise model or a device spec string."""
    if isinstance(device, NoiseModel):
        return device
    if isinstance(device, str):
        from . import load_device

        device = load_device(device)
    if not isinstance(device, Device):
        raise DeviceError("a calibrated device is needed to build a noise model", Location("<device>", 1, 1))
    return NoiseModel.from_device(device)


# ------------------------------------------------------------------------- Aer
#: Gates given an Aer error by :func:`to_aer_noise_model` (qiskit instruction names).
AER_1Q = ("x", "sx", "y", "h", "rx", "ry", "u", "u3", "u2", "sxdg", "id")
AER_2Q = ("cx", "cz", "ecr", "swap", "rzz", "cy", "ch")


def aer_gate_error(model: NoiseModel, name: str, phys: Sequence[int]) -> Any:
    """The ``qiskit_aer`` ``QuantumError`` of gate ``name`` on physical ``phys``, or ``None``."""
    from qiskit_aer.noise import depolarizing_error, thermal_relaxation_error

    dur = model.gate_duration(name, phys)
    relax = []
    for q in phys:
        qn = model.qubits[q]
        if dur > 0 and (math.isfinite(qn.t1) or math.isfinite(qn.t2)):
            t1 = qn.t1 if math.isfinite(qn.t1) else 1e30
            relax.append(thermal_relaxation_error(t1, min(qn.t2 if math.isfinite(qn.t2) else 1e30, 2 * t1), dur))
        else:
            relax.append(depolarizing_error(0.0, 1))
    err = None
    if dur > 0:
        err = relax[0]
        for e in relax[1:]:
            err = err.expand(e)  # ``a.expand(b)`` is b (x) a: later qubits are more significant
    p = model.depolarizing_param(name, phys)
    if p > 0:
        dep = depolarizing_error(p, len(phys))
        err = dep if err is None else err.compose(dep)
    return err


def to_aer_noise_model(device: Any, qubits: Sequence[int] | None = None) -> Any:
    """A ``qiskit_aer.noise.NoiseModel`` of the device's gate and readout errors.

    ``qubits[i]`` is the physical qubit of circuit qubit ``i`` (default: all
    device qubits in order), so a small circuit on a few physical qubits gets
    their calibration. Errors are added for the gate names in ``AER_1Q`` /
    ``AER_2Q`` on every pair of those qubits that the device couples, and a
    (possibly asymmetric) readout error on every qubit. Virtual gates (``rz``)
    stay ideal. Idle relaxation and coherent terms are not part of it.
    Requires ``qiskit-aer`` (extra ``qglm[aer]``).
    """
    try:
        from qiskit_aer.noise import NoiseModel as AerNoiseModel
        from qiskit_aer.noise import ReadoutError
    except ImportError:  # pragma: no cover - depends on the environment
        raise DeviceError("to_aer_noise_model needs qiskit-aer", Location("<device>", 1, 1),
                          help="pip install qglm[aer]") from None
    model = noise_model_of(device)
    phys = list(qubits) if qubits is not None else list(range(len(model.qubits)))
    index = {p: i for i, p in enumerate(phys)}
    nm = AerNoiseModel(basis_gates=sorted({*AER_1Q, *AER_2Q, "rz", "measure", "reset", "delay"}))
    for p, i in index.items():
        qn = model.qubits[p]
        if qn.p01 or qn.p10:
            nm.add_readout_error(ReadoutError([[1 - qn.p01, qn.p01], [qn.p10, 1 - qn.p10]]), [i])
        for g in AER_1Q:
            err = aer_gate_error(model, g if g in GATES else "x", [p])
            if err is not None:
                nm.add_quantum_error(err, g, [i])
    for a, b in model.device.undirected_edges:
        if a in index and b in index:
            for qa, qb in ((a, b), (b, a)):
                for g in AER_2Q:
                    err = aer_gate_error(model, g, [qa, qb])
                    if err is not None:
                        nm.add_quantum_error(err, g, [index[qa], index[qb]])
    return nm


def confusion_matrix(model: NoiseModel, q: int) -> np.ndarray:
    """``M[read, prepared]`` readout confusion matrix of qubit ``q`` (columns sum to 1)."""
    qn = model.qubits[q]
    return np.array([[1 - qn.p01, qn.p10], [qn.p01, 1 - qn.p10]])


__all__ = [
    "NoiseModel",
    "NoisyDevice",
    "QubitNoise",
    "confusion_matrix",
    "noise_model_of",
    "parse_noise_extras",
    "to_aer_noise_model",
    "with_noise_extras",
]
