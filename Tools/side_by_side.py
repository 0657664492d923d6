#!/usr/bin/env python3
"""Runs a MyelinBench workload side by side with PyTorch's script (or with another Myelin build)
and prints each pair's ratio and their median: the one comparison these noisy hosts allow.

The two programs alternate in ABBA order (Myelin first in odd pairs, the other first in even
ones): a host that drifts within a pair favours whichever runs second, and alternating the order
cancels that out. On the AVX2 path PyTorch is held to AVX2 as well
(ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS, ONEDNN_MAX_CPU_ISA).

  Tools/side_by_side.py charlstm --pairs 4 --isa avx2 --python ~/torchenv/bin/python
  Tools/side_by_side.py gpt --against old/MyelinBench          # two Myelin builds, same path
  Tools/side_by_side.py gemm --pairs 3 --isa avx2 --python ~/torchenv/bin/python

A ratio is the --bench build's figure over the other program's (higher: Myelin faster). `gemm`
gives one per square size: Myelin's 2-thread GFLOP/s over torch.mm's (MKL) and over numpy's
(OpenBLAS), both from w8_gemm.py. Each pair's two JSON lines go to --out (side_by_side.jsonl by
default), and a summary line (the ratios, their medians, the accuracy or loss figures) to stdout
and to the same file.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

# workload: (PyTorch's script, the throughput figure compared, the quality figures reported)
WORKLOADS = {
    "mlp": ("w1_mlp.py", "train_samples_per_sec_epoch1", ["test_acc_epoch1"]),
    "cnn": ("w2_cnn.py", "epoch_samples_per_sec", ["test_acc"]),
    "lenet": ("w3_lenet.py", "train_samples_per_sec", ["test_acc_epoch1"]),
    "charlstm": ("w4_charlstm.py", "train_tokens_per_sec", ["val_loss_nats_per_char_after_500_steps"]),
    "gan": ("w5_gan.py", "gan_steps_per_sec", []),
    "gpt": ("w6_gpt.py", "train_tokens_per_sec", ["loss_step1_and_step105", "loss_step1_and_step105_sdpa"]),
    "gemm": ("w8_gemm.py", "myelin_gflops", []),
}

# Figures that are one per size ({"512": GFLOP/s, ...}): on the other side, each library's own key.
PER_SIZE_LIBRARIES = {"myelin_gflops": {"mkl": "torch_gflops", "openblas": "numpy_gflops"}}

AVX2_ONLY = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def last_json_line(command, env, cwd=None):
    """Runs a benchmark and returns the JSON object on its last line of output, or exits saying why."""
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith("{")]
    if result.returncode != 0 or not lines:
        sys.exit(f"side_by_side: {' '.join(command)} failed (exit {result.returncode}); its last output:\n"
                 + (result.stderr or result.stdout)[-2000:])
    return json.loads(lines[-1])


def ratios_of(mine, theirs, figure, against_myelin):
    """The pair's ratios by label: one unlabelled ratio, or one per size and library."""
    if figure not in PER_SIZE_LIBRARIES:
        return {"": mine[figure] / theirs[figure]}
    libraries = {"myelin": figure} if against_myelin else PER_SIZE_LIBRARIES[figure]
    return {f"{size} vs {library}": value / theirs[key][size]
            for library, key in libraries.items() for size, value in mine[figure].items()
            if theirs.get(key, {}).get(size)}


def unlabelled(by_label):
    """A workload's one figure's entry by itself; per-size figures stay labelled."""
    return by_label[""] if "" in by_label else by_label


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--pairs", type=int, default=4, help="how many pairs (at least 3; default 4)")
    parser.add_argument("--isa", choices=["avx512", "avx2", "portable"], help="MYELIN_CPU for Myelin (default: the best)")
    parser.add_argument("--bench", default=".build/release/MyelinBench", help="the MyelinBench binary measured")
    parser.add_argument("--against", help="another MyelinBench binary to compare with, instead of PyTorch")
    parser.add_argument("--python", default="python3", help="the Python that has torch (for the PyTorch side)")
    parser.add_argument("--torch-dir", default="../shared/bench/torch", help="where PyTorch's w*.py scripts are")
    parser.add_argument("--out", default="side_by_side.jsonl", help="where the JSON lines go (appended)")
    args = parser.parse_args()
    if args.pairs < 3:
        parser.error("--pairs must be at least 3: fewer cannot give a median worth quoting")
    script, figure, quality = WORKLOADS[args.workload]
    for binary in [args.bench] + ([args.against] if args.against else []):
        if not os.access(binary, os.X_OK):
            parser.error(f"{binary} is not an executable; build it first (swift build -c release --product MyelinBench)")
    if not args.against and not os.path.isfile(os.path.join(args.torch_dir, script)):
        parser.error(f"{os.path.join(args.torch_dir, script)} does not exist; point --torch-dir at PyTorch's scripts")

    myelin_env = dict(os.environ)
    if args.isa:
        myelin_env["MYELIN_CPU"] = args.isa
    torch_env = dict(os.environ, **(AVX2_ONLY if args.isa == "avx2" else {}))

    def run_myelin():
        return last_json_line([args.bench, args.workload], myelin_env)

    def run_other():
        if args.against:
            return last_json_line([args.against, args.workload], myelin_env)
        return last_json_line([args.python, script], torch_env, cwd=args.torch_dir)

    other_name = args.against or "pytorch"
    ratios = {}
    with open(args.out, "a") as out:
        for pair in range(1, args.pairs + 1):
            if pair % 2 == 1:
                mine, theirs = run_myelin(), run_other()
            else:
                theirs = run_other()
                mine = run_myelin()
            pair_ratios = ratios_of(mine, theirs, figure, bool(args.against))
            for label, ratio in pair_ratios.items():
                ratios.setdefault(label, []).append(ratio)
            for who, line in [("myelin", mine), (other_name, theirs)]:
                out.write(json.dumps({"pair": pair, "who": who, "line": line}) + "\n")
            if "" in pair_ratios:
                print(f"pair {pair}: myelin {mine[figure]:,.1f}  {other_name} {theirs[figure]:,.1f}  "
                      f"ratio {pair_ratios['']:.3f}", flush=True)
            else:
                print(f"pair {pair}: " + ", ".join(f"{label} {r:.3f}" for label, r in pair_ratios.items()), flush=True)
        summary = {
            "workload": args.workload,
            "isa": mine.get("isa"),
            "figure": figure,
            "against": other_name,
            "ratios": unlabelled({label: [round(r, 3) for r in rs] for label, rs in ratios.items()}),
            "median": unlabelled({label: round(statistics.median(rs), 3) for label, rs in ratios.items()}),
            "quality": {"myelin": {k: mine[k] for k in quality if k in mine},
                        other_name: {k: theirs[k] for k in quality if k in theirs}},
        }
        out.write(json.dumps({"summary": summary}) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
