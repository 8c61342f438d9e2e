"""The errors glassnet raises on bad input, in one place so users (and the fuzz tests) can catch them.

Each subclasses the built-in exception a NumPy or PyTorch user would already catch, so ``except ValueError``
keeps working; the message names the layer or op, what it expected, and what it received.
"""

from __future__ import annotations

import numbers


class ShapeError(ValueError):
    """An input's rank or size does not fit the layer, op or loss it was given to.

    ``layer`` is the layer whose input it was, once one has named itself in the message (an op's error
    raised inside a layer's forward gets the innermost layer's repr in front; enclosing layers leave it).
    """

    def __init__(self, message: str, layer=None):
        super().__init__(message)
        self.layer = layer


class DTypeError(TypeError):
    """An input's dtype is not one the layer, op or loss accepts (e.g. integer features, float class labels)."""


class LinAlgError(RuntimeError):
    """A linear-algebra op met a matrix it cannot work with: a singular matrix to invert or solve with.

    A RuntimeError, as PyTorch's ``torch.linalg.LinAlgError``; glassnet also spells it ``glassnet.linalg.LinAlgError``.
    """


class AnomalyError(FloatingPointError):
    """Raised inside ``glassnet.detect_anomaly()``: an op's forward or backward produced NaN or inf."""


__all__ = ["AnomalyError", "DTypeError", "LinAlgError", "ShapeError"]


def check_hyperparameter(name: str, value: float, low: float = 0.0, high: float | None = None, open_low=False) -> None:
    """Raise ``ValueError("Invalid <name>: <value>")`` unless value is a real number with low <= value (< high).

    Written as "not inside" rather than "outside", so nan (which fails every comparison) is rejected too.
    """
    inside = isinstance(value, numbers.Real) and (value > low if open_low else value >= low)
    if not (inside and (high is None or value < high)):
        bound = f"({low}" if open_low else f"[{low}"
        raise ValueError(
            f"Invalid {name}: {value!r} (expected a value in {bound}, {high if high is not None else 'inf'}))"
        )
