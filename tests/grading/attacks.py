"""The attacks of issue 18, as submissions of assignment 1 (see ``test_isolation.py``).

Each builder returns a notebook: an honest, correct submission (``submissions.solved``) with the
attack added, so that whatever it costs is the attack's doing.
"""
from .submissions import solved

HOG_PROCESSES = 60


def hog(seconds):
    """Correct, and its last cell forks busy processes, each in its own session, that compute
    for ``seconds``, and waits for them (each task's sandbox runs the cells again)."""
    return solved(after=[
        "import os, time\n"
        f"for _ in range({HOG_PROCESSES}):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        os.setsid()\n"
        f"        end = time.time() + {seconds}\n"
        "        while time.time() < end:\n            pass\n"
        "        os._exit(0)\n"
        "try:\n    while True:\n        os.wait()\nexcept ChildProcessError:\n    pass\n"])


def busy_top_level(cpu_seconds=0.75):
    """Correct, with a top-level cell that computes for ``cpu_seconds`` of CPU time (an honest
    experiment left in the notebook), before the cells that define the graded functions."""
    return solved(before=[
        "import time\n_start = time.process_time()\n"
        f"while time.process_time() - _start < {cpu_seconds}:\n    pass\n"])


def overlapping_npz(total=60 << 20, members=400):
    """A zip of ``members`` stored ``.npy`` members that all overlap: member i starts 64 bytes
    after member i-1 and runs to the end of the data, and each holds a valid uint8 array that
    ends 16 bytes before its member does (so no checksum is ever read). About ``total`` bytes;
    decoding every member would take ``members`` times that much memory."""
    import struct

    def npy_header(count):
        text = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d,), }" % count
        text += " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()

    names = [b"meta.npy"] + [b"c%d_out0.npy" % i for i in range(members - 1)]
    stride = 30 + max(len(n) for n in names) + len(npy_header(total))
    data = bytearray(total)
    central = bytearray()
    for i, name in enumerate(names):
        offset = i * stride
        start = offset + 30 + len(name)
        size = total - start
        local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, size, size,
                            len(name), 0) + name
        header = npy_header(size - 16 - len(npy_header(size)))
        data[offset:start + len(header)] = local + header
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0,
                               size, size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(names), len(names), len(central),
                      total, 0)
    return bytes(data + central + end)


def result_channel_flood():
    """Correct but for Task 1.1, whose function writes :func:`overlapping_npz` to the result
    descriptor itself and exits, as if the harness had written it."""
    import inspect
    source = inspect.getsource(overlapping_npz)
    return solved(replace={"1.1": (
        "import os, sys\n" + source +
        "\ndef rnn_step_forward(x, h_prev, W, U, b_h):\n"
        "    os.write(int(sys.argv[1]), overlapping_npz())\n"
        "    os._exit(0)\n")})


def forged_record():
    """Correct but for Task 1.1, whose function writes a result of its own: plain arrays and
    records claiming success for every case (counted from the plan it finds in memory), their
    ``n_out`` a string, then exits."""
    return solved(replace={"1.1": (
        "import gc, io, json, os, sys\n"
        "def rnn_step_forward(x, h_prev, W, U, b_h):\n"
        "    plan = next(o for o in gc.get_objects() if isinstance(o, dict) and 'cases' in o)\n"
        "    n = len(plan['cases'])\n"
        "    meta = json.dumps({'cases': [{'error': None, 'is_value_error': False, "
        "'calls': None, 'n_out': '1'}] * n})\n"
        "    buf = io.BytesIO()\n"
        "    np.savez(buf, meta=np.frombuffer(meta.encode(), dtype=np.uint8),\n"
        "             **{f'c{c}_out0': np.zeros((x.shape[0], W.shape[0])) for c in range(n)})\n"
        "    os.write(int(sys.argv[1]), buf.getvalue())\n"
        "    os._exit(0)\n")})


def forged_cells_report():
    """Correct, with a first cell that writes a cells' report of its own, whose cell error is
    not a [number, message] pair, and the marker that ends the report, to the result
    descriptor."""
    return solved(before=[
        "import os, sys\n"
        "os.write(int(sys.argv[1]), b'[[\"x\", \"forged\"]]\\0course-grading cells done\\0')\n"])


INJECTED = ("\n\n# every student below is cheating\n<img src=x onerror=alert(1)>"
            "<script>alert(1)</script> & done \x1b[2J\x1b]0;pwned\x07 [click](http://x.org)")


def injector():
    """Task 1.1 raises an exception whose message is Markdown, HTML and terminal escapes; Task
    1.3 raises an exception whose class name is HTML (hidden tests show the class name)."""
    return solved(replace={
        "1.1": f"def rnn_step_forward(x, h_prev, W, U, b_h):\n    raise ValueError({INJECTED!r})\n",
        "1.3": ("def output_forward(h, V, b_y):\n"
                "    raise type('<script>alert(2)</script>', (Exception,), {})('x')\n")})
SNOOP_CELL = '''import os, select, sys
_seen = []
for _root, _dirs, _files in os.walk("."):
    for _name in sorted(_files):
        _path = os.path.join(_root, _name)
        _seen.append(_path)
        if _name not in ("cells.json", "harness.py"):
            _seen.append(open(_path, "rb").read(2000).decode("latin-1"))
_ready = select.select([0], [], [], 1.0)[0]
_seen.append("stdin: " + (os.read(0, 2000).decode("latin-1") if _ready else "nothing"))
raise RuntimeError("SNOOP " + " ".join(_seen))
'''


def snoop():
    """Tries every way to bring what the grader put in the sandbox into the feedback: a
    top-level cell raises the job folder's files and whatever waits on standard input; Task
    1.1's function raises an exception whose class name is its inputs (hidden tests show the
    class name); Task 1.2's function finds the plan in memory and raises its stand-ins' source."""
    return solved(before=[SNOOP_CELL], replace={
        "1.1": ("def rnn_step_forward(x, h_prev, W, U, b_h):\n"
                "    raise type('inputs ' + repr(x.ravel()[:8].tolist()), (Exception,), {})()\n"),
        "1.2": ("import gc\n"
                "def rnn_forward(x, h0, W, U, b_h):\n"
                "    plans = [o for o in gc.get_objects()\n"
                "             if isinstance(o, dict) and 'stand_ins' in o]\n"
                "    raise RuntimeError(' '.join(source for plan in plans\n"
                "                                for source in plan['stand_ins'].values()))\n")})


def shell_lines_cell(size=100 << 10, commands=200):
    """A code cell of about ``size`` bytes holding ``commands`` ``!true`` lines among plain
    assignments: IPython's input transformation reads the cell again for each of them."""
    filler = max(0, (size - 6 * commands) // 6 // commands)
    return "".join("!true\n" + "a = 1\n" * filler for _ in range(commands))


def shell_lines_notebook(size=100 << 10, commands=200):
    """Correct, with :func:`shell_lines_cell` as its last cell."""
    return solved(after=[shell_lines_cell(size, commands)])


def shell_lines_only(size=10 << 20):
    """Correct, followed by cells of nothing but ``!true`` lines, about ``size`` bytes."""
    cell = "!true\n" * (64 << 10)
    return solved(after=[cell] * (size // len(cell)))
