"""Optimizers (one update rule per subclass), learning-rate schedules and penalties (clipping: nn.utils)."""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .penalty import l1_penalty, l2_penalty
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adadelta",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "l1_penalty",
    "l2_penalty",
    "lr_scheduler",
]
