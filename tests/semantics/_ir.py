"""Small hand-built IR pieces the KernelBuilder does not offer (scf.while, raw ops)."""

from __future__ import annotations

from qglm_ir.core.builder import Builder
from qglm_ir.core.ir import Block, Operation, Region, Value
from qglm_ir.core.types import f64, i1, i64, qubit


def cast(b: Builder, v: Value, t) -> Value:
    return b.create("arith.cast", [v], [t]).result


def const(b: Builder, value, t) -> Value:
    return b.create("arith.constant", [], [t], {"value": value}).result


def while_counter(b: Builder, q: Value, count: Value, gate: str = "x") -> Value:
    """``c = 0; while c < count: q = gate(q); c += 1`` as scf.while; returns the final qubit."""
    zero = const(b, 0, i64)
    one = const(b, 1, i64)
    before = Block([i64, qubit])
    bb = Builder.at_end(before)
    cond = bb.create("arith.cmp", [before.args[0], count], [i1], {"predicate": "lt"}).result
    bb.create("scf.condition", [cond, before.args[0], before.args[1]])
    after = Block([i64, qubit])
    ab = Builder.at_end(after)
    nq = ab.create("q." + gate, [after.args[1]], [qubit]).result
    nc = ab.create("arith.add", [after.args[0], one], [i64]).result
    ab.create("scf.yield", [nc, nq])
    op = b.create("scf.while", [zero, q], [i64, qubit], regions=[Region([before]), Region([after])])
    return op.results[1]


def kernel_op(name: str, arg_types, body_fn) -> Operation:
    """A raw q.kernel: ``body_fn(builder, args) -> returned values``."""
    from qglm_ir.core.module import Module
    from qglm_ir.core.types import FunctionType

    module = Module("m")
    body = Block(arg_types)
    b = Builder.at_end(body)
    rets = body_fn(b, body.args)
    b.create("func.return", rets)
    k = Operation(
        "q.kernel",
        properties={"sym_name": name, "function_type": FunctionType(tuple(arg_types), tuple(v.type for v in rets))},
        regions=[Region([body])],
    )
    module.append(k)
    return k


__all__ = ["cast", "const", "f64", "kernel_op", "while_counter"]
