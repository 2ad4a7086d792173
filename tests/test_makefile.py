"""The Makefile's set-up is keyed on the content of the pins, not on file times (issue 14).

Tried on a scratch copy of the Makefile and the pin files, with ``make -n`` (which prints what
would run without running it) and a stand-in ``.venv`` holding only the stamp.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PINS = ["requirements.txt", "pyproject.toml"]


def _would_install(folder):
    proc = subprocess.run(["make", "-n", "venv"], cwd=folder, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return "pip install" in proc.stdout


def test_venv_is_reinstalled_when_a_pin_changes_not_when_a_file_is_touched(tmp_path):
    for name in ["Makefile", *PINS]:
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    assert _would_install(tmp_path)   # no stamp yet
    pins_hash = hashlib.sha256(b"".join((tmp_path / n).read_bytes() for n in PINS)).hexdigest()
    (tmp_path / ".venv" / f".pins-{pins_hash[:16]}").touch()
    assert not _would_install(tmp_path)

    later = time.time() + 60   # the pin files newer than the stamp, content unchanged
    for name in PINS:
        os.utime(tmp_path / name, (later, later))
    assert not _would_install(tmp_path)

    with open(tmp_path / "requirements.txt", "a") as f:   # a changed pin
        f.write("six==1.16.0\n")
    assert _would_install(tmp_path)
