#!/usr/bin/env python3
"""PyTorch reference for `rnn-workbench bench --against-pytorch`: the same work as the
TypeScript bench (forward + backward + Adam on a shared tanh RNN with a 2-class readout of the
last state), as nn.RNN and as the page's manual loop. Prints one JSON object per line.

Where PyTorch sees a CUDA GPU it runs every case there too ("device": "cuda"): how fast these
small RNNs train on a GPU, where each step is T launches deep, against the same on the CPU.

Debian: apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {"A": dict(n=32, d=128, T=50, B=32), "B": dict(n=128, d=256, T=100, B=32), "C": dict(n=128, d=1024, T=100, B=128)}


class ManualRNN(nn.Module):
    """The page's ExplicitWeightSharingRNN: one W_xh, W_hh, b_h used at every step."""

    def __init__(self, n, d):
        super().__init__()
        self.W_xh = nn.Parameter(torch.randn(d, n) * 0.01)
        self.W_hh = nn.Parameter(torch.randn(d, d) * 0.01)
        self.b_h = nn.Parameter(torch.zeros(d))
        self.d = d

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.d)
        for t in range(x.shape[1]):
            h = torch.tanh(x[:, t] @ self.W_xh.t() + h @ self.W_hh.t() + self.b_h)
        return h


class UnsharedRNN(nn.Module):
    """The page's UnsharedWeightsRNN: its own W_xh, W_hh, b_h at every position."""

    def __init__(self, n, d, T):
        super().__init__()
        self.W_xh_list = nn.ParameterList([nn.Parameter(torch.randn(d, n) * 0.01) for _ in range(T)])
        self.W_hh_list = nn.ParameterList([nn.Parameter(torch.randn(d, d) * 0.01) for _ in range(T)])
        self.b_h_list = nn.ParameterList([nn.Parameter(torch.zeros(d)) for _ in range(T)])
        self.d = d

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.d)
        for t in range(x.shape[1]):
            h = torch.tanh(x[:, t] @ self.W_xh_list[t].t() + h @ self.W_hh_list[t].t() + self.b_h_list[t])
        return h


class TorchRNN(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.rnn = nn.RNN(n, d, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[1][0]


def bench(kind, name, cfg, seconds, device):
    torch.manual_seed(0)
    if kind == "unshared loop":
        core = UnsharedRNN(cfg["n"], cfg["d"], cfg["T"])
    else:
        core = (TorchRNN if kind == "nn.RNN" else ManualRNN)(cfg["n"], cfg["d"])
    head = nn.Linear(cfg["d"], 2)
    core, head = core.to(device), head.to(device)
    opt = torch.optim.Adam(list(core.parameters()) + list(head.parameters()), lr=1e-3)
    x = torch.randn(cfg["B"], cfg["T"], cfg["n"], device=device)
    y = torch.randint(0, 2, (cfg["B"],), device=device)
    # CUDA runs ahead of the host: a step counts once the device has finished it
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(head(core(x)), y)
        loss.backward()
        opt.step()

    for _ in range(3):  # warm-up: cuDNN plans, allocator, OpenBLAS threads
        step()
    sync()
    steps, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds or steps < 3:
        step()
        steps += 1
        if device == "cuda" and steps % 10 == 0:
            sync()  # the clock must not run far ahead of the GPU
    sync()
    elapsed = time.perf_counter() - start
    # cores: CPU time over wall time. torch's own thread count (1 here) does not say it: its
    # matmuls run in OpenBLAS, which has a pthread pool of its own (both cores here)
    cores = (time.process_time() - cpu) / elapsed
    row = {"impl": kind, "config": name, "device": device, "stepsPerSec": steps / elapsed, "msPerStep": 1000 * elapsed / steps, "torchThreads": torch.get_num_threads(), "cores": cores}
    if device == "cuda":
        row["gpu"] = torch.cuda.get_device_name(0)
    return row


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else ["A", "B"]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        for name, cfg in ((n, CONFIGS[n]) for n in names):
            for kind in ("nn.RNN", "manual loop", "unshared loop"):
                print(json.dumps(bench(kind, name, cfg, seconds, device)), flush=True)
