"""The partner filter numbers each gate's results as it counts the gate.

:class:`.peephole.PartnerFilter` walks the gates in program order; it records result ``k``
of each gate under the chain id of its qubit ``k`` (what :meth:`.wires.WireIds.of` would
answer), so the next gate on the wire finds its id at the first lookup. The numbering must
be exactly the lazy one's: same ids for every value, so the chain-set keys are unchanged.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from qglm_ir.passes.optimize.peephole import PartnerFilter
from qglm_ir.passes.optimize.wires import SPECS, WireIds, gates_in_order
from qglm_ir.testing import kernels as kernel_strategy


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kernel=kernel_strategy(max_qubits=4, max_ops=24))
def test_filter_numbers_results_as_the_lazy_numbering_does(kernel) -> None:
    gates = gates_in_order(kernel)
    ids = WireIds()
    PartnerFilter(gates, ids)
    lazy = WireIds()
    for g in gates:
        spec = SPECS[g.name]
        for k, r in enumerate(g.results):
            q = g.operands[spec.num_params + k]
            if spec.num_qubits <= 2:
                # numbered while counting, not on a later question
                assert r in ids.ids
            assert ids.of(r) == ids.of(q)
            # the same partition into chains as numbering every value lazily, in program order
            assert (ids.of(r) == ids.of(q)) == (lazy.of(r) == lazy.of(q))
    first = {}
    for g in gates:
        spec = SPECS[g.name]
        for q in g.operands[spec.num_params:]:
            first.setdefault(ids.of(q), lazy.of(q))
    # a bijection between the two numberings
    assert len(set(first.values())) == len(first)
