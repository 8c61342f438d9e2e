"""glassnet: a glass-box deep-learning library on NumPy, small enough to read, exact enough to trust.

The namespace is ``torch``'s: a PyTorch program runs with ``import glassnet as torch``.
"""

import sys

import numpy as np

from . import accelerator, autograd, backends, cuda, data, nn, optim, train
from .autograd import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import Generator, get_default_dtype, manual_seed, set_default_dtype
from .creation import (
    arange,
    as_tensor,
    cat,
    concat,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from .errors import AnomalyError, DTypeError, ShapeError
from .functions import (
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    bernoulli,
    bmm,
    chunk,
    clamp,
    clip,
    clone,
    compile,
    cos,
    cumsum,
    div,
    einsum,
    eq,
    equal,
    exp,
    flatten,
    floor,
    gather,
    ge,
    gt,
    is_tensor,
    le,
    log,
    logical_not,
    lt,
    masked_fill,
    matmul,
    max,
    mean,
    min,
    mm,
    mul,
    multinomial,
    narrow,
    ne,
    neg,
    norm,
    numel,
    permute,
    pow,
    relu,
    reshape,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    std,
    sub,
    sum,
    t,
    tanh,
    topk,
    transpose,
    unbind,
    unsqueeze,
    var,
)
from .gradcheck import gradcheck
from .nn import functional
from .nn import functional as F  # the usual alias of torch.nn.functional
from .nn.functional import log_softmax, softmax
from .tensor import Tensor, device

# dtypes: NumPy's, under PyTorch's names (``x.dtype == glassnet.float32``, ``dtype=glassnet.long``)
float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)

__version__ = "0.1.0"

sys.modules[__name__ + ".functional"] = functional  # `import glassnet.functional` as before its move into nn
