"""Fixtures shared by rnnlib's tests."""
import pytest
import torch


@pytest.fixture
def load_torch_weights():
    """Put rnnlib's (W, U, b) into torch modules, e.g. a cell and a one-layer layer:
    ``weight_ih = W``, ``weight_hh = U``, ``bias_ih = b``, ``bias_hh = 0`` (rnnlib has one bias),
    with the state-dict suffix ``_l0`` for layers."""
    def load(W, U, b, *modules):
        with torch.no_grad():
            for m in modules:
                sfx = "" if isinstance(m, torch.nn.RNNCellBase) else "_l0"
                getattr(m, "weight_ih" + sfx).copy_(torch.from_numpy(W))
                getattr(m, "weight_hh" + sfx).copy_(torch.from_numpy(U))
                getattr(m, "bias_ih" + sfx).copy_(torch.from_numpy(b))
                getattr(m, "bias_hh" + sfx).zero_()
    return load
