"""Reference timings of numpy's matmul (OpenBLAS sgemm) on GemmBench's shapes, for the ratio in
README.md. Not part of the build.

    python3 bench/numpy_gemm.py 1          # OpenBLAS on 1 thread
    python3 bench/numpy_gemm.py 2 3 5      # on 2 threads, 3 warm-up and 5 measured rounds
    python3 bench/numpy_gemm.py 1 3 5 64@64x16x64:NT,1024x64x64      # only these shapes

Shapes use GemmBench's syntax, [batch@]MxKxN[:TT]. Like the JMH runs, each shape gets one-second
warm-up rounds and one-second measured rounds (3 and 5 unless given as the 2nd and 3rd argument);
it prints the mean and the best rate of the measured rounds, in GFLOP/s (2·M·N·K·batch per product).
On a shared machine the best round is the one least disturbed by other processes.
"""

import os
import sys
import time

THREADS = sys.argv[1] if len(sys.argv) > 1 else "1"
WARMUP = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
ONLY = sys.argv[4].split(",") if len(sys.argv) > 4 else None
os.environ["OPENBLAS_NUM_THREADS"] = THREADS  # must be set before numpy loads OpenBLAS

import numpy as np  # noqa: E402

SHAPES = [
    "4096x128x512",
    "4096x512x128",
    "1024x64x64",
    "2048x256x768",
    "2048x768x256",
    "2048x256x2048",
    "128x4096x512:TN",
    "4096x512x128:NT",
    "64@64x16x64:NT",
    "64@64x64x16",
]


def parse(shape):
    batch, _, rest = shape.rpartition("@")
    dims, _, flags = rest.partition(":")
    m, k, n = (int(x) for x in dims.split("x"))
    return int(batch or 1), m, k, n, (flags or "NN")


def operands(batch, m, k, n, flags, rng):
    a = rng.random((batch, k, m) if flags[0] == "T" else (batch, m, k), dtype=np.float32)
    b = rng.random((batch, n, k) if flags[1] == "T" else (batch, k, n), dtype=np.float32)
    a = a.transpose(0, 2, 1) if flags[0] == "T" else a  # a view: BLAS gets the transpose flag
    b = b.transpose(0, 2, 1) if flags[1] == "T" else b
    if batch == 1:
        a, b = a[0], b[0]
    return a, b


def rate(a, b, c, flop, seconds):
    count, start = 0, time.perf_counter()
    while True:
        np.matmul(a, b, out=c)
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count * flop / elapsed / 1e9


def main():
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={THREADS}")
    for shape in ONLY or SHAPES:
        batch, m, k, n, flags = parse(shape)
        a, b = operands(batch, m, k, n, flags, rng)
        c = np.empty((m, n) if batch == 1 else (batch, m, n), dtype=np.float32)
        flop = 2.0 * batch * m * n * k
        for _ in range(WARMUP):
            rate(a, b, c, flop, 1.0)
        rates = [rate(a, b, c, flop, 1.0) for _ in range(ROUNDS)]
        print(f"{shape:>18}  mean {sum(rates) / len(rates):7.1f}  best {max(rates):7.1f} GFLOP/s")


if __name__ == "__main__":
    main()
