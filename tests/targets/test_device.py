"""Device model, built-in graphs, JSON form and loaders."""

from __future__ import annotations

import json

import pytest
from qiskit.transpiler import CouplingMap

from qglm_ir.core.errors import DeviceError
from qglm_ir.targets import Device, GateCalibration, QubitCalibration, builtin_device_specs, load_device


@pytest.mark.parametrize("d", [3, 5, 7])
def test_heavy_hex_numbered_like_qiskit(d: int) -> None:
    dev = load_device(f"heavy-hex:{d}")
    ref = CouplingMap.from_heavy_hex(d)
    assert dev.num_qubits == ref.size()
    assert set(dev.edges) == set(ref.get_edges())


@pytest.mark.parametrize(
    ("spec", "ref"),
    [
        ("grid:5x5", CouplingMap.from_grid(5, 5)),
        ("grid:2x7", CouplingMap.from_grid(2, 7)),
        ("line:6", CouplingMap.from_line(6)),
        ("ring:7", CouplingMap.from_ring(7)),
        ("all-to-all:5", CouplingMap.from_full(5)),
    ],
)
def test_builtin_graphs_match_qiskit(spec: str, ref: CouplingMap) -> None:
    dev = load_device(spec)
    assert dev.num_qubits == ref.size()
    assert set(dev.edges) == set(ref.get_edges())
    assert dev.is_symmetric
    assert dev.basis_gates == ("cx", "rz", "sx", "x")
    assert not dev.has_calibration


@pytest.mark.parametrize(
    ("spec", "col", "fragment"),
    [
        ("grid:3", 6, "grid:RxC"),
        ("grid:0x3", 6, "between 1 and"),
        ("heavy-hex:4", 11, "odd"),
        ("line:abc", 6, "positive integer"),
        ("ring:2", 6, "at least 3"),
        ("bogus:3", 1, "unknown device"),
        ("qiskit:fake_nowhere", 8, "unknown Qiskit fake backend"),
        ("cirq:nowhere", 6, "unknown Cirq device"),
    ],
)
def test_bad_specs_are_located(spec: str, col: int, fragment: str) -> None:
    with pytest.raises(DeviceError) as info:
        load_device(spec)
    err = info.value
    assert fragment in err.message
    assert err.loc is not None and err.loc.col == col
    rendered = err.render()
    assert rendered.startswith(f"<device>:1:{col}: error:")
    assert "^" in rendered


def test_builtin_specs_listed() -> None:
    patterns = [p for p, _ in builtin_device_specs()]
    for p in ("line:N", "ring:N", "grid:RxC", "heavy-hex:D", "all-to-all:N", "qiskit:NAME"):
        assert p in patterns


def _calibrated() -> Device:
    base = load_device("line:4")
    qubits = [QubitCalibration(t1=1e-4, t2=8e-5, readout_error=0.02, prob_meas1_prep0=0.01,
                               prob_meas0_prep1=0.03, readout_duration=1e-6) for _ in range(4)]
    qubits[3] = QubitCalibration(readout_error=0.05, usable=False)
    gates = {("cx", (0, 1)): GateCalibration(0.01, 3e-7), ("cx", (1, 0)): GateCalibration(0.012, 3e-7),
             ("cx", (1, 2)): GateCalibration(1.0), ("cx", (2, 1)): GateCalibration(1.0),
             ("sx", (0,)): GateCalibration(2e-4, 3.5e-8), ("rz", (0,)): GateCalibration(0.0, 0.0)}
    return base.with_calibration(qubits, gates)


def test_usable_parts_and_errors() -> None:
    dev = _calibrated()
    assert dev.has_calibration
    assert dev.usable_qubits == frozenset({0, 1, 2})
    assert dev.usable_edges == ((0, 1),)  # (1,2) broken, (2,3) touches an unusable qubit
    assert dev.coupler_error(1, 0) == pytest.approx(0.01)
    assert dev.gate_error("cx", (1, 0)) == pytest.approx(0.012)
    assert dev.gate_error("cz", (0, 1)) == pytest.approx(0.01)  # falls back to the coupler
    assert dev.measure_error(0) == pytest.approx(0.02)
    assert dev.single_qubit_error(0) == pytest.approx(2e-4)
    assert dev.qubit(0).measure_error == pytest.approx(0.02)


def test_json_round_trip_and_save(tmp_path) -> None:
    dev = _calibrated()
    again = Device.from_json(dev.to_json())
    assert again == dev
    path = tmp_path / "dev.json"
    dev.save(path)
    assert load_device(str(path)) == dev
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_json_matches_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = json.loads(resources.files("qglm_ir.targets").joinpath("schema.json").read_text())
    for dev in (_calibrated(), load_device("heavy-hex:3")):
        jsonschema.validate(dev.to_dict(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"num_qubits": 0}, schema)


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ('{"num_qubits": 2,\n "coupling_map": [[0, 2]]}', "bad coupler", 2),
        ('{"num_qubits": 2,\n "colour": 1}', "unknown key 'colour'", 2),
        ('{"num_qubits": 2, "coupling_map": [[0, 1]], "gates": [\n {"gate": "cx", "qubits": [0, 1], "error": 1.5}]}',
         "probability", 2),
        ('{"num_qubits": 2, "basis_gates": ["cx", "foo"]}', "unknown basis gate", 1),
        ('{"num_qubits": 2,\n "qubits": [{}]}', "list of 2 objects", 2),
        ('{"num_qubits": 2,', "invalid JSON", 1),
        ('[1, 2]', "JSON object", 1),
    ],
)
def test_bad_json_is_located(text: str, fragment: str, line: int) -> None:
    with pytest.raises(DeviceError) as info:
        Device.from_json(text, "dev.json")
    assert fragment in info.value.message
    assert info.value.loc is not None and info.value.loc.file == "dev.json" and info.value.loc.line == line


def test_missing_file() -> None:
    with pytest.raises(DeviceError, match="no such file"):
        load_device("/nonexistent/device.json")


def test_qiskit_fake_backend_with_calibration() -> None:
    pytest.importorskip("qiskit_ibm_runtime")
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke

    dev = load_device("qiskit:fake_sherbrooke")
    target = FakeSherbrooke().target
    assert dev.num_qubits == 127
    assert set(dev.edges) == {tuple(q) for q in target["ecr"]}
    assert not dev.is_symmetric
    assert dev.basis_gates[0] == "ecr" and "sx" in dev.basis_gates
    broken = {(min(q), max(q)) for q, p in target["ecr"].items() if p.error >= 1.0}
    assert broken and not broken & set(dev.usable_edges)
    assert dev.qubit(0).t1 == pytest.approx(target.qubit_properties[0].t1)
    assert dev.qubit(0).prob_meas1_prep0 is not None
    assert dev.gate_error("ecr", (1, 0)) == pytest.approx(target["ecr"][(1, 0)].error)
    for spelling in ("qiskit:FakeSherbrooke", "qiskit:sherbrooke"):
        assert load_device(spelling).edges == dev.edges


def test_qiskit_loader_without_extra(monkeypatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name.startswith("qiskit_ibm_runtime"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(DeviceError) as info:
        load_device("qiskit:fake_sherbrooke")
    assert "qglm[ibm]" in (info.value.help or "")


def test_cirq_graphs() -> None:
    import cirq

    dev = load_device("cirq:grid:3")
    assert dev.num_qubits == 9 and len(dev.undirected_edges) == 12
    assert load_device("cirq:grid:2x3").num_qubits == 6
    ring = load_device("cirq:ring:5")
    assert len(ring.undirected_edges) == 5
    from qglm_ir.targets.cirq_loader import cirq_qubit_order

    order = cirq_qubit_order(cirq.testing.construct_grid_device(3, 3))
    assert order[0] == cirq.GridQubit(0, 0) and order[1] == cirq.GridQubit(0, 1)


# ------------------------------------------------------- validation beyond the schema (issue 14)
def _located_at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    return text.count("\n", 0, idx) + 1, idx - (text.rfind("\n", 0, idx) + 1) + 1


@pytest.mark.parametrize(
    ("text", "fragment", "needle", "nth"),
    [
        ('{"num_qubits": 2,\n "qubits": [{"t1": 0.0001}, {"t1": 0}]}', "t1 must be positive", '"t1"', 1),
        ('{"num_qubits": 1,\n "qubits": [{"t1": 1e-4,\n   "t2": 3e-4}]}', "exceeds 2 * t1", '"t2"', 0),
        ('{"num_qubits": 3, "coupling_map": [[0, 1], [1, 2]],\n "gates": [{"gate": "cx", "qubits": [2, 2]}]}',
         "uses a qubit twice", '"qubits"', 0),
        ('{"num_qubits": 3, "coupling_map": [[0, 1]],\n "gates": [{"gate": "cx", "qubits": [0, 2]}]}',
         "no coupler", '"qubits"', 0),
        ('{"num_qubits": 2, "coupling_map": [[0, 1]], "gates": [\n {"gate": "cx", "qubits": [0, 1], "error": 0.01},\n'
         ' {"gate": "cx", "qubits": [0, 1], "error": 0.02}]}', "conflicts with gates[0]", '{"gate"', 1),
        ('{"num_qubits": 2,\n "name": "a",\n "name": "b"}', "duplicate key 'name'", '"name"', 1),
        ('{"num_qubits": 2,\n  "basis_gates": []}', "'basis_gates' is empty", '"basis_gates"', 0),
        ('{"num_qubits": 2, "basis_gates": ["cx",\n "rz", "cx"]}', "listed twice", '"cx"', 1),
        ('{"num_qubits": 100000}', "exceeds the limit", '"num_qubits"', 0),
        ('{"num_qubits": 2, "coupling_map": ' + "[" * 3000 + "]" * 3000 + "}", "nested deeper", "[", 999),
        ('{"num_qubits": NaN}', "unexpected character", "NaN", 0),
    ],
)
def test_device_validation_located_at_field(text: str, fragment: str, needle: str, nth: int) -> None:
    with pytest.raises(DeviceError) as info:
        Device.from_json(text, "dev.json")
    assert fragment in info.value.message
    loc = info.value.loc
    assert loc is not None and (loc.line, loc.col) == _located_at(text, needle, nth)


def test_identical_plausible_device_still_loads() -> None:
    text = ('{"num_qubits": 2, "coupling_map": [[0, 1], [1, 0]], "basis_gates": ["cx", "rz", "sx", "x"],'
            ' "qubits": [{"t1": 1e-4, "t2": 2e-4}, {"t1": 1e-4, "t2": 5e-5}],'
            ' "gates": [{"gate": "cx", "qubits": [1, 0], "error": 0.01}]}')
    dev = Device.from_json(text, "dev.json")
    assert dev.num_qubits == 2 and dev.gate_error("cx", (1, 0)) == 0.01


def test_builtin_graph_size_bounded_by_max_qubits() -> None:
    from qglm_ir import limits

    with pytest.raises(DeviceError, match="exceeds the limit") as info:
        load_device("line:100000")
    assert info.value.loc is not None and info.value.loc.col == 6 and "--max-qubits" in (info.value.help or "")
    with limits.using(max_qubits=200_000):
        assert load_device("line:100000").num_qubits == 100000
