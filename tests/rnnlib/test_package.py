"""The package itself: its public names and an import without side effects."""
import subprocess
import sys

import rnnlib


def test_public_names_resolve():
    for name in rnnlib.__all__:
        assert getattr(rnnlib, name) is not None, name


def test_import_loads_no_torch_and_changes_no_global_state():
    code = ("import sys, numpy as np; state = np.random.get_state()[1].copy(); import rnnlib; "
            "assert 'torch' not in sys.modules, 'import rnnlib loaded torch'; "
            "assert 'matplotlib' not in sys.modules, 'import rnnlib loaded matplotlib'; "
            "assert (np.random.get_state()[1] == state).all(), 'import rnnlib reseeded numpy'")
    subprocess.run([sys.executable, "-c", code], check=True)
