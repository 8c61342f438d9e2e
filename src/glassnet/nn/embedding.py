"""Embedding: a lookup table from token ids to learned vectors."""

from __future__ import annotations

import numpy as np

from ..backend import default_float
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter
from .validation import check_indices


class Embedding(Module):
    """y = W[idx]: row idx of a (num_embeddings, embedding_dim) table for every integer index.

    Input: integer indices of any shape (*), as an array or a Tensor; output (*, embedding_dim). Indices
    outside [0, num_embeddings) raise an IndexError, as in PyTorch.
    The gradient of W is the scatter-add of the output gradient into the rows that were looked up.
    Weights start from N(0, 1), PyTorch's default. Row ``padding_idx`` (if given) starts at zero and
    gets no gradient, so padding tokens map to a fixed zero vector.

    Feeds sequence layers directly: ``LSTM(embedding_dim, hidden)(Embedding(vocab, embedding_dim)(tokens))``
    with tokens (B, T).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype=None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx must be within [-{num_embeddings}, {num_embeddings}), got {padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype or default_float()))
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        init.normal_(self.weight, 0.0, 1.0, rng)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (num_embeddings, dim); frozen unless ``freeze=False``."""
        table = np.array(embeddings._data if isinstance(embeddings, Tensor) else embeddings)
        if table.ndim != 2:
            raise ValueError(f"embeddings must be 2-D (num_embeddings, dim), got shape {tuple(table.shape)}")
        layer = cls(table.shape[0], table.shape[1], padding_idx=padding_idx, dtype=table.dtype)
        layer.weight._data[...] = table
        layer.weight.requires_grad_(not freeze)
        return layer

    def forward(self, input) -> Tensor:
        check_indices(self, input)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
