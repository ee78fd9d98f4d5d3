# train.py - the data-parallel fixture of tests/integration/world-size.sh: a small MLP on
# synthetic regression data, trained by WORLD_SIZE ranks with PyTorch's DistributedDataParallel
# over gloo.  Each rank trains on its own shard (rank::world_size) with a per-rank batch of
# batch / world_size, so the global batch and the learning rate do not depend on the world size.
# After every epoch each rank prints "epoch E checksum HEX" on stderr: the sha256 of its
# parameters' float32 bytes, equal on every rank when the gradients were all-reduced.
# Params (/qtm/params.json): seed, epochs, batch, learning_rate, sync_gradients (false: no DDP,
# each rank trains alone), crash_rank (that rank exits 3 after epoch 1), hang_rank (that rank
# sleeps for ever after epoch 1).  Rank 0 writes model.pt and metrics.json to QTM_OUTPUT.
import hashlib
import json
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

N_TRAIN, N_TEST, N_IN, N_HIDDEN = 960, 256, 8, 16


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def make_data(seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(N_IN, 1, generator=g)
    x = torch.randn(N_TRAIN + N_TEST, N_IN, generator=g)
    y = torch.sin(x @ w) + 0.05 * torch.randn(N_TRAIN + N_TEST, 1, generator=g)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def checksum(model):
    h = hashlib.sha256()
    for p in model.parameters():
        h.update(p.detach().to(torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()


def misbehave(params, rank, epoch):
    if epoch != 1:
        return
    if params.get("crash_rank", -1) == rank:
        log("rank %d crashes on purpose after epoch 1" % rank)
        sys.exit(3)
    if params.get("hang_rank", -1) == rank:
        log("rank %d hangs on purpose after epoch 1" % rank)
        while True:
            time.sleep(3600)


def main():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    params = json.load(open(os.environ["QTM_PARAMS"]))
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    seed = int(params.get("seed", 1))
    epochs = int(params.get("epochs", 4))
    sync = bool(params.get("sync_gradients", True))
    batch = max(1, int(params.get("batch", 32)) // world)

    dist.init_process_group("gloo", init_method="env://", rank=rank, world_size=world)
    x, y, x_test, y_test = make_data(seed)
    x, y = x[rank::world], y[rank::world]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.Tanh(),
                                torch.nn.Linear(N_HIDDEN, 1))
    net = DistributedDataParallel(model) if sync else model
    opt = torch.optim.SGD(net.parameters(), lr=float(params.get("learning_rate", 0.05)))
    steps = len(x) // batch
    for epoch in range(1, epochs + 1):
        total = 0.0
        for s in range(steps):
            xb, yb = x[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        log("epoch %d checksum %s" % (epoch, checksum(model)))
        if rank == 0:
            print('@qtm progress {"step":%d,"steps":%d,"loss":%.6f}' % (epoch, epochs, total / steps),
                  flush=True)
        misbehave(params, rank, epoch)
    with torch.no_grad():
        mse = torch.nn.functional.mse_loss(model(x_test), y_test).item()
    if rank == 0:
        out = os.environ["QTM_OUTPUT"]
        torch.save(model.state_dict(), os.path.join(out, "model.pt"))
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump({"test_mse": mse, "world_size": world}, f)
        print('@qtm metric {"name":"test_mse","value":%.8f}' % mse, flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
