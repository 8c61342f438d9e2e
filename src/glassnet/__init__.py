"""glassnet: a glass-box deep-learning library on NumPy, small enough to read, exact enough to trust.

The namespace is ``torch``'s: a PyTorch program runs with ``import glassnet as torch``.
"""

import sys

import numpy as np

from . import accelerator, autograd, backends, cuda, data, linalg, nn, optim, train, utils
from .autograd import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import (
    Generator,
    dtype,
    get_default_dtype,
    get_num_threads,
    manual_seed,
    set_default_dtype,
    set_num_threads,
)
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
    bincount,
    bmm,
    ceil,
    chunk,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    clone,
    compile,
    cos,
    cumprod,
    cumsum,
    diag,
    div,
    dot,
    einsum,
    eq,
    equal,
    exp,
    flatten,
    flip,
    floor,
    floor_divide,
    gather,
    ge,
    gt,
    index_select,
    is_tensor,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    logical_not,
    logsumexp,
    lt,
    masked_fill,
    masked_select,
    matmul,
    max,
    mean,
    min,
    mm,
    mul,
    multinomial,
    multiply,
    narrow,
    ne,
    neg,
    nonzero,
    norm,
    numel,
    outer,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    reshape,
    roll,
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
    trace,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unique,
    unsqueeze,
    var,
)
from .gradcheck import gradcheck
from .nn import functional
from .nn import functional as F  # the usual alias of torch.nn.functional
from .nn.functional import log_softmax, softmax
from .ops.buffers import buffer_bytes, release_buffers  # the memory the fused kernels keep for reuse
from .serialization import load, save
from .tensor import Size, Tensor, device

# dtypes under PyTorch's names; each equals NumPy's (``x.dtype == np.float32``) and NumPy accepts it
float16 = half = dtype.of(np.float16)
float32 = float = dtype.of(np.float32)
float64 = double = dtype.of(np.float64)
int8 = dtype.of(np.int8)
uint8 = dtype.of(np.uint8)
int16 = short = dtype.of(np.int16)
int32 = int = dtype.of(np.int32)
int64 = long = dtype.of(np.int64)
bool = dtype.of(np.bool_)
complex64 = cfloat = dtype.of(np.complex64)
complex128 = cdouble = dtype.of(np.complex128)

__version__ = "0.1.0"

# everything above but the two helper modules: the names a PyTorch program finds under ``torch``
__all__ = sorted(name for name in dir() if not name.startswith("_") and name not in ("np", "sys"))

sys.modules[__name__ + ".functional"] = functional  # `import glassnet.functional` as before its move into nn
