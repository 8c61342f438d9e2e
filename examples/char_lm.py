"""A character-level language model of the English help text that ships with Python, trained by truncated BPTT.

The text is ``pydoc_data.topics`` (the pages behind ``help("topics")``, about 465,000 characters).
The first 90% trains, the last 10% validates. The training text is cut into 32 parallel streams; an
embedding, an LSTM and a linear layer predict each next character; ``tbptt_step`` walks the streams in
chunks of 64 characters, carrying the LSTM state from chunk to chunk (detached, so gradients stop at
the chunk boundary). The score is validation cross-entropy in bits per character; the baseline is a
unigram model (character frequencies of the training text), which knows nothing about order.

Run:  python examples/char_lm.py          (100 updates, a few seconds)
      python examples/char_lm.py --full   (3,000 updates of a 256-unit LSTM, about 3 minutes)
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from glassnet import functional as F
from glassnet import nn, optim
from glassnet.autograd import no_grad
from glassnet.data.sequences import char_vocabulary, load_pydoc_text
from glassnet.tensor import Tensor
from glassnet.train.tbptt import tbptt_step

STREAMS, CHUNK = 32, 64


class CharLM(nn.Module):
    """ids (B, T) -> embedding (B, T, E) -> LSTM (B, T, H) -> logits (B, T, V); the state passes through."""

    def __init__(self, vocab_size: int, embed: int, hidden: int, rng: np.random.Generator):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed, rng=rng)
        self.lstm = nn.LSTM(embed, hidden, rng=rng, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size, rng=rng)

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def next_char_loss(logits: Tensor, targets) -> Tensor:
    """Mean cross-entropy (nats) over every position of a (B, T, V) block of logits."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), np.asarray(targets).reshape(-1))


def as_streams(ids: np.ndarray, streams: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-character targets as ``streams`` parallel rows of consecutive text."""
    length = (len(ids) - 1) // streams
    return ids[: length * streams].reshape(streams, length), ids[1 : length * streams + 1].reshape(streams, length)


def bits_per_char(model: CharLM, ids: np.ndarray, streams: int = 16, chunk: int = 512) -> float:
    """Average cross-entropy of the next character in bits, the state carried over the whole text."""
    x, y = as_streams(ids, streams)
    total, state = 0.0, None
    with no_grad():
        for start in range(0, x.shape[1], chunk):
            logits, state = model(x[:, start : start + chunk], state)
            total += next_char_loss(logits, y[:, start : start + chunk]).item() * y[:, start : start + chunk].size
    return total / y.size / math.log(2)


def unigram_bits(train: np.ndarray, val: np.ndarray, vocab_size: int) -> float:
    """Bits per character of the validation text under the training text's character frequencies (add-one)."""
    counts = np.bincount(train, minlength=vocab_size) + 1.0
    return float(-np.mean(np.log2(counts[val] / counts.sum())))


def sample(model: CharLM, vocab, prompt: str, length: int, rng: np.random.Generator, temperature: float = 0.8) -> str:
    """Continue ``prompt`` one character at a time, drawing each from softmax(logits / temperature)."""
    ids = list(vocab.encode(prompt))
    with no_grad():
        logits, state = model(np.array([ids]))
        for _ in range(length):
            z = logits.numpy()[0, -1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
            logits, state = model(np.array([[ids[-1]]]), state)
    return vocab.decode(ids)


def train_lm(updates: int, hidden: int, seed: int = 0):
    """Adam (lr 3e-3) by truncated BPTT over the training streams; returns (model, vocab, train ids, val ids)."""
    text = load_pydoc_text()
    vocab = char_vocabulary(text)
    ids = vocab.encode(text)
    split = int(0.9 * len(ids))
    model = CharLM(len(vocab), 32, hidden, np.random.default_rng(seed))
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    x, y = as_streams(ids[:split], STREAMS)
    done, position, state = 0, 0, None
    while done < updates:
        span = min(CHUNK * (updates - done), x.shape[1] - position)
        if span < CHUNK:  # end of the streams: the next epoch starts from a fresh state
            position, state = 0, None
            continue
        result = tbptt_step(model, next_char_loss, optimizer, x[:, position : position + span],
                            y[:, position : position + span], CHUNK, state)  # fmt: skip
        state, position, done = result.state, position + span, done + result.steps
    return model, vocab, ids[:split], ids[split:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="3,000 updates and the whole validation text")
    args = parser.parse_args()
    updates, hidden = (3000, 256) if args.full else (100, 128)

    start = time.perf_counter()
    model, vocab, train, val = train_lm(updates, hidden)
    seconds = time.perf_counter() - start
    val = val if args.full else val[:20_000]
    print(f"pydoc topics: {len(train):,} training characters, {len(vocab)} distinct; {len(val):,} validation")
    print(f"unigram baseline            {unigram_bits(train, val, len(vocab)):.3f} bits per character")
    print(f"LSTM {hidden}, {updates:,} updates   {bits_per_char(model, val):.3f} bits per character  ({seconds:.1f} s)")
    print("sample:", repr(sample(model, vocab, "The ", 300 if args.full else 60, np.random.default_rng(1))))


if __name__ == "__main__":
    main()
