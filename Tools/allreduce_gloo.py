#!/usr/bin/env python3
"""torch.distributed's side of MyelinBench's `allreduce`: Gloo all-reduce on 2 processes.

The same sizes (4 KB to 64 MB of float32), the same timing (3 warm-up calls, then 5 batches of k
calls lasting about 0.1 s, started after a barrier; the median batch's time per call, the slowest
rank's) and the same bus bandwidth (bytes x 2(n-1)/n / time) as MyelinBench. Both processes run on
this machine over loopback TCP, as Gloo does. Prints one JSON line.

    python Tools/allreduce_gloo.py      # with torch installed
"""
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

SIZES = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20]
RANKS = 2


def slowest(value):
    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t.item()


def worker(rank, port):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=RANKS)
    times, bus = [], []
    for size in SIZES:
        buffer = torch.ones(size // 4)
        for _ in range(3):
            dist.all_reduce(buffer)
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        calls = int(slowest(max(1, int(0.1 / max(time.perf_counter() - start, 1e-7)))))
        batches = []
        for _ in range(5):
            dist.barrier()
            begin = time.perf_counter()
            for _ in range(calls):
                dist.all_reduce(buffer)
            batches.append(slowest((time.perf_counter() - begin) / calls))
        per_call = sorted(batches)[2]
        times.append(round(per_call * 1e6, 1))
        bus.append(round(size * 2 * (RANKS - 1) / RANKS / per_call / 1e9, 3))
    if rank == 0:
        print(json.dumps({
            "workload": "allreduce", "side": "torch.distributed gloo", "ranks": RANKS, "sizes_bytes": SIZES,
            "time_us": times, "bus_bandwidth_gb_per_sec": bus, "torch": torch.__version__,
            "settings": {"operation": "sum of float32, in place", "transport": "TCP over loopback",
                         "timing": "median of 5 batches of calls lasting ~0.1 s, slowest rank",
                         "bus_bandwidth": "bytes x 2(n-1)/n / time"}}), flush=True)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    mp.spawn(worker, args=(free_port(),), nprocs=RANKS)
