"""The ``torch.*`` functions that are Tensor methods in another spelling: ``glassnet.exp(x)`` is ``x.exp()``.

One line each, so that the method stays the one home of the op. A non-tensor first argument (a list, a
NumPy array, a number) is read as ``glassnet.tensor`` reads it, as PyTorch's functions do.
"""

from __future__ import annotations

from . import ops
from .tensor import Tensor


def _method(name: str):
    def function(input, *args, **kwargs):
        return getattr(input if isinstance(input, Tensor) else Tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(*args, **kwargs)``, as ``torch.{name}``."
    return function


abs = _method("abs")
add = _method("add")
all = _method("all")
allclose = _method("allclose")
amax = _method("amax")
amin = _method("amin")
any = _method("any")
argmax = _method("argmax")
argmin = _method("argmin")
argsort = _method("argsort")
bernoulli = _method("bernoulli")
bincount = _method("bincount")
bmm = _method("bmm")
ceil = _method("ceil")
chunk = _method("chunk")
clamp = _method("clamp")
clamp_max = _method("clamp_max")
clamp_min = _method("clamp_min")
clip = _method("clip")
clone = _method("clone")
cos = _method("cos")
cumprod = _method("cumprod")
cumsum = _method("cumsum")
diag = _method("diag")
div = _method("div")
dot = _method("dot")
eq = _method("eq")
equal = _method("equal")
exp = _method("exp")
flatten = _method("flatten")
flip = _method("flip")
floor = _method("floor")
floor_divide = _method("floor_divide")
gather = _method("gather")
ge = _method("ge")
gt = _method("gt")
index_select = _method("index_select")
isfinite = _method("isfinite")
isinf = _method("isinf")
isnan = _method("isnan")
le = _method("le")
log = _method("log")
logical_not = _method("logical_not")
logsumexp = _method("logsumexp")
lt = _method("lt")
masked_fill = _method("masked_fill")
masked_select = _method("masked_select")
matmul = _method("matmul")
max = _method("max")
mean = _method("mean")
min = _method("min")
mm = _method("mm")
mul = _method("mul")
multinomial = _method("multinomial")
multiply = _method("multiply")
narrow = _method("narrow")
ne = _method("ne")
neg = _method("neg")
nonzero = _method("nonzero")
norm = _method("norm")
numel = _method("numel")
outer = _method("outer")
permute = _method("permute")
prod = _method("prod")
pow = _method("pow")
reciprocal = _method("reciprocal")
relu = _method("relu")
remainder = _method("remainder")
reshape = _method("reshape")
roll = _method("roll")
round = _method("round")
rsqrt = _method("rsqrt")
scatter = _method("scatter")
scatter_add = _method("scatter_add")
sigmoid = _method("sigmoid")
sign = _method("sign")
sin = _method("sin")
sort = _method("sort")
split = _method("split")
sqrt = _method("sqrt")
square = _method("square")
squeeze = _method("squeeze")
std = _method("std")
sub = _method("sub")
sum = _method("sum")
t = _method("t")
tanh = _method("tanh")
topk = _method("topk")
trace = _method("trace")
transpose = _method("transpose")
tril = _method("tril")
triu = _method("triu")
trunc = _method("trunc")
unbind = _method("unbind")
unique = _method("unique")
unsqueeze = _method("unsqueeze")
var = _method("var")


einsum = ops.einsum


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def compile(model=None, **kwargs):
    """PyTorch's compiler has no counterpart here: glassnet runs each op as the NumPy you can read."""
    raise NotImplementedError("glassnet.compile: there is no compiler; call the model directly")
