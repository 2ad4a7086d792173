"""Forward+backward wall time of rnnlib's NumPy RNN, LSTM and GRU against torch.nn on the CPU.

Prints one table: for each cell and dtype, the best-of-N time of

* ``rnnlib``: the layer classes of ``rnnlib.layers`` (forward, then backward of the output);
* ``torch.nn``: ``torch.nn.RNN/LSTM/GRU`` with autograd (same weights, input with
  ``requires_grad``, so both compute the input gradient);
* ``naive``: the straightforward implementation in ``naive_cells.py``, as a careful student
  writes it after cs231n: a step function with one fused product for all gates and the plain
  sigmoid ``1 / (1 + exp(-a))`` (the one rnnlib uses), a loop over the steps, weight gradients
  added step by step;
* ``torch.nn`` with oneDNN switched off, for context: torch runs the float32 LSTM on the CPU
  through oneDNN's fused RNN kernels, and everything else through its own ATen kernels;

the ratios, the achieved GFLOP/s of the matrix products (3 x 2 T B G H (D + H) flops for
forward and backward) as a share of the machine's matrix-multiply peak measured in the same run,
and the bytes that rnnlib's cache keeps per time step (memory linear in T).

Both libraries run on the same number of threads: ``torch.set_num_threads(n)`` and the BLAS
thread variables set before NumPy is imported (checked with threadpoolctl).

Both use the CPU's widest vector instructions. torch's oneDNN and MKL pick their kernels from the
CPU's features, and so does NumPy's bundled OpenBLAS, unless the environment pins it: some machines
set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) because older OpenBLAS builds miscompute on
their processors, which holds a current NumPy to older kernels (e.g. AVX2 "Haswell" on an AVX-512
CPU). ``--openblas-env own`` (the default) unsets both, in this process only, so OpenBLAS detects
the CPU itself; ``--openblas-env keep`` leaves them. The header says which kernels ran
(threadpoolctl) and what the environment had set.

The ratios depend on the CPU, not only on the code. The header names the CPU and measures, per
dtype, the matrix-multiply peak and the cost per element of ``tanh`` and ``exp`` in both libraries:
every gate pays one of those per element and step (rnnlib's sigmoid is an ``exp``). On an
AVX2-only CPU (an AMD EPYC of family 25) NumPy's float64 ``tanh`` took about 18 ns per element,
twice torch's and three times NumPy's ``exp``, and rnnlib's float64 LSTM ran at about 0.8x
torch.nn's time; on an AVX-512 EPYC (Zen 5) at 0.54x (with the earlier sigmoid
``(1 + tanh(a/2)) / 2``).

Timings on a shared machine are noisy: the implementations are interleaved and the minimum over
the repeats is reported.

Usage::

    .venv/bin/python benchmarks/bench_cells.py [--threads 1] [--repeats 15] [--openblas-env own]
"""
import argparse
import os
import sys
import time

TARGETS = {  # the targets for LSTM and GRU: (max rnnlib/torch time, min naive/rnnlib)
    "float64": (0.7, 1.4),
    "float32": (1.2, 1.4),
}

COLUMNS = {  # the table's columns and what each one is (printed under the table)
    "cell": "rnn (tanh), lstm, gru (torch's convention); one layer, one direction",
    "dtype": "of the weights, inputs and every computation",
    "rnnlib ms": "rnnlib.layers RNN/LSTM/GRU: forward, then backward of the output (NumPy)",
    "torch ms": "torch.nn RNN/LSTM/GRU: forward, then autograd backward (input gradient too)",
    "naive ms": "naive_cells.py: cs231n-style step loop, one fused gate product per step, "
                "plain sigmoid",
    "rnnlib/torch": "rnnlib's time over torch.nn's (below 1x: rnnlib is faster)",
    "naive/rnnlib": "the naive time over rnnlib's (above 1x: rnnlib is faster)",
    "rnnlib GFLOP/s (% peak)": "matrix-product flops per second, and the share of the best "
                               "matmul peak above",
    "torch GFLOP/s (% peak)": "the same for torch.nn",
    "cache B/step": "bytes rnnlib's cache keeps per extra time step (memory linear in T)",
    "rnnlib/torch target": "the issue's target for LSTM and GRU: rnnlib/torch at most this",
    "naive/rnnlib target": "the issue's target for LSTM and GRU: naive/rnnlib at least this",
    "torch ms, no oneDNN": "torch.nn with oneDNN off (its own ATen kernels), and rnnlib/that",
}


def add_size_args(p):
    """Threads, repeats and the sizes T, B, D, H: the arguments every cell benchmark takes."""
    p.add_argument("--threads", type=int, default=1, help="threads for torch and NumPy's BLAS")
    p.add_argument("--repeats", type=int, default=15, help="timed runs; the minimum is kept")
    for name, default in (("T", 64), ("B", 32), ("D", 64), ("H", 128)):
        p.add_argument("-" + name, type=int, default=default)
    return p


def parse_args(argv=None):
    p = add_size_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    p.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                   help="wall: time.perf_counter; cpu: time.process_time (this process's CPU "
                        "time, which leaves out time other processes take on a shared machine)")
    p.add_argument("--openblas-env", choices=("own", "keep"), default="own",
                   help="own: unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in this process, so "
                        "OpenBLAS picks its kernels for this CPU; keep: leave them as they are")
    p.add_argument("--peak-sizes", default="512,1024,2048",
                   help="N of the N x N x N products that measure the matmul peak")
    p.add_argument("--cells", default="rnn,lstm,gru")
    p.add_argument("--dtypes", default="float64,float32")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pinned = set_blas_env(args.threads, own_kernels=args.openblas_env == "own")
    import numpy as np
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import naive_cells
    from rnnlib import gru, lstm, rnn
    from rnnlib.gradcheck import relative_error

    global CLOCK
    CLOCK = CLOCKS[args.clock]
    torch.set_num_threads(args.threads)
    pins = ", ".join(f"{k}={v}" for k, v in pinned.items()) or "none"
    kept = args.openblas_env == "keep" and pinned
    print(f"OpenBLAS kernels: {openblas_kernels()} "
          f"({'pinned by the environment' if kept else 'its own choice for this CPU'}; "
          f"environment's pins: {pins}, {'kept' if kept or not pinned else 'unset here'})")
    print(f"CPU: {cpu_summary()}")
    print(f"threads: torch {torch.get_num_threads()}, NumPy BLAS {blas_threads()}; "
          f"numpy {np.__version__}, torch {torch.__version__}; "
          f"T={args.T} B={args.B} D={args.D} H={args.H}; best of {args.repeats}, "
          f"{args.clock} clock")

    T, B, D, H = args.T, args.B, args.D, args.H
    rows = []
    for dtype_name in args.dtypes.split(","):
        dtype = np.dtype(dtype_name)
        sizes = [int(n) for n in args.peak_sizes.split(",")]
        peak = matmul_peak(np, torch, dtype, args.repeats, sizes)
        print(f"{dtype_name} matmul peak (N^3, N = {sizes[0]}..{sizes[-1]}): "
              f"NumPy {peak['numpy']:.1f} GFLOP/s, "
              f"torch {peak['torch']:.1f} GFLOP/s")
        peak_best = max(peak.values())
        rates = elementwise_rates(np, torch, dtype, args.repeats, size=B * 4 * H)
        print(f"{dtype_name} tanh | exp on {B * 4 * H:,} elements (one LSTM step's gates), "
              f"ns per element: NumPy {rates['numpy']}, "
              f"torch {rates['torch']}")
        for cell in args.cells.split(","):
            G = GATE_BLOCKS[cell]
            state, x, h0, c0, dout, run_ours, run_torch = cell_runs(np, torch, cell, dtype_name,
                                                                   T, B, D, H)

            def run_torch_no_onednn():        # torch's own kernels (oneDNN runs LSTM float32)
                torch.backends.mkldnn.enabled = False
                try:
                    return run_torch()
                finally:
                    torch.backends.mkldnn.enabled = True

            run_naive = naive_runner(naive_cells, cell, state, x, h0[0], c0[0], dout)
            results = [run_ours(), run_torch(), run_naive(), run_torch_no_onednn()]
            if dtype == np.float64:   # all three compute the same numbers before we time them
                # (elementwise relative error: entries near 1e-7 carry ~1e-15 rounding noise)
                for name, (out, dx) in zip(("torch.nn", "naive", "torch.nn without oneDNN"),
                                           results[1:]):
                    errors = relative_error(out, results[0][0]), relative_error(dx, results[0][1])
                    if max(errors) > 1e-8:
                        raise AssertionError(f"{cell}: {name} differs from rnnlib: "
                                             f"output {errors[0]:.1e}, dinput {errors[1]:.1e}")
            times = best_times([run_ours, run_torch, run_naive, run_torch_no_onednn],
                               args.repeats)
            flops = 3 * 2 * T * B * G * H * (D + H)
            per_step = cache_bytes_per_step(np, {"rnn": rnn, "lstm": lstm, "gru": gru}[cell],
                                            cell, state, x, h0[0], c0[0])
            rows.append((cell, dtype_name, times, flops / 1e9, peak_best, per_step))

    print_table(rows)


OPENBLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def openblas_kernels():
    """The kernels ("architecture") NumPy's OpenBLAS runs in this process (threadpoolctl)."""
    from threadpoolctl import threadpool_info
    return ", ".join(i.get("architecture", "?") for i in threadpool_info()
                     if i["internal_api"] == "openblas") or "not OpenBLAS"


def blas_threads():
    from threadpoolctl import threadpool_info
    return ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()
                     if i["user_api"] == "blas")


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
CLOCK = CLOCKS["wall"]


GATE_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}   # blocks of H rows in W and U


def set_blas_env(threads, own_kernels):
    """Set the BLAS thread variables and, with ``own_kernels``, unset the OpenBLAS pins (both
    together); must run before NumPy is imported. Returns the pins the environment had set."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    pinned = {var: os.environ[var] for var in OPENBLAS_PINS if var in os.environ}
    if own_kernels:
        for var in OPENBLAS_PINS:
            os.environ.pop(var, None)
    return pinned


def cell_runs(np, torch, cell, dtype_name, T, B, D, H):
    """One cell's workload: the torch.nn layer (seed 0), rnnlib's layer with its weights, inputs,
    initial states and the output gradient, and one forward+backward in each library.

    Returns state (the torch state dict as arrays), x, h0, c0 (each (1, B, H)), dout,
    run_ours, run_torch (each returning the output and the input gradient)."""
    from rnnlib.layers import GRU, LSTM, RNN
    ours_cls, torch_cls = {"rnn": (RNN, torch.nn.RNN), "lstm": (LSTM, torch.nn.LSTM),
                           "gru": (GRU, torch.nn.GRU)}[cell]
    dtype = np.dtype(dtype_name)
    torch.manual_seed(0)
    theirs = torch_cls(D, H).to(getattr(torch, dtype_name))
    ours = ours_cls(D, H, dtype=dtype)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    h0 = (0.1 * rng.standard_normal((1, B, H))).astype(dtype)
    c0 = (0.1 * rng.standard_normal((1, B, H))).astype(dtype)
    dout = rng.standard_normal((T, B, H)).astype(dtype)
    hx = (h0, c0) if cell == "lstm" else h0

    def run_ours():
        out, _ = ours.forward(x, hx)
        return out, ours.backward(dout)[0]

    x_t = torch.from_numpy(x).requires_grad_(True)
    hx_t = tuple(torch.from_numpy(s) for s in hx) if cell == "lstm" else torch.from_numpy(h0)
    dout_t = torch.from_numpy(dout)

    def run_torch():
        theirs.zero_grad(set_to_none=True)
        x_t.grad = None
        out, _ = theirs(x_t, hx_t)
        out.backward(dout_t)
        return out.detach().numpy(), x_t.grad.numpy()

    return state, x, h0, c0, dout, run_ours, run_torch


def print_columns(head, lines):
    """Print rows of strings as a table with a header line."""
    widths = [max(len(str(r[k])) for r in [head] + lines) for k in range(len(head))]
    fmt = " | ".join(f"{{:{w}}}" for w in widths)
    print(fmt.format(*head))
    print("-+-".join("-" * w for w in widths))
    for line in lines:
        print(fmt.format(*line))


def best_times(fns, repeats):
    """Minimum time of each function; the functions take turns so noise hits all alike."""
    for fn in fns:
        fn()                                               # warm up
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = CLOCK()
            fn()
            best[k] = min(best[k], CLOCK() - t0)
    return best


def matmul_peak(np, torch, dtype, repeats, sizes=(512, 1024, 2048)):
    """Best GFLOP/s of N x N x N matrix products in NumPy and in torch over a few N."""
    rng = np.random.default_rng(0)
    peak = {"numpy": 0.0, "torch": 0.0}
    for N in sizes:
        a, b = (rng.standard_normal((N, N)).astype(dtype) for _ in range(2))
        a_t, b_t = torch.from_numpy(a), torch.from_numpy(b)
        t_np, t_torch = best_times([lambda: a @ b, lambda: a_t @ b_t], max(3, repeats // 3))
        peak["numpy"] = max(peak["numpy"], 2 * N ** 3 / t_np / 1e9)
        peak["torch"] = max(peak["torch"], 2 * N ** 3 / t_torch / 1e9)
    return peak


def elementwise_rates(np, torch, dtype, repeats, size):
    """ns per element of tanh and exp in NumPy and in torch, as 'tanh | exp'.

    Every gate costs one of these per element and step, outside the matrix products (rnnlib's
    sigmoid is one ``exp``). How fast they are differs between CPUs and between the libraries
    (on an AVX2-only CPU NumPy's float64 ``tanh`` ran at the speed of the C library's scalar
    loop), and that moves every ratio in the table from one machine to the next."""
    a = np.random.default_rng(0).uniform(-3, 3, size).astype(dtype)
    out = np.empty_like(a)
    a_t, out_t = torch.from_numpy(a), torch.from_numpy(out)
    fns = {"numpy": [lambda: np.tanh(a, out=out), lambda: np.exp(a, out=out)],
           "torch": [lambda: torch.tanh(a_t, out=out_t), lambda: torch.exp(a_t, out=out_t)]}
    return {lib: " | ".join(f"{t / size * 1e9:.2f}" for t in best_times(f, max(5, repeats)))
            for lib, f in fns.items()}


def cpu_summary():
    """The CPU's model and its widest x86 vector extension, from /proc/cpuinfo (Linux)."""
    import platform
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        return platform.processor() or platform.machine()
    fields = dict(line.split(":", 1) for line in info.splitlines()[:30] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = set(fields.get("flags", "").split())
    widest = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"),
                                           ("avx", "AVX"), ("sse2", "SSE2")) if flag in flags),
                  "no x86 vector flags")
    return (f"{fields.get('model name', platform.machine())} (family {fields.get('cpu family', '?')}, "
            f"model {fields.get('model', '?')}), {widest}")


def naive_runner(naive, cell, state, x, h0, c0, dout):
    W, U = state["weight_ih_l0"], state["weight_hh_l0"]
    b_ih, b_hh = state["bias_ih_l0"], state["bias_hh_l0"]
    if cell == "lstm":
        def run():
            out, _, cache = naive.lstm_forward(x, h0, c0, W, U, b_ih + b_hh)
            return out, naive.lstm_backward(dout, None, cache)[0]
    elif cell == "gru":
        def run():
            out, cache = naive.gru_forward(x, h0, W, U, b_ih, b_hh)
            return out, naive.gru_backward(dout, cache)[0]
    else:
        def run():
            out, cache = naive.rnn_forward(x, h0, W, U, b_ih + b_hh)
            return out, naive.rnn_backward(dout, cache)[0]
    return run


def cache_bytes(np, cache):
    """Bytes the cache holds beyond the inputs and weights it points to."""
    return sum(getattr(cache, f).nbytes for f in cache._fields
               if f not in ("x", "W", "U", "h0") and isinstance(getattr(cache, f), np.ndarray))


def cache_bytes_per_step(np, module, cell, state, x, h0, c0):
    """(bytes(2T) - bytes(T)) / T for the functional forward: the cost of one more step."""
    W, U = state["weight_ih_l0"], state["weight_hh_l0"]
    b_ih, b_hh = state["bias_ih_l0"], state["bias_hh_l0"]
    sizes = []
    for xs in (x, np.concatenate([x, x])):
        if cell == "lstm":
            cache = module.lstm_forward(xs, h0, c0, W, U, b_ih + b_hh)[2]
        elif cell == "gru":
            cache = module.gru_forward(xs, h0, W, U, b_ih, b_hh)[1]
        else:
            cache = module.rnn_forward(xs, h0, W, U, b_ih + b_hh)[1]
        sizes.append(cache_bytes(np, cache))
    return (sizes[1] - sizes[0]) / len(x)


def _target(ok, bound, sign):
    return f"{'met' if ok else 'MISSED'} ({sign} {bound}x)"


def print_table(rows):
    head = tuple(COLUMNS)
    lines = []
    for cell, dtype, (ours, theirs, naive, plain), gflop, peak, per_step in rows:
        max_ratio, min_speedup = TARGETS[dtype]
        vs_torch = vs_naive = ""
        if cell != "rnn":
            vs_torch = _target(ours / theirs <= max_ratio, max_ratio, "<=")
            vs_naive = _target(naive / ours >= min_speedup, min_speedup, ">=")
        lines.append((cell, dtype, f"{ours * 1e3:.2f}", f"{theirs * 1e3:.2f}",
                      f"{naive * 1e3:.2f}", f"{ours / theirs:.2f}x", f"{naive / ours:.2f}x",
                      f"{gflop / ours:.1f} ({100 * gflop / ours / peak:.0f}%)",
                      f"{gflop / theirs:.1f} ({100 * gflop / theirs / peak:.0f}%)",
                      f"{per_step:,.0f}", vs_torch, vs_naive,
                      f"{plain * 1e3:.2f} ({ours / plain:.2f}x)"))
    print()
    print_columns(head, lines)
    print()
    width = max(map(len, COLUMNS))
    for name, meaning in COLUMNS.items():
        print(f"{name:{width}}  {meaning}")


if __name__ == "__main__":
    main()
