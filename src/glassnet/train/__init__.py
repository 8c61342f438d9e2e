"""Training: the fit loop, its History, callbacks, model summaries and checkpoints; the GAN loop.

Parameters are what a model learns (``model.parameters()``, ``model.state_dict()``); hyperparameters
are what the run chose (architecture, optimizer settings, batch size, epochs, seed): ``fit`` records
them in ``History.hparams`` and every checkpoint carries them.
"""

from .callbacks import Callback, Checkpoint, EarlyStopping, LRSchedule, NanGuard, NonFiniteLossError
from .checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_weights,
    read_checkpoint,
    save_checkpoint,
    save_weights,
)
from .gan import GANHistory, train_gan
from .history import History
from .loop import TrainState, collect_hparams, evaluate, fit
from .summary import count_parameters, summary
from .tbptt import TBPTTResult, fit_tbptt, tbptt_step

__all__ = [
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "GANHistory",
    "History",
    "LRSchedule",
    "NanGuard",
    "NonFiniteLossError",
    "TrainState",
    "collect_hparams",
    "count_parameters",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_weights",
    "read_checkpoint",
    "save_checkpoint",
    "save_weights",
    "summary",
    "train_gan",
    "TBPTTResult",
    "fit_tbptt",
    "tbptt_step",
]
