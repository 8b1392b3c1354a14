"""Host CFG backend: structure, JSON schema, JSON round trip, DOT."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from qglm_ir.backends.cfg import (
    cfg_schema,
    decode_attr,
    encode_attr,
    from_cfg_json,
    graph_document,
    to_cfg,
    to_cfg_json,
    to_dot,
)
from qglm_ir.core.attributes import DenseArray, SymbolRef
from qglm_ir.core.errors import BackendError
from qglm_ir.core.types import tensor
from qglm_ir.frontends.dsl import compile_file
from qglm_ir.text import parse_module

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DSL_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.qglm") if p.name != "ansatz.qglm")
IR_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.qglmir"))


def load(name: str):
    path = EXAMPLES / name
    if name.endswith(".qglmir"):
        return parse_module(path.read_text(), str(path))
    return compile_file(str(path))


@pytest.fixture(scope="module")
def schema():
    s = cfg_schema()
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.mark.parametrize("name", DSL_EXAMPLES + IR_EXAMPLES)
def test_every_example_validates_against_the_schema(name, schema):
    doc = json.loads(to_cfg_json(load(name)))
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["schema"] == "qglm.cfg" and doc["version"] == 1
    ids = {b["id"] for b in doc["blocks"]}
    assert doc["entry_block"] in ids
    for e in doc["edges"]:
        assert e["source"] in ids and e["target"] in ids


def test_schema_rejects_a_broken_document(schema):
    doc = json.loads(to_cfg_json(load("teleport.qglm")))
    doc["blocks"][1]["call"]["statistic"] = "variance"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
    doc = json.loads(to_cfg_json(load("teleport.qglm")))
    doc["blocks"][1]["call"] = None  # a kernel_call block must carry its call
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_values_are_defined_once(schema):
    doc = json.loads(to_cfg_json(load("fallback.qglm")))
    defined = [d["value"] for d in doc["inputs"]]
    for b in doc["blocks"]:
        defined += [a["name"] for a in b["args"]]
        defined += [r["name"] for i in b["instrs"] for r in i["results"]]
        if b["call"]:
            defined += [r["name"] for r in b["call"]["results"]]
    assert len(defined) == len(set(defined))


def test_text_classifier_kernel_call():
    g = to_cfg(load("text_classifier.qglm"))
    assert g.graph["entry"] == "classify"
    calls = [n for n in g.nodes if g.nodes[n]["kind"] == "kernel_call"]
    assert len(calls) == 1
    call = g.nodes[calls[0]]["call"]
    assert call["kernel"] == "ring_ansatz" and call["statistic"] == "expval" and call["shots"] == 1024
    assert call["params"] == ["ansatz_theta"]
    assert [b["input"] for b in call["bindings"]] == ["x"]
    assert call["bindings"][0]["value"] == "%theta"
    k = g.graph["kernels"]["ring_ansatz"]
    assert k["readout"] == {"source": "wires", "width": 8, "contract": "state", "wires": list(range(8)),
                            "program_qubits": 8}
    assert k["num_wires"] == 8 and not k["noisy"]
    assert g.graph["params"]["encoder_w"]["init"] is None
    assert g.graph["params"]["ansatz_theta"]["init"]["dense"]["shape"] == [2, 8]
    # classical code before and after the call, in order
    ops = [i["op"] for n in g.nodes for i in g.nodes[n]["instrs"]]
    assert ops.index("nn.angle") < ops.index("nn.softmax")


def test_branches_and_loops():
    g = to_cfg(load("fallback.qglm"))
    kinds = {g.nodes[n]["kind"] for n in g.nodes}
    assert {"cond", "then", "else", "join", "loop_header", "loop_body", "loop_exit", "kernel_call"} <= kinds
    cond = next(n for n in g.nodes if g.nodes[n]["kind"] == "cond")
    out = {d["kind"]: v for _, v, d in g.out_edges(cond, data=True)}
    assert g.nodes[out["true"]]["kind"] == "then" and g.nodes[out["false"]]["kind"] == "else"
    join = next(n for n in g.nodes if g.nodes[n]["kind"] == "join")
    assert g.in_degree(join) == 2 and len(g.nodes[join]["args"]) == 1
    header = next(n for n in g.nodes if g.nodes[n]["kind"] == "loop_header")
    back = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "back"]
    assert len(back) == 1 and back[0][1] == header
    assert g.out_degree(header) == 2
    # the inlined @features call sits inside the loop: the call is reachable from the body only
    call = next(n for n in g.nodes if g.nodes[n]["kind"] == "kernel_call")
    import networkx as nx

    assert header in nx.ancestors(g, call) and call in nx.ancestors(g, header)
    ret = [n for n in g.nodes if g.nodes[n]["terminator"]["kind"] == "return"]
    assert len(ret) == 1 and g.out_degree(ret[0]) == 0


def test_host_call_of_a_kernel_is_a_single_shot_run():
    g = to_cfg(load("host_call.qglmir"))
    call = next(g.nodes[n]["call"] for n in g.nodes if g.nodes[n]["kind"] == "kernel_call")
    assert call["statistic"] == "run" and call["op"] == "func.call" and call["shots"] == 1
    assert [r["type"] for r in call["results"]] == ["i1"]


def test_kernel_only_module_gets_a_counts_entry():
    g = to_cfg(load("bell_feedforward.qglmir"))
    assert g.number_of_nodes() == 1
    (n,) = g.nodes
    assert g.nodes[n]["call"]["statistic"] == "counts"
    assert g.graph["outputs"] == [{"type": "tensor<4xi64>"}]


WHILE_IR = """module {
  func.func @main(%limit: i64) -> (i64) {
    %zero = arith.constant 0 : i64
    %one = arith.constant 1 : i64
    %r = "scf.while"(%zero) ({
    ^bb0(%i: i64):
      %c = arith.cmp %i, %limit <{predicate = "lt"}> : i1
      scf.condition %c, %i
    }, {
    ^bb0(%j: i64):
      %n = arith.add %j, %one : i64
      scf.yield %n
    }) : (i64) -> (i64)
    func.return %r : i64
  }
}"""


def test_while_loop_lowering(schema):
    m = parse_module(WHILE_IR)
    g = to_cfg(m)
    header = next(n for n in g.nodes if g.nodes[n]["kind"] == "loop_header")
    back = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "back"]
    assert [v for _, v in back] == [header]
    assert g.nodes[header]["terminator"]["kind"] == "branch"
    jsonschema.validate(json.loads(to_cfg_json(m)), schema)


def test_entry_selection_and_errors():
    m = load("host_call.qglmir")
    assert to_cfg(m).graph["entry"] == "main"
    with pytest.raises(BackendError, match="no host function @nope"):
        to_cfg(m, entry="nope")
    rec = parse_module("""module {
  func.func @f(%x: f64) -> (f64) {
    %y = func.call @f(%x) : (f64) -> (f64)
    func.return %y : f64
  }
}""")
    with pytest.raises(BackendError, match="recursive"):
        to_cfg(rec)


def test_json_round_trip_is_lossless():
    for name in ("fallback.qglm", "host_call.qglmir", "prompt_encoder.qglm"):
        m = load(name)
        g = to_cfg(m)
        g2 = from_cfg_json(to_cfg_json(m))
        assert graph_document(g2) == graph_document(g)
        assert json.loads(to_cfg_json(m)) == graph_document(g)


def test_from_cfg_json_rejects_other_versions():
    doc = json.loads(to_cfg_json(load("teleport.qglm")))
    doc["version"] = 2
    with pytest.raises(BackendError, match="unsupported CFG version 2"):
        from_cfg_json(json.dumps(doc))
    with pytest.raises(BackendError, match="invalid JSON"):
        from_cfg_json("{")


@pytest.mark.parametrize("value", [
    None, True, 3, -0.5, float("inf"), "relu", SymbolRef("w"), tensor(2, 3), (1, (2.0, "a")),
    DenseArray(np.arange(6.0).reshape(2, 3)), DenseArray(np.array([True, False])),
    DenseArray(np.array([[1 + 2j, 0], [0, 1j]])), DenseArray(np.array([1, -2], dtype=np.int64)),
])
def test_attribute_encoding_round_trips(value):
    data = encode_attr(value)
    assert decode_attr(json.loads(json.dumps(data))) == value


def test_dot_renders():
    pydot = pytest.importorskip("pydot")
    m = load("fallback.qglm")
    text = to_dot(m)
    (graph,) = pydot.graph_from_dot_data(text)
    g = to_cfg(m)
    names = {n.get_name() for n in graph.get_nodes()} - {"node", "graph", "edge"}
    assert names == set(g.nodes)
    assert len(graph.get_edges()) == g.number_of_edges()
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
        assert "<svg" in svg
