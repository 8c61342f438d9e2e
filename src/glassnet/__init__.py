"""glassnet: a glass-box deep-learning library on NumPy, small enough to read, exact enough to trust."""

import numpy as np

from . import data, functional, nn, optim, train
from . import functional as F  # noqa: F401  (the usual alias, as torch.nn.functional)
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .backend import get_default_dtype, manual_seed, set_default_dtype
from .creation import (
    arange,
    cat,
    full,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from .errors import AnomalyError, DTypeError, ShapeError
from .gradcheck import gradcheck
from .tensor import Tensor

float32 = np.float32
float64 = np.float64
int64 = np.int64

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "DTypeError",
    "F",
    "Tensor",
    "arange",
    "cat",
    "data",
    "detect_anomaly",
    "enable_grad",
    "float32",
    "float64",
    "full",
    "functional",
    "get_default_dtype",
    "gradcheck",
    "int64",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randn",
    "set_default_dtype",
    "ShapeError",
    "stack",
    "tensor",
    "train",
    "where",
    "zeros",
    "zeros_like",
]
