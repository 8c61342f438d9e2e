"""Sequence data: the adding problem, yearly sunspots, digits read row by row, and English text for a character model.

Sequences are batch first, (N, T, features): give the recurrent layers `batch_first=True`. Nothing here downloads:
sunspots ship with statsmodels (imported only when asked for), the digits with scikit-learn, and
the text with Python itself (``pydoc_data``, the help topics behind ``help("topics")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .datasets import _require, load_digits

ADDING_BASELINE_MSE = 1.0 / 6.0
"""MSE of the best constant answer to the adding problem: 1, the mean of U(0,1) + U(0,1), whose variance is 2/12."""


def adding_problem(n: int, T: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: read T (value, marker) pairs and output the sum of the two marked values.

    Each step carries a value drawn from U(0, 1) and a marker, 0 or 1. Exactly two markers are 1: one at
    a random step of the first half, one at a random step of the second half, so the first marked value
    lies at least T/2 steps before the end. The target is the sum of the two marked values. Predicting the
    constant 1 scores an MSE of 1/6 (:data:`ADDING_BASELINE_MSE`): a model below it has learned to find
    and keep the marked values.

    Args:
        n: number of sequences.
        T: steps per sequence, at least 2.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        X float32 (n, T, 2), feature 0 the values and feature 1 the markers; y float32 (n,).

    References: Hochreiter & Schmidhuber, "Long short-term memory", Neural Computation, 1997 (the task);
    Le, Jaitly & Hinton, "A simple way to initialize recurrent networks of rectified linear units", 2015
    (this two-channel form).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if T < 2:
        raise ValueError(f"T must be at least 2 (one marker in each half), got {T}")
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, T, n)
    rows = np.arange(n)
    markers = np.zeros((n, T))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)
    return X, y


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers 1700-2008 (309 years), as shipped with statsmodels.

    The series has a cycle of about 11 years whose peaks vary in height; a classic test for
    autoregressive models (Yule, 1927, fitted the first AR model to it).

    Returns:
        years int64 (309,) and activity float32 (309,) (sunspot numbers, as stored).

    Reference: statsmodels ``datasets.sunspots`` (yearly data from the US National Geophysical Data Center).
    """
    sunspots = _require("statsmodels.datasets.sunspots", "load_sunspots", "statsmodels")
    table = sunspots.load_pandas().data
    return table["YEAR"].to_numpy().astype(np.int64), table["SUNACTIVITY"].to_numpy().astype(np.float32)


def sliding_windows(series, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of ``lags`` consecutive values and the value that follows it, for one-step forecasting.

    X[i] = series[i : i + lags],  y[i] = series[i + lags],  i = 0 .. len(series) - lags - 1.

    Args:
        series: a 1-D array of length L > lags.
        lags: window length, at least 1.

    Returns:
        X (L - lags, lags) and y (L - lags,), in the series' dtype. Add a feature axis, X[..., None],
        to feed X to a recurrent layer as (N, lags, 1) sequences.
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {tuple(series.shape)}")
    if not isinstance(lags, (int, np.integer)) or lags < 1:
        raise ValueError(f"lags must be a positive integer, got {lags!r}")
    if len(series) <= lags:
        raise ValueError(f"series of length {len(series)} is too short for {lags} lags (need more than {lags})")
    X = np.lib.stride_tricks.sliding_window_view(series, lags)[:-1].copy()
    return X, series[lags:].copy()


def digits_as_sequences() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits read as sequences: 8 steps (the rows, top to bottom) of 8 pixels each.

    Returns:
        X float32 (1797, 8, 8), pixel values 0-16 as stored (divide by 16 to scale); y int64 (1797,) in 0-9.
    """
    X, y = load_digits()
    return X.reshape(-1, 8, 8), y


def load_pydoc_text() -> str:
    """The English text that ships with Python: every help topic of ``pydoc_data.topics``, joined.

    About 465,000 characters of documentation prose and code examples (Python 3.11), in the topics'
    alphabetical order, separated by blank lines. The same on every machine with the same Python version.
    """
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics)) + "\n"


@dataclass
class CharVocabulary:
    """The characters of a text, each with an integer id (sorted by code point): encode and decode.

    ``len(vocab)`` is the number of characters; ``vocab.encode(text)`` gives int64 ids, and
    ``vocab.decode(ids)`` the text back. Characters not in the vocabulary cannot be encoded.
    """

    chars: list[str]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self):
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            raise ValueError(f"character {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).ravel())


def char_vocabulary(text: str) -> CharVocabulary:
    """The vocabulary of ``text``: its distinct characters, sorted, numbered from 0."""
    if not text:
        raise ValueError("text is empty")
    return CharVocabulary(sorted(set(text)))
