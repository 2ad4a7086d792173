"""rnnlib: the course's reference implementation of recurrent networks.

NumPy forward/backward pairs with caches (``rnn``, ``lstm``, ``gru``, ``output``, ``embedding``),
layers shaped like ``torch.nn`` (``layers``), losses, a gradient checker, clipping, optimizers,
initializers and truncated BPTT. The PyTorch side lives in submodules that are imported on demand,
so ``import rnnlib`` never loads torch: ``rnnlib.torch_cells`` (readable cells), ``rnnlib.training``
(seeded training loops with truncated BPTT), ``rnnlib.models``, and the offline datasets in
``rnnlib.data``. Importing it has no side effects: no seeding, no plotting styles, no downloads.
"""
from .activations import relu, sigmoid, tanh
from .clipping import clip_by_global_norm, clip_by_value, global_norm
from .embedding import embedding_backward, embedding_forward
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .layers import GRU, LSTM, RNN
from .losses import mse_loss, softmax, softmax_cross_entropy
from .lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from .masked_loss import mask_from_lengths, masked_softmax_cross_entropy
from .optim import SGD, Adam
from .output import output_backward, output_forward
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .tbptt import tbptt_chunks, tbptt_train

__all__ = [
    "Adam", "GRU", "LSTM", "RNN", "SGD", "clip_by_global_norm", "clip_by_value",
    "embedding_backward", "embedding_forward", "global_norm", "gradient_check", "gru_backward",
    "gru_forward", "gru_step_backward", "gru_step_forward", "lstm_backward", "lstm_forward",
    "lstm_step_backward", "lstm_step_forward", "mask_from_lengths", "masked_softmax_cross_entropy",
    "mse_loss", "numerical_gradient", "output_backward", "output_forward", "relative_error", "relu",
    "rnn_backward", "rnn_forward", "rnn_step_backward", "rnn_step_forward", "sigmoid", "softmax",
    "softmax_cross_entropy", "tanh", "tbptt_chunks", "tbptt_train",
]
__version__ = "0.1.0"
