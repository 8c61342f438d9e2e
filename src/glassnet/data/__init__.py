"""Data: datasets, the DataLoader, splits and standardisation, bundled and user-file loaders, synthetic problems."""

from .datasets import (
    load_breast_cancer,
    load_csv,
    load_digits,
    load_iris,
    load_mnist_idx,
    load_mnist_subset,
    load_npz,
    load_wine,
)
from .loader import ArrayDataset, DataLoader, Dataset, Standardizer, TensorDataset, train_test_split
from .sequences import (
    ADDING_BASELINE_MSE,
    CharVocabulary,
    adding_problem,
    char_vocabulary,
    digits_as_sequences,
    load_pydoc_text,
    load_sunspots,
    sliding_windows,
)
from .synthetic import two_moons, two_spirals, xor

__all__ = [
    "ADDING_BASELINE_MSE",
    "CharVocabulary",
    "adding_problem",
    "char_vocabulary",
    "digits_as_sequences",
    "load_pydoc_text",
    "load_sunspots",
    "sliding_windows",
    "ArrayDataset",
    "DataLoader",
    "Dataset",
    "Standardizer",
    "TensorDataset",
    "load_breast_cancer",
    "load_csv",
    "load_digits",
    "load_iris",
    "load_mnist_idx",
    "load_mnist_subset",
    "load_npz",
    "load_wine",
    "train_test_split",
    "two_moons",
    "two_spirals",
    "xor",
]
