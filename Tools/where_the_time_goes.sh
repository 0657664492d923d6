#!/bin/sh
# Where a MyelinBench workload's measured steps spend their time, per kernel path: samples the
# steps alone with perf (software clock: works without hardware counters, in a VM too) and sorts
# the samples into GEMM, element-wise, reductions, allocation and the rest
# (Tools/where_the_time_goes.py says which symbols go where).
#
#   Tools/where_the_time_goes.sh charlstm avx2       # after swift build -c release
#
# Prints one JSON line: the workload, the path, the number of samples and the percentages.
set -eu
workload=${1:?usage: where_the_time_goes.sh WORKLOAD [avx512|avx2|portable]}
path=${2:-}
bench=${MYELIN_BENCH:-.build/release/MyelinBench}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/control"
MYELIN_CPU=$path perf record -q -e cpu-clock -F 4999 -D -1 --control "fifo:$dir/control" -o "$dir/perf.data" -- \
    env MYELIN_PERF_CONTROL="$dir/control" "$bench" "$workload" > "$dir/bench.json"
perf report -i "$dir/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0 2>/dev/null |
    python3 "$(dirname "$0")/where_the_time_goes.py" "$workload" "$dir/bench.json"
