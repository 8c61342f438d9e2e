"""The word-language-model example in small: Embedding, a 2-layer LSTM on (T, B) batches, truncated BPTT."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-3

TEXT = """the river runs past the old mill and the wheel turns in the water .
the miller wakes before the sun and walks down to the river .
he opens the gate and the water runs under the wheel and the wheel turns .
the stones grind the grain and the flour falls into the sacks .
the miller carries the sacks to the cart and the horse pulls the cart to the town .
in the town the baker buys the flour and bakes the bread .
in the evening the miller closes the gate and the wheel stops .
the river runs on past the mill and the miller sleeps .
in the morning the miller wakes and walks down to the river again .
he opens the gate and the wheel turns and the stones grind the grain .
the baker bakes the bread and the town eats the bread .
"""


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, text):
        self.dictionary = Dictionary()
        lines = text.strip().split("\n")
        self.train = self.tokenize(lines[:-2])
        self.valid = self.tokenize(lines[-2:])

    def tokenize(self, lines):
        idss = []
        for line in lines:
            words = line.split() + ["<eos>"]
            idss.append(torch.tensor([self.dictionary.add_word(word) for word in words]).type(torch.int64))
        return torch.cat(idss)


class RNNModel(nn.Module):
    """Encoder, recurrent module and decoder, with the decoder's weight tied to the encoder's."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def batchify(data, bsz):
    # Trim off the tokens that would not fit, then lay the stream out as bsz columns: (T, B)
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i : i + seq_len]
    target = source[i + 1 : i + 1 + seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    """Cut the hidden state from the history of the previous batch."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


corpus = Corpus(TEXT)
ntokens = len(corpus.dictionary)
print("vocabulary:", ntokens, "train tokens:", len(corpus.train), "valid tokens:", len(corpus.valid))
train_data = batchify(corpus.train, 4)
val_data = batchify(corpus.valid, 2)
print("train_data:", list(train_data.shape), "first column:", train_data[:6, 0].tolist())

# No dropout, so that both runs are deterministic
model = RNNModel(ntokens, 16, 32, 2, dropout=0.0, tie_weights=False)
print("init range:", bool(model.encoder.weight.abs().max() <= 0.1), bool((model.decoder.bias == 0).all()))
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, size=tuple(p.shape)).astype(np.float32)))
print("parameter names:", [name for name, _ in model.named_parameters()])
criterion = nn.NLLLoss()
bptt = 8
clip = 0.25
lr = 5.0


def evaluate(data_source, eval_batch_size):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train_epoch():
    model.train()
    total_loss = 0.0
    hidden = model.init_hidden(4)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i, bptt)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
    return total_loss / (batch + 1), norm


val_loss = evaluate(val_data, 2)
print(f"start | valid loss {val_loss:5.3f} | valid ppl {math.exp(val_loss):8.3f}")
for epoch in range(1, 13):
    train_loss, norm = train_epoch()
    val_loss = evaluate(val_data, 2)
    if epoch % 4 == 0:
        print(f"epoch {epoch} | train loss {train_loss:5.3f} | last grad norm {norm.item():.4f}")
        print(f"epoch {epoch} | valid loss {val_loss:5.3f} | valid ppl {math.exp(val_loss):8.3f}")

hidden = model.init_hidden(1)
print("hidden shapes:", [list(h.shape) for h in hidden])
with torch.no_grad():
    words = ["the"]
    input = torch.tensor([[corpus.dictionary.word2idx["the"]]])
    for _ in range(6):
        output, hidden = model(input, hidden)
        word_idx = output[-1].argmax().item()
        input.fill_(word_idx)
        words.append(corpus.dictionary.idx2word[word_idx])
print("greedy text:", " ".join(words))
