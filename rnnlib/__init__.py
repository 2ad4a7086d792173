"""rnnlib: the course's reference implementation of recurrent networks.

NumPy forward/backward pairs with caches (``rnn``), layers shaped like ``torch.nn``
(``layers``), the output layer and losses, and a gradient checker. Importing it has no side
effects: no seeding, no plotting styles, no downloads.
"""
from .activations import relu, sigmoid, tanh
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layers import RNN
from .losses import mse_loss, softmax, softmax_cross_entropy
from .output import output_backward, output_forward
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "RNN", "gradient_check", "mse_loss", "numerical_gradient", "output_backward",
    "output_forward", "relative_error", "relu", "rnn_backward", "rnn_forward",
    "rnn_step_backward", "rnn_step_forward", "sigmoid", "softmax", "softmax_cross_entropy",
    "tanh",
]
__version__ = "0.1.0"
