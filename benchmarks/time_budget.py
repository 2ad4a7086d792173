"""Where rnnlib's NumPy LSTM and GRU spend their forward+backward time, against the speed target.

``bench_cells.py`` says how fast rnnlib is next to ``torch.nn``; this script says how much of that
time every NumPy implementation pays. It times, at the benchmark's sizes and in isolation, the
NumPy calls that any NumPy implementation of the cell must make, multiplies each by how often one
forward+backward makes it, and sets their sum beside rnnlib's measured time and the target:

* matrix products: the input projection ``x W^T`` of all steps, one ``h_{t-1} U^T`` and one
  ``da_t U`` per step, and ``dx``, ``dW``, ``dU`` after the loop (OpenBLAS);
* the gates' transcendental functions, per step: one ``exp`` per sigmoid element (LSTM: i, f, o;
  GRU: r, z) and one ``tanh`` per tanh element (LSTM: g and ``tanh(c_t)``; GRU: n);
* the rest: what rnnlib's measured time leaves over (additions and products of the gates, ufunc
  and Python call overhead).

The first two are a floor: measured in isolation, with warm caches (on a noisy machine a part can
come out slow and the rest negative: rerun). Where they alone exceed the target time, the target
cannot be met by NumPy code on this CPU; it needs faster kernels than NumPy's (a compiled fused
cell, as torch's oneDNN runs for the float32 LSTM) or a CPU whose NumPy vectorises ``tanh`` (on
AVX2-only CPUs NumPy's float64 ``tanh`` is the C library's scalar loop).

Usage::

    .venv/bin/python benchmarks/time_budget.py [--threads 1] [--repeats 15]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_cells import (GATE_BLOCKS, TARGETS, add_size_args, best_times,  # noqa: E402
                         cell_runs, cpu_summary, print_columns, set_blas_env)

ACTIVATIONS = {"lstm": (3, 2), "gru": (2, 1)}  # cell: (sigmoid blocks, tanh blocks) per step


def parse_args(argv=None):
    p = add_size_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    p.add_argument("--cells", default="lstm,gru")
    p.add_argument("--dtypes", default="float64,float32")
    return p.parse_args(argv)


def floor_parts(np, cell, dtype, T, B, D, H, repeats):
    """ms of the matrix products and of exp/tanh that one forward+backward makes."""
    G, (n_sigmoid, n_tanh) = GATE_BLOCKS[cell], ACTIVATIONS[cell]
    rng = np.random.default_rng(0)
    arr = lambda *shape: rng.uniform(-2, 2, shape).astype(dtype)   # noqa: E731
    x, da, h = arr(T * B, D), arr(T * B, G * H), arr(T * B, H)
    W, U = arr(G * H, D), arr(G * H, H)
    UT = np.ascontiguousarray(U.T)
    h_t, da_t = arr(B, H), arr(B, G * H)
    out_step, dh_step = np.empty((B, G * H), dtype), np.empty((B, H), dtype)
    products = [  # (call, how many times one forward+backward makes it)
        (lambda: x @ W.T, 1),                                 # input projection, all steps
        (lambda: np.matmul(h_t, UT, out=out_step), T),        # U h_{t-1}, each step
        (lambda: np.matmul(da_t, U, out=dh_step), T),         # da_t U, each step
        (lambda: da @ W, 1),                                  # dx
        (lambda: da.T @ x, 1),                                # dW
        (lambda: da.T @ h, 1),                                # dU
    ]
    sig, sig_out = arr(B, n_sigmoid * H), np.empty((B, n_sigmoid * H), dtype)
    tnh, tnh_out = arr(B, H), np.empty((B, H), dtype)
    transcendental = [
        (lambda: np.exp(sig, out=sig_out), T),                # sigmoid gates, each step
        (lambda: np.tanh(tnh, out=tnh_out), n_tanh * T),      # tanh blocks, each step
    ]
    ms = {}
    for name, calls in (("products", products), ("exp_tanh", transcendental)):
        times = best_times([c for c, _ in calls], repeats)
        ms[name] = 1e3 * sum(t * n for t, (_, n) in zip(times, calls))
    return ms


def main(argv=None):
    args = parse_args(argv)
    set_blas_env(args.threads, own_kernels=True)   # as bench_cells does by default
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    T, B, D, H = args.T, args.B, args.D, args.H
    print(f"CPU: {cpu_summary()}")
    print(f"threads {args.threads}; numpy {np.__version__}, torch {torch.__version__}; "
          f"T={T} B={B} D={D} H={H}; best of {args.repeats}")
    print("floor = matrix products + exp/tanh, each timed alone at its shape x how often one "
          "forward+backward makes it")
    header = ("cell", "dtype", "torch ms", "target ms", "rnnlib ms", "products ms",
              "exp/tanh ms", "rest ms", "floor / target")
    rows = []
    for dtype_name in args.dtypes.split(","):
        dtype = np.dtype(dtype_name)
        for cell in args.cells.split(","):
            run_ours, run_torch = cell_runs(np, torch, cell, dtype_name, T, B, D, H)[-2:]
            t_ours, t_torch = (1e3 * t for t in best_times([run_ours, run_torch], args.repeats))
            parts = floor_parts(np, cell, dtype, T, B, D, H, args.repeats)
            target = TARGETS[dtype_name][0] * t_torch
            floor = parts["products"] + parts["exp_tanh"]
            rows.append((cell, dtype_name, f"{t_torch:.2f}",
                         f"{target:.2f} ({TARGETS[dtype_name][0]}x)", f"{t_ours:.2f}",
                         f"{parts['products']:.2f}", f"{parts['exp_tanh']:.2f}",
                         f"{t_ours - floor:.2f}", f"{floor / target:.0%}"))
    print_columns(header, rows)


if __name__ == "__main__":
    main()
