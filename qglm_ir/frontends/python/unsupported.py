"""Diagnostics for Python constructs outside the subset: what was written, what to write instead.

Each entry maps an ``ast`` node class to ``(message, help)``. The translator
raises them at the node's exact position; nothing outside the subset is
silently skipped or traced.
"""

from __future__ import annotations

import ast as py

#: statements never allowed inside a kernel, model or function body
STATEMENTS: dict[type, tuple[str, str]] = {
    py.While: (
        "'while' loops are not supported: a loop needs a trip count known at compile time",
        "write 'for i in range(N):' with a constant N, and an 'if' inside the loop to skip iterations",
    ),
    py.Try: (
        "'try' is not supported: qglm reports errors at compile time, there is nothing to catch",
        "remove the try/except and keep the body",
    ),
    py.With: (
        "'with' blocks are not supported in qglm code",
        "remove the 'with' and keep its body; resources are managed by the host program, not the model",
    ),
    py.AsyncWith: ("'async with' is not supported in qglm code", "remove it; qglm code is synchronous"),
    py.AsyncFor: ("'async for' is not supported in qglm code", "write 'for i in range(N):'"),
    py.Global: (
        "'global' is not supported: module-level names are read-only constants, parameters and layers",
        "return the value instead, or declare a trainable parameter with NAME = param(...)",
    ),
    py.Nonlocal: (
        "'nonlocal' is not supported: qglm functions do not capture variables",
        "pass the value as an argument and return the new value",
    ),
    py.Import: ("'import' inside a qglm function is not supported", "move the import to the top of the file"),
    py.ImportFrom: ("'import' inside a qglm function is not supported", "move the import to the top of the file"),
    py.Delete: (
        "'del' is not supported: variables live until the end of their block",
        "remove it; to release a qubit write free(q[i]) or b = consume(q[i])",
    ),
    py.ClassDef: (
        "class definitions are not supported inside qglm code",
        "define layers at module level (NAME = dense(...)) and helpers as @function",
    ),
    py.FunctionDef: (
        "nested functions are not supported: they would capture run-time values",
        "define the helper at module level and decorate it with @function (host code) or @kernel",
    ),
    py.AsyncFunctionDef: (
        "nested functions are not supported: they would capture run-time values",
        "define the helper at module level and decorate it with @function (host code) or @kernel",
    ),
    py.Raise: (
        "'raise' is not supported: a compiled model cannot throw",
        "check the condition in the host program before calling the model",
    ),
    py.Assert: (
        "'assert' is not supported in qglm code",
        "remove it; shapes and types are checked by the compiler from the annotations",
    ),
    py.Break: (
        "'break' is not supported: loops run a trip count fixed at compile time",
        "guard the rest of the iteration with an 'if'",
    ),
    py.Continue: (
        "'continue' is not supported: loops run a trip count fixed at compile time",
        "guard the rest of the iteration with an 'if'",
    ),
    py.Match: ("'match' is not supported in qglm code", "write an if/elif/else chain"),
}

#: expressions never allowed in qglm code
EXPRESSIONS: dict[type, tuple[str, str]] = {
    py.Lambda: ("lambda functions are not supported", "define a module-level @function and call it"),
    py.ListComp: (
        "list comprehensions are not supported",
        "write a 'for i in range(N):' loop, or an array literal [a, b, c]",
    ),
    py.SetComp: ("set comprehensions are not supported", "write a 'for i in range(N):' loop"),
    py.DictComp: ("dict comprehensions are not supported", "write a 'for i in range(N):' loop"),
    py.GeneratorExp: (
        "generator expressions are not supported",
        "write a 'for i in range(N):' loop that accumulates into a variable",
    ),
    py.Yield: ("'yield' is not supported: qglm functions are not generators", "return the values instead"),
    py.YieldFrom: ("'yield from' is not supported: qglm functions are not generators", "return the values instead"),
    py.Await: ("'await' is not supported: qglm code is synchronous", "remove the 'await'"),
    py.IfExp: (
        "conditional expressions (a if c else b) are not supported",
        "assign before an if statement: v = b, then 'if c: v = a'",
    ),
    py.NamedExpr: ("assignment expressions (:=) are not supported", "assign on its own line first: v = ..."),
    py.Dict: ("dict literals are not supported", "use separate variables or a tensor"),
    py.Set: ("set literals are not supported", "use an array literal [a, b, c]"),
    py.JoinedStr: ("f-strings are not supported in qglm code", "remove the string; qglm values are numbers and tensors"),
    py.Starred: ("starred arguments (*args) are not supported", "pass each argument explicitly"),
    py.Tuple: (
        "tuples are only allowed in 'return a, b' and in indices x[i, j]",
        "use an array literal [a, b] or separate variables",
    ),
    py.Slice: ("a slice is only allowed as the last index, as x[a:b]", "write x[a:b] with constant bounds"),
}

#: binary operators without a qglm meaning -> (spelling, help)
OPERATORS: dict[type, tuple[str, str]] = {
    py.Pow: ("**", "multiply explicitly (x * x)"),
    py.FloorDiv: ("//", "write int(a / b) for compile-time integers"),
    py.MatMult: ("@", "use dense(x, w) or a layer declared with dense(...)"),
    py.BitAnd: ("&", "write 'and' on bools"),
    py.BitOr: ("|", "write 'or' on bools"),
    py.BitXor: ("^", "write a != b on bools"),
    py.LShift: ("<<", "multiply by a power of two"),
    py.RShift: (">>", "write int(a / 2) for compile-time integers"),
}

#: Python builtins with a specific reason not to use them
BUILTINS: dict[str, tuple[str, str]] = {
    "eval": ("eval() is not supported: qglm compiles source and never runs it", "write the expression directly"),
    "exec": ("exec() is not supported: qglm compiles source and never runs it", "write the statements directly"),
    "print": (
        "print() is not supported: a compiled model has no console",
        "remove it; inspect the IR with 'qglmc print' or the function's .ir()",
    ),
    "open": ("open() is not supported: a compiled model does no file I/O", "load parameters with param(..., init=load(\"file.npy\"))"),
    "input": ("input() is not supported: a compiled model reads only its arguments", "pass the value as an argument"),
    "len": ("len() is not supported: sizes are compile-time constants", "use the module-level constant that sets the size"),
    "range": ("range() is only allowed as 'for i in range(...)'", "write a for loop"),
    "abs": ("abs() is not supported", "write an if statement: if v < 0: v = -v"),
    "round": ("round() is not supported", "use int(v) for compile-time values"),
    "getattr": ("getattr() is not supported: qglm reads names statically", "write the name directly"),
    "setattr": ("setattr() is not supported: qglm code has no objects", "assign a variable"),
    "globals": ("globals() is not supported: qglm reads names statically", "write the name directly"),
    "locals": ("locals() is not supported: qglm reads names statically", "write the name directly"),
    "isinstance": ("isinstance() is not supported: types are fixed by the annotations", "remove the check"),
    "type": ("type() is not supported: types are fixed by the annotations", "remove the check"),
    "list": ("list() is not supported", "write an array literal [a, b, c]"),
    "tuple": ("tuple() is not supported", "write an array literal [a, b, c]"),
    "enumerate": ("enumerate() is only meaningful in loops over data", "write 'for i in range(N):' and index x[i]"),
    "zip": ("zip() is not supported", "write 'for i in range(N):' and index both tensors with i"),
}
