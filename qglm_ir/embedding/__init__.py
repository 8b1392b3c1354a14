"""Data embeddings compiled once and bound many times.

* :mod:`.synthesis` -- fixed-structure state-preparation templates and the
  batched numpy maps from data to their angles (RY tree for real data, Iten et
  al.'s disentangling for complex data, purification for density matrices);
* :mod:`._complex_core` -- the per-sample loops of the complex case, compiled
  with numba;
* :mod:`.expand` -- rewrites ``q.amplitude`` / ``q.density`` into template gates
  (used by the ``expand-embeddings`` pass and by the semantics);
* :mod:`.binding` -- :class:`~.binding.Binder`: per-sample values of an exported
  circuit's parameters for a batch of inputs.

The IR ops live in :mod:`qglm_ir.dialects.embed`.
"""
