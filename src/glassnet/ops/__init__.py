"""Primitive ops and fused kernels: the one place derivatives are written."""

from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Div,
    Elu,
    Exp,
    LeakyRelu,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Softplus,
    Sqrt,
    Sub,
    Tanh,
    Where,
    compare,
    stable_sigmoid,
)
from .linalg import Linear, MatMul
from .loss import BinaryCrossEntropy, SoftmaxCrossEntropy
from .movement import Cat, Expand, GetItem, Pad, Permute, Reshape, Stack, as_index, split
from .reduce import LogSoftmax, Max, Mean, Min, Softmax, Sum, Var

__all__ = [
    "Abs", "Add", "BinaryCrossEntropy", "Cast", "Cat", "Clip", "Div", "Elu", "Exp", "Expand",
    "GetItem", "LeakyRelu", "Linear", "Log", "LogSoftmax", "MatMul", "Max", "Maximum", "Mean",
    "Min", "Minimum", "Mul", "Neg", "Pad", "Permute", "Pow", "Relu", "Reshape", "Sigmoid",
    "Softmax", "SoftmaxCrossEntropy", "Softplus", "Sqrt", "Stack", "Sub", "Sum", "Tanh",
    "Var", "Where", "as_index", "compare", "split", "stable_sigmoid",
]  # fmt: skip
