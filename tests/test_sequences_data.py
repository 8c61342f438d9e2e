"""glassnet.data.sequences: the adding problem, sunspots and sliding windows, digits as rows, the pydoc text."""

import sys

import numpy as np
import pytest

from glassnet.data.sequences import (
    ADDING_BASELINE_MSE,
    adding_problem,
    char_vocabulary,
    digits_as_sequences,
    load_pydoc_text,
    load_sunspots,
    sliding_windows,
)

# ----------------------------------------------------------------------------- adding problem


def test_adding_problem_shapes_markers_and_targets():
    X, y = adding_problem(500, 20, seed=3)
    assert X.shape == (500, 20, 2) and X.dtype == np.float32
    assert y.shape == (500,) and y.dtype == np.float32
    values, markers = X[..., 0], X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1), "one marker in the first half"
    assert np.all(markers[:, 10:].sum(axis=1) == 1), "one marker in the second half"
    np.testing.assert_allclose(y, (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_constant_baseline_is_one_sixth():
    _, y = adding_problem(200_000, 10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.005)


def test_adding_problem_is_deterministic_for_a_seed():
    a, b, c = adding_problem(8, 12, seed=1), adding_problem(8, 12, seed=1), adding_problem(8, 12, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("n, T", [(0, 10), (5, 1)])
def test_adding_problem_rejects_bad_sizes(n, T):
    with pytest.raises(ValueError):
        adding_problem(n, T)


# ----------------------------------------------------------------------------- sunspots and windows


def test_sunspots_are_the_yearly_series_1700_to_2008():
    years, activity = load_sunspots()
    assert years.shape == activity.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008 and np.all(np.diff(years) == 1)
    assert activity.dtype == np.float32 and activity.min() >= 0
    assert activity[:3].tolist() == [5.0, 11.0, 16.0]


def test_sunspots_without_statsmodels_is_a_one_line_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    with pytest.raises(ImportError) as error:
        load_sunspots()
    assert str(error.value) == "load_sunspots needs statsmodels: pip install statsmodels"


def test_sliding_windows_pair_each_window_with_the_next_value():
    X, y = sliding_windows(np.arange(6.0), 3)
    np.testing.assert_array_equal(X, [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [3, 4, 5])
    X[0, 0] = 99  # a copy, not a view into the series
    assert sliding_windows(np.arange(6.0), 3)[0][0, 0] == 0


@pytest.mark.parametrize("series, lags", [(np.arange(3.0), 3), (np.zeros((4, 2)), 1), (np.arange(5.0), 0)])
def test_sliding_windows_reject_bad_arguments(series, lags):
    with pytest.raises(ValueError):
        sliding_windows(series, lags)


# ----------------------------------------------------------------------------- digits and text


def test_digits_as_sequences_are_the_image_rows():
    from glassnet.data import load_digits

    X, y = digits_as_sequences()
    flat, labels = load_digits()
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32
    np.testing.assert_array_equal(X[5, 2], flat[5, 16:24])  # step 2 is the third row
    np.testing.assert_array_equal(y, labels)


def test_pydoc_text_and_its_vocabulary_round_trip():
    text = load_pydoc_text()
    assert len(text) > 400_000 and "for" in text and "def " in text
    vocab = char_vocabulary(text)
    assert 60 <= len(vocab) <= 200
    assert vocab.chars == sorted(vocab.chars) and len(set(vocab.chars)) == len(vocab)
    ids = vocab.encode(text[:1000])
    assert ids.dtype == np.int64 and ids.min() >= 0 and ids.max() < len(vocab)
    assert vocab.decode(ids) == text[:1000]


def test_char_vocabulary_rejects_unknown_characters_and_empty_text():
    vocab = char_vocabulary("abca")
    assert vocab.chars == ["a", "b", "c"]
    np.testing.assert_array_equal(vocab.encode("cab"), [2, 0, 1])
    with pytest.raises(ValueError, match="'z'"):
        vocab.encode("az")
    with pytest.raises(ValueError):
        char_vocabulary("")
