"""One training process ("rank"): loads the JIT-compiled SiLU op when the launcher says go,
trains a small MLP on CPU, and prints its losses and a JSON summary line.

    python worker.py RANK   # normally started by launch.py
"""

import json
import logging
import sys
import time

import torch
from silu_op import load_silu


class BuildDetector(logging.Handler):
    """Notes whether this process compiled the module (tvm_ffi_jit logs each build it runs)."""

    built = False

    def emit(self, record):
        if record.getMessage().startswith("tvm_ffi_jit: building"):
            BuildDetector.built = True


def train(silu, rank, steps=300, learning_rate=0.1):
    torch.manual_seed(rank)
    inputs = torch.randn(256, 8)
    targets = torch.tanh(inputs @ torch.randn(8, 1))
    first = torch.nn.Linear(8, 32)
    second = torch.nn.Linear(32, 1)
    parameters = [*first.parameters(), *second.parameters()]
    velocities = [torch.zeros_like(p) for p in parameters]
    losses = []
    for step in range(steps):
        loss = torch.nn.functional.mse_loss(second(silu(first(inputs))), targets)
        loss.backward()
        # SGD with momentum by hand: torch.optim imports torch._dynamo (seconds per process).
        with torch.no_grad():
            for parameter, velocity in zip(parameters, velocities):
                velocity.mul_(0.9).add_(parameter.grad)
                parameter -= learning_rate * velocity
                parameter.grad = None
        if step % 100 == 0 or step == steps - 1:
            losses.append(round(loss.item(), 4))
    return losses


def main():
    rank = int(sys.argv[1])
    torch.set_num_threads(1)  # the ranks share the machine's cores
    logger = logging.getLogger("tvm_ffi_jit")
    logger.setLevel(logging.INFO)
    logger.addHandler(BuildDetector())

    print("ready", flush=True)
    sys.stdin.readline()  # the launcher releases every rank at the same moment
    start = time.perf_counter()
    silu = load_silu()
    load_seconds = time.perf_counter() - start
    losses = train(silu, rank)
    train_seconds = time.perf_counter() - start - load_seconds
    print(f"[rank {rank}] loss " + " -> ".join(f"{loss:.4f}" for loss in losses), flush=True)
    summary = {
        "rank": rank,
        "built": BuildDetector.built,
        "load_s": load_seconds,
        "train_s": train_seconds,
        "losses": losses,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
