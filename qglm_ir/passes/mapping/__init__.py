"""Mapping stage: put a kernel on a device.

Passes (registered by name in :mod:`qglm_ir.passes.registry`):

* ``unroll-loops`` (:class:`.unroll.UnrollLoops`): unrolls small constant ``scf.for`` loops
  of kernels and peels the last iteration of large ones (``-O3`` with a device), so routing
  leaves no dead layout-restoring swaps after the last iteration;
* ``layout`` (:class:`.layout.Layout`): noise-aware initial placement (long lines by
  :mod:`.embed`, VF2, else bidirectional SABRE with line and Qiskit-``SabreLayout`` starts;
  the program's own swaps elided into the layout, :mod:`.elide`); rewrites kernels onto the device's physical qubits and
  records ``initial_layout`` / ``final_layout``;
* ``route`` (:class:`.route.Route`): LightSABRE-style swap insertion, ``scf``
  regions included; Qiskit's joint SABRE placement and routing competes on plain
  circuits (:mod:`.qiskit_route`); updates ``final_layout``; on calibrated devices then
  moves the routed circuit to its lowest-error isomorphic placement (post-layout);
* ``fix-direction`` (:class:`.fix_direction.FixDirection`): flips ``cx``/``ecr``
  that only exist in the other direction on the device.

Recommended order with a device: ``layout,route,to-basis,fuse-2q,fix-direction,
fuse-1q,to-basis,cancel`` (swaps are lowered before 2q resynthesis so they can
merge with neighbouring gates; directions are fixed after basis translation,
which creates the ``cx``/``ecr`` gates to flip).

Helpers: :func:`.esp.esp` (estimated success probability),
:func:`.check.coupling_violations` and :func:`.check.equivalent_up_to_layout`.
Submodules are imported lazily by the pass registry; nothing heavy is
imported here.
"""
