"""The device model: a coupling graph, a native gate set and optional calibration.

A :class:`Device` is an immutable value. Couplers are stored **directed**: an
edge ``(a, b)`` means a native two-qubit gate can act with ``a`` as its first
qubit (control of ``cx``, first qubit of ``ecr``) and ``b`` as its second.
Symmetric hardware lists both directions. Calibration is optional and partial:

* per qubit (:class:`QubitCalibration`): ``t1``, ``t2`` and ``readout_duration``
  in seconds, ``readout_error`` and, where known, its asymmetric parts
  ``prob_meas1_prep0`` (p01) and ``prob_meas0_prep1`` (p10), and ``usable``;
* per gate instance (:class:`GateCalibration`), keyed ``(gate, qubits)``:
  ``error`` (probability in [0, 1]), ``duration`` (seconds) and ``usable``.

A qubit or coupler is *unusable* when the calibration says so (``usable=False``)
or reports an error of 1.0 (IBM's way of marking broken parts). Mapping passes
never place program qubits on unusable qubits nor route through unusable
couplers. The JSON form is described in ``docs/device-schema.md``; the JSON
Schema itself ships as ``qglm_ir/targets/schema.json``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .. import limits
from ..core.errors import DeviceError, Location
from ..dialects.gates import GATES
from . import jsonspan
from .jsonspan import Spans

FORMAT = "qglm-device"
VERSION = 1

#: Error at or above which a qubit, gate or coupler counts as broken.
BROKEN_ERROR = 1.0 - 1e-9


@dataclass(frozen=True, slots=True)
class QubitCalibration:
    """Calibration of one physical qubit; ``None`` means unknown."""

    t1: float | None = None
    t2: float | None = None
    readout_error: float | None = None
    prob_meas1_prep0: float | None = None
    prob_meas0_prep1: float | None = None
    readout_duration: float | None = None
    usable: bool = True

    def is_empty(self) -> bool:
        return self == _EMPTY_QUBIT

    @property
    def measure_error(self) -> float | None:
        """The readout error, or the mean of p01 and p10 when only those are known."""
        if self.readout_error is not None:
            return self.readout_error
        if self.prob_meas1_prep0 is not None and self.prob_meas0_prep1 is not None:
            return 0.5 * (self.prob_meas1_prep0 + self.prob_meas0_prep1)
        return None


@dataclass(frozen=True, slots=True)
class GateCalibration:
    """Calibration of one gate on specific physical qubits; ``None`` means unknown."""

    error: float | None = None
    duration: float | None = None
    usable: bool = True

    @property
    def broken(self) -> bool:
        return (not self.usable) or (self.error is not None and self.error >= BROKEN_ERROR)


_EMPTY_QUBIT = QubitCalibration()

GateKey = tuple[str, tuple[int, ...]]


@dataclass(frozen=True)
class Device:
    """A target device (see the module docstring).

    Requires: qubits are ``0..num_qubits-1``; every edge joins two distinct
    qubits in range; ``qubits`` is empty or has one entry per qubit; gate
    calibration keys name gates of the gate table on in-range qubits.
    :meth:`__post_init__` checks all of this and raises :class:`DeviceError`.
    """

    name: str
    num_qubits: int
    edges: tuple[tuple[int, int], ...]
    basis_gates: tuple[str, ...] = ("cx", "rz", "sx", "x")
    qubits: tuple[QubitCalibration, ...] = ()
    gates: Mapping[GateKey, GateCalibration] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.num_qubits, int) or self.num_qubits < 1:
            raise _err(f"device '{self.name}': num_qubits must be a positive integer, got {self.num_qubits!r}")
        edges = []
        seen = set()
        for e in self.edges:
            a, b = (int(x) for x in e)
            if not (0 <= a < self.num_qubits and 0 <= b < self.num_qubits) or a == b:
                raise _err(f"device '{self.name}': bad coupler {e!r} for {self.num_qubits} qubits")
            if (a, b) not in seen:
                seen.add((a, b))
                edges.append((a, b))
        object.__setattr__(self, "edges", tuple(edges))
        object.__setattr__(self, "basis_gates", tuple(self.basis_gates))
        for g in self.basis_gates:
            if g not in GATES and g not in ("measure", "reset", "delay", "barrier"):
                raise _err(f"device '{self.name}': unknown basis gate {g!r}",
                           help=f"known gates: {', '.join(GATES)}")
        if self.qubits and len(self.qubits) != self.num_qubits:
            raise _err(f"device '{self.name}': {len(self.qubits)} qubit calibrations for {self.num_qubits} qubits")
        object.__setattr__(self, "qubits", tuple(self.qubits))
        for (g, qs), cal in self.gates.items():
            if g not in GATES and g not in ("measure", "reset"):
                raise _err(f"device '{self.name}': calibration for unknown gate {g!r}")
            if any(not 0 <= q < self.num_qubits for q in qs):
                raise _err(f"device '{self.name}': calibration of {g} on out-of-range qubits {qs}")
            if cal.error is not None and not 0.0 <= cal.error <= 1.0:
                raise _err(f"device '{self.name}': error of {g}{list(qs)} must be in [0, 1], got {cal.error}")
        object.__setattr__(self, "gates", dict(self.gates))

    # ------------------------------------------------------------ structure
    @cached_property
    def directed(self) -> frozenset[tuple[int, int]]:
        """The native (directed) couplers."""
        return frozenset(self.edges)

    @cached_property
    def undirected_edges(self) -> tuple[tuple[int, int], ...]:
        """Each coupler once, as ``(min, max)``, sorted."""
        return tuple(sorted({(min(a, b), max(a, b)) for a, b in self.edges}))

    @cached_property
    def neighbors(self) -> tuple[tuple[int, ...], ...]:
        """Sorted neighbours of every qubit, ignoring direction."""
        adj: list[set[int]] = [set() for _ in range(self.num_qubits)]
        for a, b in self.edges:
            adj[a].add(b)
            adj[b].add(a)
        return tuple(tuple(sorted(s)) for s in adj)

    def coupled(self, a: int, b: int) -> bool:
        """Whether a coupler joins ``a`` and ``b`` in either direction."""
        return (a, b) in self.directed or (b, a) in self.directed

    @cached_property
    def is_symmetric(self) -> bool:
        """Whether every coupler is native in both directions."""
        return all((b, a) in self.directed for a, b in self.edges)

    @property
    def has_calibration(self) -> bool:
        return bool(self.gates) or any(not q.is_empty() for q in self.qubits)

    @property
    def two_qubit_basis(self) -> tuple[str, ...]:
        return tuple(g for g in self.basis_gates if g in GATES and GATES[g].num_qubits == 2)

    # ---------------------------------------------------------- calibration
    def qubit(self, q: int) -> QubitCalibration:
        return self.qubits[q] if self.qubits else _EMPTY_QUBIT

    def gate_calibration(self, gate: str, qubits: Sequence[int]) -> GateCalibration | None:
        return self.gates.get((gate, tuple(qubits)))

    def gate_error(self, gate: str, qubits: Sequence[int]) -> float | None:
        """Calibrated error of ``gate`` on ``qubits``. A 2q gate falls back to the
        best native 2q gate on that coupler (direction ignored): after
        basis translation every 2q gate costs at least one native gate there."""
        cal = self.gates.get((gate, tuple(qubits)))
        if cal is not None and cal.error is not None:
            return cal.error
        if len(qubits) == 2:
            return self.coupler_error(qubits[0], qubits[1])
        if len(qubits) == 1:
            return self.single_qubit_error(qubits[0])
        return None

    @cached_property
    def _coupler_errors(self) -> dict[tuple[int, int], float]:
        best: dict[tuple[int, int], float] = {}
        for (_g, qs), cal in self.gates.items():
            if len(qs) != 2 or cal.error is None or not cal.usable:
                continue
            key = (min(qs), max(qs))
            best[key] = min(best.get(key, 1.0), cal.error)
        return best

    def coupler_error(self, a: int, b: int) -> float | None:
        """Lowest calibrated error of a usable native 2q gate on coupler ``{a, b}``."""
        return self._coupler_errors.get((min(a, b), max(a, b)))

    @cached_property
    def _single_errors(self) -> dict[int, float]:
        # The error of the physical "pulse" gates (sx, x, ...); rz is virtual (error 0).
        worst: dict[int, float] = {}
        for (g, qs), cal in self.gates.items():
            if len(qs) != 1 or cal.error is None or g in ("measure", "reset"):
                continue
            worst[qs[0]] = max(worst.get(qs[0], 0.0), cal.error)
        return worst

    def single_qubit_error(self, q: int) -> float | None:
        """Largest calibrated error among 1q gates on ``q`` (``None`` if none known)."""
        return self._single_errors.get(q)

    def measure_error(self, q: int) -> float | None:
        """Readout error of ``q``: the qubit calibration, else a ``measure`` gate entry."""
        e = self.qubit(q).measure_error
        if e is not None:
            return e
        cal = self.gates.get(("measure", (q,)))
        return cal.error if cal is not None else None

    @cached_property
    def usable_qubits(self) -> frozenset[int]:
        """Qubits a mapping may use: not marked unusable, no error of 1.0 on readout
        or on every calibrated 1q gate."""
        bad: set[int] = set()
        one_q: dict[int, list[bool]] = {}
        for (g, qs), cal in self.gates.items():
            if len(qs) == 1 and g not in ("reset",):
                one_q.setdefault(qs[0], []).append(cal.broken)
        for q in range(self.num_qubits):
            qc = self.qubit(q)
            me = self.measure_error(q)
            if not qc.usable or (me is not None and me >= BROKEN_ERROR):
                bad.add(q)
            elif any(one_q.get(q, [])):
                # A broken sx/x on a qubit makes every non-trivial 1q gate impossible there.
                bad.add(q)
        return frozenset(range(self.num_qubits)) - bad

    @cached_property
    def usable_directed(self) -> frozenset[tuple[int, int]]:
        """Directed couplers between usable qubits whose native 2q gates are not all broken."""
        ok = self.usable_qubits
        cal_by_dir: dict[tuple[int, int], list[bool]] = {}
        for (_g, qs), cal in self.gates.items():
            if len(qs) == 2:
                cal_by_dir.setdefault((qs[0], qs[1]), []).append(cal.broken)
        out = set()
        for a, b in self.edges:
            if a not in ok or b not in ok:
                continue
            flags = cal_by_dir.get((a, b))
            if flags and all(flags):
                continue
            out.add((a, b))
        return frozenset(out)

    @cached_property
    def usable_edges(self) -> tuple[tuple[int, int], ...]:
        """Usable couplers, each once as ``(min, max)``, sorted."""
        return tuple(sorted({(min(a, b), max(a, b)) for a, b in self.usable_directed}))

    # -------------------------------------------------------- serialization
    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see ``docs/device-schema.md``)."""
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "description": self.description,
            "num_qubits": self.num_qubits,
            "basis_gates": list(self.basis_gates),
            "coupling_map": [list(e) for e in self.edges],
        }
        if any(not q.is_empty() for q in self.qubits):
            out["qubits"] = [
                {k: getattr(q, k) for k in _QUBIT_KEYS if getattr(q, k) != getattr(_EMPTY_QUBIT, k)}
                for q in self.qubits
            ]
        if self.gates:
            gates = []
            for (g, qs), cal in sorted(self.gates.items()):
                entry: dict[str, Any] = {"gate": g, "qubits": list(qs)}
                if cal.error is not None:
                    entry["error"] = cal.error
                if cal.duration is not None:
                    entry["duration"] = cal.duration
                if not cal.usable:
                    entry["usable"] = False
                gates.append(entry)
            out["gates"] = gates
        return out

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the JSON form atomically (a failed write leaves no partial file)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.write("\n")
        os.replace(tmp, path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<device>") -> Device:
        """Build a device from its JSON form; raises :class:`DeviceError` naming ``source``."""
        return _from_dict(data, source)

    @classmethod
    def from_json(cls, text: str, source: str = "<device>") -> Device:
        """Parse and validate a device file's text; errors are located at the offending field.

        Read with :mod:`.jsonspan` (iterative, strict, duplicate keys refused), not ``json.loads``.
        """
        def fail(message: str, offset: int) -> DeviceError:
            return _err(f"invalid JSON: {message}", source, text, offset=offset)

        lim = limits.current()
        data, spans = jsonspan.parse(text, fail, lim.max_depth, lim.max_int_digits)
        return _from_dict(data, source, text, spans)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Device:
        """Read a device JSON file (a regular file within the size limits) and validate it."""
        from ..frontends.source import read_source

        path = os.fspath(path)
        return cls.from_json(read_source(path, what="device file", error=DeviceError), path)

    # ------------------------------------------------------------- variants
    def with_calibration(
        self,
        qubits: Sequence[QubitCalibration] | None = None,
        gates: Mapping[GateKey, GateCalibration] | None = None,
    ) -> Device:
        """A copy with replaced calibration (``None`` keeps the current part)."""
        return Device(
            self.name,
            self.num_qubits,
            self.edges,
            self.basis_gates,
            tuple(qubits) if qubits is not None else self.qubits,
            dict(gates) if gates is not None else self.gates,
            self.description,
        )

    def summary(self) -> str:
        n_edges = len(self.undirected_edges)
        cal = "calibrated" if self.has_calibration else "no calibration"
        return f"{self.name}: {self.num_qubits} qubits, {n_edges} couplers, basis {','.join(self.basis_gates)}, {cal}"

    def __hash__(self) -> int:  # frozen dataclass with a dict field: hash on identity-ish parts
        return hash((self.name, self.num_qubits, self.edges, self.basis_gates))


_QUBIT_KEYS = ("t1", "t2", "readout_error", "prob_meas1_prep0", "prob_meas0_prep1", "readout_duration", "usable")
_TOP_KEYS = {"format", "version", "name", "description", "num_qubits", "basis_gates", "coupling_map", "qubits", "gates"}


def _err(message: str, source: str = "<device>", text: str | None = None, needle: str | None = None,
         help: str | None = None, offset: int | None = None) -> DeviceError:
    """A DeviceError located at ``offset`` in ``text``, else at the first occurrence of ``needle``."""
    line, col, length = 1, 1, 1
    idx = offset if offset is not None else (text.find(needle) if text is not None and needle else -1)
    if text is not None and idx is not None and idx >= 0:
        line = text.count("\n", 0, idx) + 1
        col = idx - (text.rfind("\n", 0, idx) + 1) + 1
        length = len(needle) if needle and offset is None else 1
    return DeviceError(message, Location(source, line, col, length, text), help=help)


def _number(value: Any, what: str, fail, path: tuple = ()) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(f"{what} must be a finite number, got {value!r}", path=path)
    if value < 0:
        raise fail(f"{what} must be non-negative, got {value!r}", path=path)
    return float(value)


def _from_dict(data: Any, source: str, text: str | None = None, spans: Spans | None = None) -> Device:
    """Validate the JSON form beyond its schema; every error is located at the offending field."""

    def fail(message: str, needle: str | None = None, help: str | None = None, path: tuple = ()) -> DeviceError:
        offset = spans.offset(path) if spans is not None and path else None
        return _err(f"{message}", source, text, needle, help, offset)

    if not isinstance(data, Mapping):
        raise fail("a device file must hold a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise fail(f"'format' must be {FORMAT!r}, got {data.get('format')!r}", '"format"', path=("format",))
    if data.get("version", VERSION) != VERSION:
        raise fail(f"unsupported device format version {data.get('version')!r} (this qglm reads {VERSION})",
                   '"version"', path=("version",))
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(f"unknown key '{unknown[0]}'", f'"{unknown[0]}"', help=f"known keys: {', '.join(sorted(_TOP_KEYS))}",
                   path=(unknown[0],))
    n = data.get("num_qubits")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise fail(f"'num_qubits' must be a positive integer, got {n!r}", '"num_qubits"', path=("num_qubits",))
    if n > limits.current().max_qubits:
        msg, help_ = limits.exceeded("'num_qubits'", n, "max_qubits")
        raise fail(msg, '"num_qubits"', help=help_, path=("num_qubits",))
    cmap = data.get("coupling_map", [])
    if not isinstance(cmap, list):
        raise fail("'coupling_map' must be a list of [control, target] pairs", '"coupling_map"', path=("coupling_map",))
    edges = []
    for k, e in enumerate(cmap):
        if (not isinstance(e, list) or len(e) != 2 or any(isinstance(x, bool) or not isinstance(x, int) for x in e)
                or not all(0 <= x < n for x in e) or e[0] == e[1]):
            raise fail(f"bad coupler {e!r}: expected [a, b] with distinct qubits in 0..{n - 1}", '"coupling_map"',
                       path=("coupling_map", k))
        edges.append((e[0], e[1]))
    coupled = {(a, b) for a, b in edges} | {(b, a) for a, b in edges}
    basis = data.get("basis_gates", ["cx", "rz", "sx", "x"])
    if not isinstance(basis, list) or not all(isinstance(g, str) for g in basis):
        raise fail("'basis_gates' must be a list of gate names", '"basis_gates"', path=("basis_gates",))
    if not basis:
        raise fail("'basis_gates' is empty: no gate could run on this device", '"basis_gates"', path=("basis_gates",),
                   help="list the native gates, e.g. [\"cx\", \"rz\", \"sx\", \"x\"], or leave the key out")
    for k, g in enumerate(basis):
        if g not in GATES and g not in ("measure", "reset", "delay", "barrier"):
            raise fail(f"unknown basis gate {g!r}", f'"{g}"', help=f"known gates: {', '.join(GATES)}",
                       path=("basis_gates", k))
        if basis.index(g) != k:
            raise fail(f"basis gate {g!r} is listed twice", f'"{g}"', path=("basis_gates", k))
    qubits: list[QubitCalibration] = []
    raw_q = data.get("qubits")
    if raw_q is not None:
        if not isinstance(raw_q, list) or len(raw_q) != n:
            raise fail(f"'qubits' must be a list of {n} objects (one per qubit)", '"qubits"', path=("qubits",))
        for i, q in enumerate(raw_q):
            at = ("qubits", i)
            if not isinstance(q, Mapping):
                raise fail(f"qubits[{i}] must be an object", '"qubits"', path=at)
            bad = sorted(set(q) - set(_QUBIT_KEYS))
            if bad:
                raise fail(f"qubits[{i}]: unknown key '{bad[0]}'", f'"{bad[0]}"', help=f"known keys: {', '.join(_QUBIT_KEYS)}",
                           path=(*at, bad[0]))
            usable = q.get("usable", True)
            if not isinstance(usable, bool):
                raise fail(f"qubits[{i}].usable must be true or false", '"usable"', path=(*at, "usable"))
            vals = {k: _number(q.get(k), f"qubits[{i}].{k}", fail, (*at, k)) for k in _QUBIT_KEYS if k != "usable"}
            for k in ("readout_error", "prob_meas1_prep0", "prob_meas0_prep1"):
                if vals[k] is not None and vals[k] > 1.0:  # type: ignore[operator]
                    raise fail(f"qubits[{i}].{k} must be a probability in [0, 1], got {vals[k]}", f'"{k}"', path=(*at, k))
            t1, t2 = vals["t1"], vals["t2"]
            for k, t in (("t1", t1), ("t2", t2), ("readout_duration", vals["readout_duration"])):
                if t is not None and t <= 0.0:
                    raise fail(f"qubits[{i}].{k} must be positive (seconds), got {t}", f'"{k}"', path=(*at, k))
            if t1 is not None and t2 is not None and t2 > 2.0 * t1 * (1 + 1e-9):
                raise fail(f"qubits[{i}]: t2 = {t2} s exceeds 2 * t1 = {2 * t1} s, which is physically impossible",
                           '"t2"', path=(*at, "t2"), help="T2 <= 2 T1 always holds; check the units (seconds)")
            qubits.append(QubitCalibration(usable=usable, **vals))  # type: ignore[arg-type]
    gates: dict[GateKey, GateCalibration] = {}
    first_at: dict[GateKey, int] = {}
    raw_g = data.get("gates")
    if raw_g is not None:
        if not isinstance(raw_g, list):
            raise fail("'gates' must be a list of objects", '"gates"', path=("gates",))
        for i, g in enumerate(raw_g):
            at = ("gates", i)
            if not isinstance(g, Mapping) or not isinstance(g.get("gate"), str) or not isinstance(g.get("qubits"), list):
                raise fail(f"gates[{i}] must be an object with 'gate' and 'qubits'", '"gates"', path=at)
            bad = sorted(set(g) - {"gate", "qubits", "error", "duration", "usable"})
            if bad:
                raise fail(f"gates[{i}]: unknown key '{bad[0]}'", f'"{bad[0]}"', path=(*at, bad[0]))
            name = g["gate"]
            if name not in GATES and name not in ("measure", "reset"):
                raise fail(f"gates[{i}]: unknown gate {name!r}", f'"{name}"', path=(*at, "gate"))
            qs = g["qubits"]
            if any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < n for x in qs):
                raise fail(f"gates[{i}]: qubits must be integers in 0..{n - 1}, got {qs!r}", '"qubits"',
                           path=(*at, "qubits"))
            arity = GATES[name].num_qubits if name in GATES else 1
            if len(qs) != arity:
                raise fail(f"gates[{i}]: {name} acts on {arity} qubit(s), got {qs!r}", f'"{name}"', path=(*at, "qubits"))
            if len(set(qs)) != len(qs):
                raise fail(f"gates[{i}]: {name} on {qs!r} uses a qubit twice", '"qubits"', path=(*at, "qubits"))
            if arity == 2 and (qs[0], qs[1]) not in coupled:
                raise fail(f"gates[{i}]: calibration of {name} on {qs!r}, but the device has no coupler "
                           f"between qubits {qs[0]} and {qs[1]}", '"qubits"', path=(*at, "qubits"),
                           help="add the pair to 'coupling_map' or remove this calibration")
            err = _number(g.get("error"), f"gates[{i}].error", fail, (*at, "error"))
            if err is not None and err > 1.0:
                raise fail(f"gates[{i}].error must be a probability in [0, 1], got {err}", '"error"', path=(*at, "error"))
            usable = g.get("usable", True)
            if not isinstance(usable, bool):
                raise fail(f"gates[{i}].usable must be true or false", '"usable"', path=(*at, "usable"))
            key = (name, tuple(qs))
            cal = GateCalibration(err, _number(g.get("duration"), f"gates[{i}].duration", fail, (*at, "duration")), usable)
            if key in gates:
                what = "conflicts with" if gates[key] != cal else "repeats"
                raise fail(f"gates[{i}]: calibration of {name} on {list(qs)} {what} gates[{first_at[key]}]", f'"{name}"',
                           path=at, help="give each (gate, qubits) pair once")
            gates[key] = cal
            first_at[key] = i
    name = data.get("name", os.path.splitext(os.path.basename(source))[0])
    if not isinstance(name, str):
        raise fail("'name' must be a string", '"name"', path=("name",))
    desc = data.get("description", "")
    return Device(name, n, tuple(edges), tuple(basis), tuple(qubits), gates, str(desc))


def edges_both_ways(pairs: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """``(a, b)`` and ``(b, a)`` for every pair, in a stable order."""
    out: list[tuple[int, int]] = []
    for a, b in pairs:
        out.append((a, b))
        out.append((b, a))
    return tuple(out)
