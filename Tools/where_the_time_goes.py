#!/usr/bin/env python3
"""Sorts a perf profile of MyelinBench's measured steps into where the time goes.

Reads `perf report --no-children --sort dso,symbol --stdio -g none` on stdin (see
where_the_time_goes.sh), demangles the Swift symbols and adds each symbol's share to one class:

  gemm         the SGEMM (micro-kernels, packing, GEMV) and the im2col/col2im around it
  elementwise  maps over tensors: the vector math, recurrence cells, Adam, ReLU/dropout/pooling,
               copies, Swift's element-wise loops
  reductions   sums and means over axes, norms, layer norm, softmax rows, losses
  allocation   malloc/free, zeroing new storage, page faults, Swift object allocation
  other        the rest: reference counting, autograd bookkeeping, the thread pool waiting, the kernel

Prints one JSON line: workload, isa (from the benchmark's own line), samples and the percentages.
"""
import json
import re
import subprocess
import sys

CLASSES = [
    ("other", r"^(myelin_pool_run|worker_main|myelin_spin_pause|myelin_parallel_for|for_run|try_join|sched_yield)$"),
    ("gemm", r"^(tile_\w+|kernel(_down|_wide|_fetching|_packing)?|pack_a\w*|pack_b\w*|gemv\w*|generic_\w+|multiply_block|multiply|gemm_\w+|myelin_sgemm\w*|"
             r"scale_only|im2col|col2im|lower_channels\w*|columns|myelin_conv2d_\w+|conv_\w+|forward_images|forward_units|"
             r"backward_chunk\w*)$"),
    ("reductions", r"(sum|leadingAxesSum|mean|Reduction|norm|Norm|softmax|Softmax|row_max|row_exp|probabilities_row|"
                   r"score_gradient_row|crossEntropy|nllLoss|Loss|clipGradient|layer_norm|backward_rows|"
                   r"forward_rows|^forward_(avx2|avx512|portable)$|^backward_(avx2|avx512|portable)$|argmax|maximum)"),
    ("allocation", r"(malloc|free|calloc|realloc|posix_memalign|memalign|_int_\w+|alloc|Alloc|dealloc|"
                   r"TensorStorage|clear_page|page_fault|do_anonymous_page|handle_mm_fault|__handle_mm_fault|"
                   r"unmap_page|zap_|folio|memset|mmap|munmap|brk|lru_|release_pages|free_pages|"
                   r"get_page_from_freelist|rmqueue|__mod_\w+|mem_cgroup)"),
    ("elementwise", r"(_array$|cell_forward|cell_backward|adam_|sgd_|Elementwise|StridedLoop|contiguous|assign|"
                    r"relu|Relu|dropout|Dropout|max_pool|maxPool|avgPool|Pool2d|embedding|Embedding|gather|scatter|memmove|memcpy|"
                    r"transpose|copy|Copy|broadcast|expand|where|mask|gelu|sigmoid|tanh|exp|log|"
                    r"recurrence_\w+|forward_slice|backward_slice|map_slice|myelin_v\w+|batch|Batch|"
                    r"normalize|augment|leaky|Leaky|clamp|sqrt|pow|abs|^(zip|map|update)(<\w+>)?$|infix|prefix|bernoulli|^step$)"),
]


def demangle(names):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True,
                             text=True, check=True).stdout.split("\n")
        return out[:len(names)]
    except (OSError, subprocess.CalledProcessError):
        return names


def main():
    workload = sys.argv[1]
    bench = {}
    try:
        with open(sys.argv[2]) as f:
            bench = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, IndexError, ValueError):
        pass
    rows = []
    samples = 0
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*\S)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), re.split(r"\s{2,}", m.group(3))[0]))
        m = re.match(r"# Samples: ([\d.]+)([KM]?)", line)
        if m:
            samples = int(float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6}[m.group(2)])
    names = demangle([r[2] for r in rows])
    shares = {name: 0.0 for name in ("gemm", "elementwise", "reductions", "allocation", "other")}
    top = {}
    for (pct, dso, raw), name in zip(rows, names):
        # Swift symbols: match on the function's own name, not on its argument types.
        plain = re.sub(r"\(.*", "", name).split(".")[-1] if name != raw else raw
        chosen = "other"
        if dso == "[kernel.kallsyms]" and not re.search(dict(CLASSES)["allocation"], raw):
            chosen = "other"
        else:
            for cls, pattern in CLASSES:
                if re.search(pattern, plain):
                    chosen = cls
                    break
        shares[chosen] += pct
        top.setdefault(chosen, []).append((pct, plain))
    result = {"workload": workload, "isa": bench.get("isa"), "samples": samples}
    result.update({k: round(v, 1) for k, v in shares.items()})
    result["top"] = {k: [f"{p:.1f} {n}" for p, n in sorted(v, reverse=True)[:4]] for k, v in top.items()}
    for key in ("train_tokens_per_sec", "train_samples_per_sec", "train_samples_per_sec_epoch1", "gan_steps_per_sec"):
        if key in bench:
            result[key] = bench[key]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
