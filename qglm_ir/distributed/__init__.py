"""Batches on Dask: compile many programs (and evaluate many inputs) on a cluster.

* :func:`compile_many` compiles a batch serially, on a LocalCluster it starts
  when the measured cost model says that is faster, or on a given
  ``distributed.Client``; outputs are byte-identical to a serial run, a bad
  input never stops the others and a dying worker loses no result.
* ``qglmc compile A B ... -o OUTDIR --jobs N`` (or ``--scheduler tcp://HOST:PORT``)
  is the command-line face (:mod:`qglm_ir.cli_batch`).
* :func:`qglm_ir.engine.batch.run_batch` evaluates a program for many inputs
  on the same kind of client.

Modules travel as text (:mod:`qglm_ir.text.pickling`). ``dask[distributed]``
is the ``dist`` extra and is imported only when a batch uses a cluster.
"""

from .batch import BatchResult, compile_many
from .cost import CostModel
from .items import Source
from .tasks import CompileOptions, ItemOutcome

__all__ = ["BatchResult", "CompileOptions", "CostModel", "ItemOutcome", "Source", "compile_many"]
