"""Optimizers: a base class and one update rule per subclass."""

from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD"]
