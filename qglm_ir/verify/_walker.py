"""The verifier's single walk over an op tree.

One iterative pre-order walk (no recursion, so nesting depth is bounded only
by memory) checks every op in O(1) amortized time plus its verify hook:

* ``defined`` maps every value whose definition the walk has passed to its
  defining block. A value is visible at a use iff its block is on the current
  block stack (``active``) with the same isolation scope. Block arguments are
  defined on entry to a block; results after the op's regions, so an op can
  use neither its own results nor values defined later.
* ``active`` maps each block on the stack to the nearest ISOLATED op above it
  (the isolation scope); crossing an ISOLATED op changes the scope, so values
  from outside are not visible inside kernels, functions and modules.
* A qubit value must be defined in the user's own block (never captured into a
  region) and used exactly once. Its single use removes it from ``defined``,
  so memory stays proportional to the live qubits and classical values.
"""

from __future__ import annotations

from ..core.attributes import SymbolRef
from ..core.errors import Location, VerifyError
from ..core.ir import Block, BlockArgument, Operation, OpResult, Value
from ..core.module import MODULE_OP
from ..core.opdef import ISOLATED, NO_TERMINATOR, SYMBOL, TERMINATOR, get_opdef
from ..core.types import QubitType
from . import _describe as d
from ._symbols import Symbols, check_definition, check_reference, module_of


class OpVerifyError(VerifyError):
    """A :class:`VerifyError` that also remembers the offending operation (``op``)."""

    def __init__(self, message: str, loc: Location | None = None, help: str | None = None,
                 op: Operation | None = None):
        super().__init__(message, loc, help)
        self.op = op


class _Stop(Exception):
    """Internal: unwinds the walk after the first error when failing fast."""


_MISSING = object()  # sentinel: "not in the map" (None is a valid isolation scope)
_NO_TRAITS: frozenset[str] = frozenset()

# Walk-stack frame kinds.
_OPS, _BLOCK, _FINISH = 0, 1, 2

_CONSUME_HELP = "a qubit must be consumed by a gate, measure, dealloc or return"


class Verifier:
    """Checks one op tree; ``fail_fast`` stops at the first error (see :func:`verify`)."""

    def __init__(self, fail_fast: bool):
        self.fail_fast = fail_fast
        self.errors: list[VerifyError] = []
        self.defined: dict[Value, Block | None] = {}
        self.active: dict[Block, Operation | None] = {}
        self.symtabs: list[Symbols] = []
        self._outer_symtab: Symbols | None | object = _MISSING
        self._root: Operation | None = None
        self.multi: dict[Value, Operation] = {}  # multiply-used qubit -> first user seen
        self.reported: set[Value] = set()
        self.index = 0
        self._bad_operands: tuple[Operation | None, set[Value]] = (None, set())

    # ------------------------------------------------------------ reporting
    def fail(self, op: Operation, message: str, help: str | None = None, index: int | None = None) -> None:
        """Record (or raise, when failing fast) an error about ``op`` at ``op.loc``."""
        head = f"'{op.name}' op"
        own = d.symbol_name(op)
        if own is not None and op.name != MODULE_OP:
            head += f" @{own}"
        if op.loc is None:
            where = [f"#{index} in walk order"] if index is not None else []
            sym = d.enclosing_symbol(op.parent_op) if op.parent_op is not None else None
            if sym is not None:
                where.append(f"in @{d.symbol_name(sym)}")
            if where:
                head += " (" + " ".join(where) + ")"
        err = OpVerifyError(f"{head}: {message}", op.loc, help=help, op=op)
        self.errors.append(err)
        if self.fail_fast:
            raise _Stop

    def _fail_cb(self, op: Operation, message: str, help: str | None) -> None:
        self.fail(op, message, help)

    # ----------------------------------------------------------------- walk
    def run(self, root: Operation) -> list[VerifyError]:
        """Verify ``root`` and everything nested in it; the errors in walk order."""
        try:
            self._walk(root)
            self._report_leftover_multi_uses()
        except _Stop:
            pass
        return self.errors

    def _walk(self, root: Operation) -> None:
        self._root = root
        block, iso = self._seed(root)
        stack: list[tuple] = [(_OPS, block, iter((root,)), iso, False)]
        pre, post = self._pre, self._post
        while stack:
            frame = stack[-1]
            kind = frame[0]
            if kind == _OPS:
                _, blk, it, iso, owned = frame
                for op in it:
                    if op.parent is not blk and owned:
                        self.fail(op, "IR is corrupted: the op's parent is not the block that lists it")
                    index = self.index = self.index + 1
                    traits = pre(op, blk, iso, index)
                    if op.regions:
                        child_iso = op if ISOLATED in traits else iso
                        stack.append((_FINISH, op, blk, index))
                        for region in reversed(op.regions):
                            for b in reversed(region.blocks):
                                stack.append((_BLOCK, b, child_iso, op))
                        break
                    post(op, blk, index)
                else:
                    stack.pop()
                    if owned:
                        del self.active[blk]
            elif kind == _BLOCK:
                stack.pop()
                _, b, iso, owner = frame
                self._enter_block(b, iso, owner)
                stack.append((_OPS, b, iter(b), iso, True))
            else:
                stack.pop()
                _, op, blk, index = frame
                if op.name == MODULE_OP:
                    self.symtabs.pop()
                post(op, blk, index)

    def _seed(self, root: Operation) -> tuple[Block | None, Operation | None]:
        """Make the values that dominate ``root`` visible, up to its isolation scope.

        Costs one pass over the prefix of each enclosing block (only when
        verifying an op that is not a top-level module).
        """
        blk = root.parent
        if blk is None:
            return None, None
        iso = d.isolating_ancestor(blk.parent_op)
        anchor = root
        while blk is not None:
            self.active[blk] = iso
            for a in blk.args:
                self.defined[a] = blk
            for prev in blk:
                if prev is anchor:
                    break
                for r in prev.results:
                    self.defined[r] = blk
            owner = blk.parent_op
            if owner is None or owner is iso:
                break
            anchor = owner
            blk = owner.parent
        return root.parent, iso

    def _enter_block(self, b: Block, iso: Operation | None, owner: Operation) -> None:
        self.active[b] = iso
        defined = self.defined
        for a in b.args:
            defined[a] = b
            if a.type.__class__ is QubitType and not a.uses:
                r = d.region_index(owner, b.parent)
                hint = f" (%{a.name_hint})" if a.name_hint else ""
                self.fail(owner, f"qubit block argument #{a.index}{hint} of region #{r} is never used "
                                 f"({_CONSUME_HELP})",
                          "pass the qubit on: yield or return it, or deallocate it with q.dealloc")

    # ----------------------------------------------------------- per op
    def _pre(self, op: Operation, block: Block | None, iso: Operation | None, index: int) -> frozenset[str]:
        """Checks that need only the op and what dominates it; returns its traits."""
        opdef = get_opdef(op.name)
        if opdef is None:
            self.fail(op, f"unregistered operation '{op.name}'",
                      "check the spelling, or import the dialect that defines it", index)
            traits = _NO_TRAITS
            hook_ok = True
        else:
            traits = opdef.traits
            regions = op.regions
            ok = True
            if opdef.num_regions is not None and len(regions) != opdef.num_regions:
                self.fail(op, f"expects {opdef.num_regions} region(s), got {len(regions)}", None, index)
                ok = False
            if regions and NO_TERMINATOR not in traits:
                ok = self._check_terminators(op, index) and ok
            hook = opdef.verify
            if ok and hook is not None:
                try:
                    hook(op)
                except VerifyError as e:
                    self.fail(op, e.message, e.help, index)
                    ok = False
                except _Stop:
                    raise
                except Exception as e:  # a hook tripping over malformed IR is still bad input
                    self.fail(op, f"malformed op ({type(e).__name__}: {e})", None, index)
                    ok = False
            hook_ok = ok
        if traits:
            if TERMINATOR in traits and op.next is not None:
                self.fail(op, f"a terminator must be the last op of its block, but {d.op_ref(op.next)} "
                              "follows it", "move the ops after it before it, or delete them", index)
            if SYMBOL in traits:
                parent = op.parent_op
                if parent is not None and parent.name != MODULE_OP:
                    self.fail(op, f"symbols may only be defined at module level, not inside {parent.name}",
                              None, index)
        self._check_operands(op, block, iso, index)
        if op.properties:
            # Before pushing a module's own table (the module is a symbol of its parent). A failed
            # hook already reported this op's properties (e.g. stats.* resolve their callee).
            self._check_symbols(op, hook_ok)
        if op.name == MODULE_OP and op.regions:
            self.symtabs.append(Symbols(op))  # popped by the _FINISH frame
        return traits

    def _check_terminators(self, op: Operation, index: int) -> bool:
        ok = True
        for r, region in enumerate(op.regions):
            for blk in region.blocks:
                last = blk.last
                if last is None:
                    self.fail(op, f"region #{r} has an empty block; it must end with a terminator",
                              None, index)
                    ok = False
                    continue
                ld = get_opdef(last.name)
                if ld is None or TERMINATOR not in ld.traits:
                    self.fail(op, f"region #{r} must end with a terminator, but its last op is "
                                  f"{d.op_ref(last)}",
                              "end the block with its terminator (scf.yield, func.return...)", index)
                    ok = False
        return ok

    def _check_operands(self, op: Operation, block: Block | None, iso: Operation | None, index: int) -> None:
        defined = self.defined
        active = self.active
        for v in op.operands:
            b = defined.get(v, _MISSING)
            if v.type.__class__ is QubitType:
                if b is block and block is not None:
                    uses = v.uses
                    if len(uses) == 1 and uses[0] is op:
                        del defined[v]  # consumed: any later use is an error
                    else:
                        self._qubit_uses(op, v, index)
                    continue
                if b is not _MISSING and active.get(b, _MISSING) is iso:  # type: ignore[arg-type]
                    self._qubit_captured(op, v, b, index)  # type: ignore[arg-type]
                    continue
                self._not_visible(op, v, b, block, iso, index)
            elif b is block and block is not None:
                continue
            elif b is not _MISSING and active.get(b, _MISSING) is iso:  # type: ignore[arg-type]
                continue
            else:
                self._not_visible(op, v, b, block, iso, index)

    def _check_symbols(self, op: Operation, check_refs: bool) -> None:
        table = None
        parent = op.parent_op
        if parent is not None and parent.name == MODULE_OP and self.symtabs:
            table = self.symtabs[-1]
            check_definition(op, table, self._fail_cb)
        if not check_refs:
            return
        for key, val in op.properties.items():
            if val.__class__ is SymbolRef:
                if table is None:
                    table = self._symtab(op)
                    if table is None:
                        return  # not inside any module: nothing to resolve against
                check_reference(op, key, val, table, self._fail_cb)  # type: ignore[arg-type]

    def _symtab(self, op: Operation) -> Symbols | None:
        """The innermost module's table; for a sub-op root, its enclosing module's."""
        if self.symtabs:
            return self.symtabs[-1]
        if self._outer_symtab is _MISSING:
            root = self._root
            mod = module_of(root) if root is not None else None
            self._outer_symtab = Symbols(mod) if mod is not None else None
        return self._outer_symtab  # type: ignore[return-value]

    def _post(self, op: Operation, block: Block | None, index: int) -> None:
        """After the op (and its regions): its results become visible; qubits must be used."""
        defined = self.defined
        for r in op.results:
            defined[r] = block
            if not r.uses and r.type.__class__ is QubitType:
                what = (f"%{r.name_hint} produced by {d.op_ref(op)}" if r.name_hint
                        else f"result #{r.index} of {d.op_ref(op)}")
                self.fail(op, f"qubit {what} is never used ({_CONSUME_HELP})",
                          "deallocate it with q.dealloc or return it", index)

    # ------------------------------------------------------ error paths
    def _qubit_uses(self, op: Operation, v: Value, index: int) -> None:
        """``op`` uses qubit ``v`` which does not have exactly this one use."""
        uses = v.uses
        if not any(u is op for u in uses):
            users = ", ".join(d.op_ref(u) for u in uses) or "nothing"
            self.fail(op, f"IR is corrupted: {d.value_name(v)} is an operand, but its use list "
                          f"names {users} (mutate operands with set_operand)", None, index)
            return
        if v in self.reported:
            return
        first = self.multi.get(v)
        if first is None:
            self.multi[v] = op  # report at the next use, which is the real culprit
            return
        self.reported.add(v)
        self.fail(op, _multi_use_message(v, first), _multi_use_help(v, first), index)

    def _report_leftover_multi_uses(self) -> None:
        """Qubits whose other uses lie outside the verified op: report at the use we saw."""
        for v, first in self.multi.items():
            if v not in self.reported:
                self.reported.add(v)
                self.fail(first, _multi_use_message(v, first), _multi_use_help(v, first))

    def _qubit_captured(self, op: Operation, v: Value, def_block: Block, index: int) -> None:
        crossing = op
        while crossing.parent is not def_block and crossing.parent_op is not None:
            crossing = crossing.parent_op
        self.fail(op, f"qubit value {d.value_name(v)} defined outside the region is used inside "
                      f"{crossing.name}; pass it as an operand",
                  f"qubits enter {crossing.name} as operands bound to block arguments and leave "
                  "through scf.yield", index)

    def _not_visible(self, op: Operation, v: Value, b: object, block: Block | None,
                     iso: Operation | None, index: int) -> None:
        """Explain why operand ``v`` of ``op`` is not visible (undefined, dominance, capture)."""
        if self._bad_operands[0] is op:
            if v in self._bad_operands[1]:
                return  # the same value twice in one op: one error is enough
            self._bad_operands[1].add(v)
        else:
            self._bad_operands = (op, {v})
        name = d.value_name(v)
        if isinstance(v, OpResult):
            if v.op is op:
                self.fail(op, f"uses its own result {name} as an operand", None, index)
                return
            def_block = v.op.parent
            if def_block is None:
                self.fail(op, f"operand {name} is not defined: its defining {v.op.name} is not in any "
                              "block (erased or never inserted)", None, index)
                return
            definer = d.op_ref(v.op)
        elif isinstance(v, BlockArgument):
            def_block = v.block
            if def_block.parent is None:
                self.fail(op, f"operand {name} is an argument of a block that is in no region",
                          None, index)
                return
            definer = f"the block of {def_block.parent_op.name}" if def_block.parent_op else "a block"
        else:
            self.fail(op, f"operand {name} is not an op result or block argument", None, index)
            return
        def_iso = self.active.get(def_block, _MISSING)
        if def_iso is _MISSING:
            def_iso = d.isolating_ancestor(def_block.parent_op)
        if def_iso is not iso:
            self.fail(op, f"value {name} defined in {d.op_title(def_iso)} (by {definer}) is used inside "  # type: ignore[arg-type]
                          f"{d.op_title(iso)}, which is isolated from above",
                      "values cannot be captured across a q.kernel, func.func or module boundary; "
                      "pass the value as an argument", index)
        elif def_block is block or def_block in self.active:
            self.fail(op, f"operand {name} is used before its definition (by {definer})",
                      "an operand must be defined earlier in the same block or before the "
                      "enclosing op", index)
        else:
            self.fail(op, f"operand {name} (defined by {definer}) does not dominate this use: it is "
                          "defined in a region that does not enclose this op", None, index)


def _multi_use_message(v: Value, first: Operation) -> str:
    users = list(v.uses)
    for i, u in enumerate(users):  # list the first use in program order first
        if u is first:
            del users[i]
            break
    users.insert(0, first)
    names = [d.op_ref(u) for u in users]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"qubit {d.value_name(v)} is used {len(users)} times (by {listed})"


def _multi_use_help(v: Value, first: Operation) -> str:
    succ = d.successor(first, v)
    if succ is not None:
        return (f"{first.name} consumes {d.value_name(v)} and returns the qubit as "
                f"{d.value_name(succ)}; use that value afterwards")
    return "a qubit value can be used only once; use the value returned by its first user"

