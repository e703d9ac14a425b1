#!/usr/bin/env python3
"""Times full training steps of a CS336 Transformer LM in PyTorch: the reference for jgrad's TrainBench.

The model, the data, the optimizer and the step are those of bench/src/main/java/dev/jgrad/bench/TrainBench.java:

  model      pre-norm decoder: token embeddings; per layer x += attn(RMSNorm(x)), x += SwiGLU(RMSNorm(x));
             RMSNorm; untied lm_head. Causal multi-head attention with RoPE on interleaved pairs (x[2j], x[2j+1]),
             theta 10000. No biases. The layers are those of nn/src/test/resources/reference/
             make_transformer_reference.py (our own from-scratch reference), written here with cos/sin tables
             instead of complex numbers and F.linear instead of x @ W.T, the faster routes to the same values.
  init       as jgrad's TransformerLM: Linear weights trunc_normal(0, s^2, [-3s, 3s]) with s^2 = 2 / (in + out);
             embeddings trunc_normal(0, 1, [-3, 3]); RMSNorm gains 1
  data       one batch drawn once: B*(T+1) ids SplitMix64(seed).nextInt(vocab), the same ids as TrainBench;
             row r = ids[r*(T+1) : r*(T+1)+T+1], x = row[:-1], y = row[1:]; trained on every step
  step       loss = cross_entropy(model(x), y); loss.backward(); clip_grad_norm_(params, 1.0);
             AdamW(lr 1e-3, betas (0.9, 0.95), eps 1e-8, weight_decay 0.01).step(); zero_grad(set_to_none=True)
  timing     warmup steps untimed, then the median wall time of `steps` timed steps
  FLOPs      per step B*T*(6*(L*(4d^2 + 3*d*d_ff) + d*V) + 12*L*T*d): matrix products only, forward + backward
             (the derivation is in TrainBench's class comment)

Prints one line per config, e.g.
  RESULT impl=torch config=S threads=1 step_ms=... tokens_per_s=... gflop_per_step=... gflops=... mfu_pct=...
         rss_mb=... loss_first=... loss_last=...
rss_mb is the process's peak resident set (VmHWM), so with --config all it is the peak so far.

    /usr/bin/python3 bench/pytorch/train_bench.py --config all --threads 1

Needs torch (tested with Debian's 1.13) and nothing else. bench/compare.sh runs it with the malloc and OpenMP
settings that make PyTorch fastest on the benchmark machine.
"""

import argparse
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# name: (vocab, context, d_model, layers, heads, d_ff, batch)
CONFIGS = {
    "S": (256, 64, 64, 2, 4, 192, 16),
    "M": (512, 128, 128, 4, 4, 384, 16),
    "L": (2048, 256, 256, 4, 8, 768, 8),
}
PEAK_GFLOPS = 400.0  # the 2-core FMA peak of the benchmark machine, for MFU
MASK64 = (1 << 64) - 1


class SplitMix64:
    """The generator of nn's dev.jgrad.nn.data.SplitMix64, so both benchmarks train on the same ids."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_long(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_int(self, bound):
        """Uniform in [0, bound): a 63-bit draw u, rejected when u - u % bound + bound - 1 overflows 63 bits."""
        while True:
            u = self.next_long() >> 1
            r = u % bound
            if u - r + bound - 1 < (1 << 63):
                return r


def batch(vocab, context, batch_size, seed):
    rng = SplitMix64(seed)
    rows = [[rng.next_int(vocab) for _ in range(context + 1)] for _ in range(batch_size)]
    ids = torch.tensor(rows, dtype=torch.long)
    return ids[:, :-1].contiguous(), ids[:, 1:].contiguous()


def flops_per_step(vocab, context, d, layers, d_ff, batch_size):
    n = layers * (4 * d * d + 3 * d * d_ff) + d * vocab
    return batch_size * context * (6 * n + 12 * layers * context * d)


class Linear(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        s = math.sqrt(2.0 / (d_in + d_out))
        self.weight = nn.Parameter(torch.empty(d_out, d_in))
        nn.init.trunc_normal_(self.weight, 0.0, s, -3 * s, 3 * s)

    def forward(self, x):
        return F.linear(x, self.weight)


class Embedding(nn.Module):
    def __init__(self, num, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num, dim))
        nn.init.trunc_normal_(self.weight, 0.0, 1.0, -3.0, 3.0)

    def forward(self, ids):
        return F.embedding(ids, self.weight)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.w1 = Linear(d_model, d_ff)
        self.w2 = Linear(d_ff, d_model)
        self.w3 = Linear(d_model, d_ff)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Rotary(nn.Module):
    """Rotates pairs (x[2j], x[2j+1]) at position p by the angle p * theta^(-2j/d_k)."""

    def __init__(self, theta, d_k, max_seq_len):
        super().__init__()
        j = torch.arange(0, d_k // 2, dtype=torch.float64)
        angle = torch.arange(max_seq_len, dtype=torch.float64)[:, None] * theta ** (-2.0 * j / d_k)[None, :]
        self.register_buffer("cos", angle.cos().float(), persistent=False)
        self.register_buffer("sin", angle.sin().float(), persistent=False)

    def forward(self, x):
        t = x.shape[-2]
        cos, sin = self.cos[:t], self.sin[:t]
        x0, x1 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, rope):
        super().__init__()
        self.h = num_heads
        self.rope = rope
        self.q_proj = Linear(d_model, d_model)
        self.k_proj = Linear(d_model, d_model)
        self.v_proj = Linear(d_model, d_model)
        self.output_proj = Linear(d_model, d_model)

    def forward(self, x):
        b, t, d = x.shape
        d_k = d // self.h

        def heads(y):
            return y.view(b, t, self.h, d_k).transpose(1, 2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        q, k = self.rope(q), self.rope(k)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d_k))
        later = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        weights = torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1)
        return self.output_proj((weights @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, rope):
        super().__init__()
        self.attn = CausalSelfAttention(d_model, num_heads, rope)
        self.ln1 = RMSNorm(d_model)
        self.ffn = SwiGLU(d_model, d_ff)
        self.ln2 = RMSNorm(d_model)

    def forward(self, x):
        h = x + self.attn(self.ln1(x))
        return h + self.ffn(self.ln2(h))


class TransformerLM(nn.Module):
    def __init__(self, vocab, context, d_model, layers, heads, d_ff, theta=10000.0):
        super().__init__()
        rope = Rotary(theta, d_model // heads, context)
        self.token_embeddings = Embedding(vocab, d_model)
        self.layers = nn.ModuleList([Block(d_model, heads, d_ff, rope) for _ in range(layers)])
        self.ln_final = RMSNorm(d_model)
        self.lm_head = Linear(d_model, vocab)

    def forward(self, ids):
        x = self.token_embeddings(ids)
        for block in self.layers:
            x = block(x)
        return self.lm_head(self.ln_final(x))


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def blas_library():
    """The BLAS shared library this process has loaded (torch's matmuls go through it), or "unknown"."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return "unknown"
    hits = sorted(p for p in paths if "blas" in os.path.basename(p).lower())
    return ",".join(hits) if hits else "unknown"


def run(name, threads, warmup, steps, seed, foreach, verbose):
    vocab, context, d, layers, heads, d_ff, bsz = CONFIGS[name]
    torch.manual_seed(seed)
    model = TransformerLM(vocab, context, d, layers, heads, d_ff)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01, foreach=foreach)
    x, y = batch(vocab, context, bsz, seed)
    times, loss_first, loss_last = [], None, None
    for s in range(warmup + steps):
        t0 = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, vocab), y.view(-1))
        value = loss.item()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        t1 = time.perf_counter()
        if not math.isfinite(value):
            sys.exit("train_bench: config %s diverged at step %d: loss %r" % (name, s + 1, value))
        if s == 0:
            loss_first = value
        loss_last = value
        if s >= warmup:
            times.append((t1 - t0) * 1e3)
        if verbose:
            print("# %s step %d%s: %.1f ms, loss %.4f" % (name, s + 1, " (warmup)" if s < warmup else "",
                                                          (t1 - t0) * 1e3, value), flush=True)
    median = statistics.median(times)
    tokens = bsz * context
    gflop = flops_per_step(vocab, context, d, layers, d_ff, bsz) / 1e9
    gflops = gflop / (median / 1e3)
    n_params = sum(p.numel() for p in params)
    print("# %s %s: %s parameters; step ms min %.1f, median %.1f, max %.1f"
          % (name, CONFIGS[name], format(n_params, ","), min(times), median, max(times)))
    print("RESULT impl=torch config=%s threads=%d step_ms=%.3f tokens_per_s=%.1f gflop_per_step=%.4f gflops=%.2f"
          " mfu_pct=%.2f rss_mb=%.1f loss_first=%.6f loss_last=%.6f"
          % (name, threads, median, tokens / (median / 1e3), gflop, gflops, 100 * gflops / PEAK_GFLOPS,
             peak_rss_mb(), loss_first, loss_last), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="all", help="S, M, L, a comma-separated list, or all (default)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    p.add_argument("--steps", type=int, default=20, help="timed steps (default 20)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--foreach", choices=["on", "off"], default="off",
                   help="AdamW's multi-tensor path (default off, the faster one here)")
    p.add_argument("--verbose", action="store_true", help="print every step")
    a = p.parse_args()
    if a.threads < 1 or a.steps < 1 or a.warmup < 0:
        p.error("need --threads >= 1, --steps >= 1, --warmup >= 0")
    names = list(CONFIGS) if a.config.lower() == "all" else [c.strip().upper() for c in a.config.split(",")]
    for n in names:
        if n not in CONFIGS:
            p.error("--config %s is not one of %s or all" % (n, ", ".join(CONFIGS)))
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    env = " ".join("%s=%s" % (k, os.environ.get(k, "-")) for k in (
        "OMP_WAIT_POLICY", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
        "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    print("# torch %s, threads %d, warmup %d, steps %d, seed %d, foreach %s; %s"
          % (torch.__version__, a.threads, a.warmup, a.steps, a.seed, a.foreach, env), flush=True)
    for n in names:
        run(n, a.threads, a.warmup, a.steps, a.seed, a.foreach == "on", a.verbose)
    print("# blas: %s" % blas_library())


if __name__ == "__main__":
    main()
