"""The vocabulary of Python-written qglm programs: ``from qglm_ir.lang import *``.

Type markers (``Tensor``, ``Angles``, ``Bits``...), gates, layers, ``param``
and builtins. These names are *read* by the Python frontend from the source
text; calling them at run time raises, since qglm never executes user code.
See ``docs/python-frontend.md``.
"""

from .frontends.python.lang import *  # noqa: F403
from .frontends.python.lang import __all__  # noqa: F401
