#!/usr/bin/env python3
"""Writes the PyTorch reference that TransformerReferenceTest compares jgrad's TransformerLM against.

A small CS336-style Transformer LM, written here from scratch in plain PyTorch, gets random weights from
a fixed seed and runs on fixed token ids. Two files are written next to this script:

  transformer_lm_weights.safetensors  the state dict, exactly as model.state_dict() names and orders it;
                                      __metadata__ holds "config" (JSON with CS336's keys) and
                                      "state_dict_order" (JSON list of the keys in state_dict() order)
  transformer_lm_io.safetensors       "input_ids" int64 [2, 8] with "logits" float32 [2, 8, 11], and
                                      "input_ids_1d" int64 [5] with "logits_1d" float32 [5, 11]

The safetensors format is written by hand (8-byte little-endian header length, JSON header padded with
spaces to a multiple of 8, raw little-endian data), so the safetensors package is not needed.
Java never runs this; rerun it by hand only to regenerate the files:

    python3 make_transformer_reference.py      (needs torch; tested with 1.13)

RoPE here multiplies complex numbers (x[2j] + i x[2j+1]) * exp(i * angle), a different route to the same
rotation than the Java code takes, so the comparison checks the convention and not just the arithmetic.
"""

import json
import math
import os
import struct

import torch
from torch import nn

CONFIG = {
    "vocab_size": 11,
    "context_length": 8,
    "d_model": 16,
    "num_layers": 2,
    "num_heads": 2,
    "d_ff": 24,
    "rope_theta": 10000.0,
}
SEED = 1336


class Linear(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_out, d_in))

    def forward(self, x):
        return x @ self.weight.T


class Embedding(nn.Module):
    def __init__(self, num, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num, dim))

    def forward(self, ids):
        return self.weight[ids]


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        x32 = x.to(torch.float32)
        y = x32 * torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return (y * self.weight).to(x.dtype)


class SwiGLU(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.w1 = Linear(d_model, d_ff)
        self.w2 = Linear(d_ff, d_model)
        self.w3 = Linear(d_model, d_ff)

    def forward(self, x):
        a = self.w1(x)
        return self.w2(a * torch.sigmoid(a) * self.w3(x))


class Rotary(nn.Module):
    """Rotates pairs (x[2j], x[2j+1]) by position * theta^(-2j/d_k), as complex multiplication."""

    def __init__(self, theta, d_k, max_seq_len):
        super().__init__()
        j = torch.arange(0, d_k // 2, dtype=torch.float64)
        freq = theta ** (-2.0 * j / d_k)
        angle = torch.arange(max_seq_len, dtype=torch.float64)[:, None] * freq[None, :]
        unit = torch.polar(torch.ones_like(angle), angle).to(torch.complex64)
        self.register_buffer("unit", unit, persistent=False)  # a constant, not in the state dict

    def forward(self, x, positions):
        pairs = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
        return torch.view_as_real(pairs * self.unit[positions]).reshape(x.shape)


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
        *lead, t, d = x.shape
        d_k = d // self.h

        def heads(y):
            return y.reshape(*lead, t, self.h, d_k).transpose(-3, -2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        pos = torch.arange(t)
        q, k = self.rope(q, pos), self.rope(k, pos)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)
        later = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        weights = torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1)
        out = (weights @ v).transpose(-3, -2).reshape(*lead, t, d)
        return self.output_proj(out)


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
    def __init__(self, c):
        super().__init__()
        rope = Rotary(c["rope_theta"], c["d_model"] // c["num_heads"], c["context_length"])
        self.token_embeddings = Embedding(c["vocab_size"], c["d_model"])
        self.layers = nn.ModuleList(
            [Block(c["d_model"], c["num_heads"], c["d_ff"], rope) for _ in range(c["num_layers"])]
        )
        self.ln_final = RMSNorm(c["d_model"])
        self.lm_head = Linear(c["d_model"], c["vocab_size"])

    def forward(self, ids):
        x = self.token_embeddings(ids)
        for block in self.layers:
            x = block(x)
        return self.lm_head(self.ln_final(x))


def randomize(model, gen):
    """Weights of a useful size: N(0, 1/fan_in) for projections, N(0, 1) embeddings, gains near 1."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln1.weight") or name.endswith("ln2.weight") or name == "ln_final.weight":
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name == "token_embeddings.weight":
                p.copy_(torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))


def write_safetensors(path, tensors, metadata):
    codes = {torch.float32: ("F32", "f"), torch.int64: ("I64", "q")}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        dtype, fmt = codes[t.dtype]
        values = t.detach().contiguous().reshape(-1).tolist()
        data = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(b"".join(blobs))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    gen = torch.Generator().manual_seed(SEED)
    model = TransformerLM(CONFIG)
    randomize(model, gen)
    state = model.state_dict()
    ids = torch.randint(0, CONFIG["vocab_size"], (2, CONFIG["context_length"]), generator=gen)
    ids_1d = torch.randint(0, CONFIG["vocab_size"], (5,), generator=gen)
    with torch.no_grad():
        logits = model(ids)
        logits_1d = model(ids_1d)
    meta = {
        "config": json.dumps(CONFIG),
        "state_dict_order": json.dumps(list(state.keys())),
        "generator": "make_transformer_reference.py, torch " + torch.__version__ + ", seed " + str(SEED),
    }
    write_safetensors(os.path.join(here, "transformer_lm_weights.safetensors"), dict(state), meta)
    write_safetensors(
        os.path.join(here, "transformer_lm_io.safetensors"),
        {"input_ids": ids, "logits": logits, "input_ids_1d": ids_1d, "logits_1d": logits_1d},
        {"generator": meta["generator"]},
    )
    print("logits", tuple(logits.shape), "max |logit| %.3f" % logits.abs().max().item())


if __name__ == "__main__":
    main()
