"""``torch.backends`` as glassnet sees it: no MPS or CUDA back ends (``backends.mps.is_available()`` is False)."""

from types import SimpleNamespace


def _unavailable() -> bool:
    return False


mps = SimpleNamespace(is_available=_unavailable, is_built=_unavailable)
cuda = SimpleNamespace(is_built=_unavailable)
cudnn = SimpleNamespace(is_available=_unavailable, deterministic=False, benchmark=False)
