#!/usr/bin/env bash
# GemmBench next to numpy's matmul (OpenBLAS), shape by shape, so that both see the same load on a
# shared machine: for each shape, JMH vector-1, numpy on 1 thread, JMH vector-2, numpy on 2 threads,
# JMH ejml. Needs bench/target/benchmarks.jar (mvn -B -DskipTests package) and python3 with numpy;
# neither the build nor the tests need this script.
#
#   bench/gemm_vs_openblas.sh [out-dir]     # default out-dir: bench/target/gemm-vs-openblas
#
# Writes jmh-<shape>-<backend>.json (JMH's JSON, per-iteration GFLOP/s under secondaryMetrics.gflop)
# and numpy-1.txt / numpy-2.txt (mean and best of 5 one-second rounds per shape).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
out=${1:-"$here/target/gemm-vs-openblas"}
mkdir -p "$out"
: > "$out/numpy-1.txt"
: > "$out/numpy-2.txt"
shapes="4096x128x512 4096x512x128 1024x64x64 2048x256x768 2048x768x256 2048x256x2048
        128x4096x512:TN 4096x512x128:NT 64@64x16x64:NT 64@64x64x16"
for shape in $shapes; do
  for backend in vector-1 vector-2 ejml; do
    name=$(echo "$shape-$backend" | tr '@:' '__')
    java -jar "$jar" GemmBench -p shape="$shape" -p backend="$backend" -wi 3 -i 5 \
      -rf json -rff "$out/jmh-$name.json" > "$out/jmh-$name.log" 2>&1
    grep -E '^GemmBench.sgemm:gflop' "$out/jmh-$name.log" || true
    case $backend in
      vector-1) python3 "$here/numpy_gemm.py" 1 3 5 "$shape" | tail -n +2 | tee -a "$out/numpy-1.txt" ;;
      vector-2) python3 "$here/numpy_gemm.py" 2 3 5 "$shape" | tail -n +2 | tee -a "$out/numpy-2.txt" ;;
    esac
  done
done
