"""The dialect-agnostic IR core: values, operations, blocks, regions, modules, types."""

from .attributes import AttrValue, DenseArray, SymbolRef, check_attr_value
from .builder import Builder
from .errors import (
    BackendError,
    DeviceError,
    Location,
    ParseError,
    PassError,
    QglmError,
    SemanticsError,
    VerifyError,
)
from .ir import Block, BlockArgument, Operation, OpResult, Region, Value
from .module import MODULE_OP, Module, SymbolTable
from .opdef import OpDef, define, get_opdef, has_trait, register, registered_ops
from .types import (
    FloatType,
    FunctionType,
    IntegerType,
    QubitType,
    TensorType,
    Type,
    f64,
    i1,
    i64,
    qubit,
    tensor,
)

__all__ = [
    "AttrValue", "BackendError", "Block", "BlockArgument", "Builder", "DenseArray",
    "DeviceError", "FloatType", "FunctionType", "IntegerType", "Location", "MODULE_OP",
    "Module", "OpDef", "OpResult", "Operation", "ParseError", "PassError", "QglmError",
    "QubitType", "Region", "SemanticsError", "SymbolRef", "SymbolTable", "TensorType",
    "Type", "Value", "VerifyError", "check_attr_value", "define", "f64", "get_opdef",
    "has_trait", "i1", "i64", "qubit", "register", "registered_ops", "tensor",
]
