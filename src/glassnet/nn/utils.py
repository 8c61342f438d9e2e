"""Training utilities where PyTorch keeps them (``torch.nn.utils``): gradient clipping.

The implementations live in :mod:`glassnet.optim.clip`; this module only re-exports them.
"""

from ..optim.clip import clip_grad_norm_ as clip_grad_norm_
from ..optim.clip import clip_grad_value_ as clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
