#!/usr/bin/env bash
# Trains the benchmark configs S, M, L with jgrad (bench TrainBench) and PyTorch (bench/pytorch/train_bench.py),
# alternating the two programs, and prints medians, a table and, last, `min speedup over PyTorch: X.XX`.
#
#   bench/compare.sh                 R=3 repeats of S, M, L
#   R=1 CONFIGS="M L" bench/compare.sh
#
# Settings (environment):
#   R=3                repeats; every figure in the table is the median over them
#   CONFIGS="S M L"    which configs
#   WARMUP=30 STEPS=20 untimed and timed steps per run (each run reports its median step time). The JIT
#                      compiler needs the warm-up: after 10 steps jgrad's S steps were still 5-10% slower than after
#                      50; PyTorch's do not change. Both programs get the same number
#   JGRAD_THREADS=2    jgrad's threads; PyTorch runs with 1 and with 2 and is credited with the faster
#   JGRAD_HEAP_S=1g JGRAD_HEAP_M=1g JGRAD_HEAP_L=1400m
#                      jgrad's heap, -Xms = -Xmx, since a fresh page costs a fault
#   JGRAD_YOUNG_S, JGRAD_YOUNG_M, JGRAD_YOUNG_L (unset)
#                      its young generation (-Xmn; none when unset: the JVM's default third of the heap). Until
#                      the trainer released its activations after backward (Autograd.releaseActivations()), a step
#                      allocated 30 / 220 / 490 MB on S / M / L and young generations of 800 MB (M) and 1100 MB (L)
#                      kept GC at 3 and 10-12 ms per step. Now a step allocates ~4 / 13 / 35 MB, the default young
#                      generation collects as rarely, steps take as long, and RSS is 560 / 920 MB instead of
#                      960 / 1500 on M / L
#   JGRAD_JAVA_OPTS    extra JVM options for jgrad
#   JGRAD_BENCH_JAR    use this jar as is; otherwise bench/target/benchmarks.jar is built when missing or older
#                      than a source of core, nn or bench
#   PYTHON=/usr/bin/python3   the Python with torch (Debian's python3-torch)
#   PEAK_GFLOPS=400    the 2-core FMA peak, for MFU
#
# PyTorch gets its fastest correct setting, for its runs only: glibc malloc keeps freed memory
# (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_), OpenMP threads sleep when idle
# (OMP_WAIT_POLICY=PASSIVE), OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset, and OpenBLAS's OpenMP build is
# preferred when it is installed (it shares torch's OpenMP threads instead of starting its own). The script checks
# once that these settings leave PyTorch's losses unchanged.
#
# It installs nothing. It needs torch for $PYTHON, and refuses to compare against PyTorch on the reference BLAS
# (Debian's libblas3, ~4 GFLOP/s): install OpenBLAS first, e.g. apt-get install libopenblas0-openmp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

R=${R:-3}
CONFIGS=${CONFIGS:-"S M L"}
WARMUP=${WARMUP:-30}
STEPS=${STEPS:-20}
JGRAD_THREADS=${JGRAD_THREADS:-2}
PYTHON=${PYTHON:-/usr/bin/python3}
PEAK_GFLOPS=${PEAK_GFLOPS:-400}
script="$root/bench/pytorch/train_bench.py"

die() {
  echo "compare.sh: $*" >&2
  exit 1
}

# ---- prerequisites: nothing is installed here --------------------------------------------------------------
[ -x "$PYTHON" ] || die "$PYTHON not found (set PYTHON to a Python with torch)"
torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) ||
  die "$PYTHON cannot import torch; install Debian's python3-torch (this script installs nothing)"
command -v java >/dev/null || die "java not found"

# The settings PyTorch runs with, and the plain environment the loss check compares against.
tuned=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
  MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=1073741824
  OMP_WAIT_POLICY=PASSIVE)
plain=(env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u MALLOC_TOP_PAD_ -u OMP_WAIT_POLICY)
openmp_blas=""
for dir in /usr/lib/x86_64-linux-gnu/openblas-openmp /usr/lib/aarch64-linux-gnu/openblas-openmp; do
  if [ -e "$dir/libblas.so.3" ]; then
    openmp_blas=$dir
    tuned+=("LD_LIBRARY_PATH=$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    break
  fi
done

blas=$("${tuned[@]}" "$PYTHON" -c '
import torch
a = torch.ones(8, 8); a @ a
print(",".join(sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1].split("/")[-1]})) or "unknown")')
case "$blas" in
  *openblas*) ;;
  *)
    [ "${ALLOW_REFERENCE_BLAS:-0}" = 1 ] ||
      die "PyTorch here multiplies matrices with $blas, not OpenBLAS: its figures would be 10-20x too slow." \
        "Install OpenBLAS (apt-get install libopenblas0-openmp), or set ALLOW_REFERENCE_BLAS=1 to compare anyway."
    ;;
esac
# OpenBLAS's pthread build starts its own threads: hold it to the thread count under test.
pthread_blas=0
case "$blas" in *openblas-pthread*) pthread_blas=1 ;; esac

# ---- the jgrad jar -----------------------------------------------------------------------------------------
jar=${JGRAD_BENCH_JAR:-$root/bench/target/benchmarks.jar}
stale() {
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$root/pom.xml" "$root/core" "$root/nn" "$root/bench" \
    \( -name '*.java' -o -name 'pom.xml' \) -newer "$jar" -not -path '*/target/*' -print -quit)" ]
}
if [ -z "${JGRAD_BENCH_JAR:-}" ] && stale; then
  echo "compare.sh: building $jar (missing, or older than the sources) ..." >&2
  mvn -q -B -DskipTests -Dspotless.skip=true -pl bench -am package >&2 || die "the bench build failed"
fi
[ -f "$jar" ] || die "no jar at $jar"

heap_for() {
  local var="JGRAD_HEAP_$1" def=1g
  [ "$1" = L ] && def=1400m
  echo "${!var:-$def}"
}

young_for() {
  local var="JGRAD_YOUNG_$1"
  echo "${!var:-}"
}

out=$(mktemp -d "${TMPDIR:-/tmp}/jgrad-compare.XXXXXX")
trap 'rm -rf "$out"' EXIT
results="$out/results.txt"
: >"$results"

run_jgrad() { # config rep
  local heap young
  heap=$(heap_for "$1")
  young=$(young_for "$1")
  # shellcheck disable=SC2086
  java -Xms"$heap" -Xmx"$heap" ${young:+-Xmn"$young"} -XX:+UseParallelGC ${JGRAD_JAVA_OPTS:-} --add-modules=jdk.incubator.vector \
    -cp "$jar" dev.jgrad.bench.TrainBench --config "$1" --threads "$JGRAD_THREADS" \
    --warmup "$WARMUP" --steps "$STEPS" --peak-gflops "$PEAK_GFLOPS" 2>"$out/jgrad.err" >"$out/jgrad.out" ||
    { cat "$out/jgrad.err" "$out/jgrad.out" >&2; die "jgrad failed on config $1"; }
  grep '^RESULT' "$out/jgrad.out" | sed "s/^RESULT /RESULT rep=$2 /" | tee -a "$results"
}

run_torch() { # config threads rep
  local extra=()
  [ "$pthread_blas" = 1 ] && extra=("OPENBLAS_NUM_THREADS=$2")
  "${tuned[@]}" "${extra[@]}" "$PYTHON" "$script" --config "$1" --threads "$2" --warmup "$WARMUP" \
    --steps "$STEPS" >"$out/torch.out" 2>"$out/torch.err" ||
    { cat "$out/torch.err" "$out/torch.out" >&2; die "PyTorch failed on config $1, $2 threads"; }
  grep '^RESULT' "$out/torch.out" | sed "s/^RESULT /RESULT rep=$3 /" | tee -a "$results"
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# jgrad: $(java -version 2>&1 | head -1), $JGRAD_THREADS threads, heap S/M/L" \
  "$(heap_for S)/$(heap_for M)/$(heap_for L), young generation S/M/L" \
  "$(young_for S)/$(young_for M)/$(young_for L) (empty: the JVM's default), $jar"
echo "# PyTorch $torch_version ($PYTHON), BLAS $blas${openmp_blas:+ (via LD_LIBRARY_PATH)}"
echo "# R=$R, configs $CONFIGS, warmup $WARMUP, steps $STEPS"

# ---- the settings must not change PyTorch's results --------------------------------------------------------
echo "# loss check: PyTorch with its tuned settings vs plain defaults (1 thread, 3 steps from the same seed)"
check_ok=1
for c in $CONFIGS; do
  a=$("${tuned[@]}" "$PYTHON" "$script" --config "$c" --threads 1 --warmup 0 --steps 3 | grep '^RESULT')
  b=$("${plain[@]}" "$PYTHON" "$script" --config "$c" --threads 1 --warmup 0 --steps 3 | grep '^RESULT')
  la=$(grep -o 'loss_first=[^ ]* loss_last=[^ ]*' <<<"$a")
  lb=$(grep -o 'loss_first=[^ ]* loss_last=[^ ]*' <<<"$b")
  ta=$(grep -o 'step_ms=[^ ]*' <<<"$a")
  tb=$(grep -o 'step_ms=[^ ]*' <<<"$b")
  if [ "$la" = "$lb" ]; then verdict=equal; else verdict=DIFFERENT; check_ok=0; fi
  echo "#   $c: tuned $la ($ta)  plain $lb ($tb)  -> $verdict"
done
[ "$check_ok" = 1 ] || echo "# WARNING: PyTorch's tuned settings changed its losses; its figures below are suspect"

# ---- alternate the two programs -----------------------------------------------------------------------------
for rep in $(seq 1 "$R"); do
  for c in $CONFIGS; do
    if [ $((rep % 2)) = 1 ]; then
      run_jgrad "$c" "$rep"
      run_torch "$c" 1 "$rep"
      run_torch "$c" 2 "$rep"
    else
      run_torch "$c" 2 "$rep"
      run_torch "$c" 1 "$rep"
      run_jgrad "$c" "$rep"
    fi
  done
done

# ---- medians and the table ---------------------------------------------------------------------------------
"$PYTHON" - "$results" "$PEAK_GFLOPS" "$CONFIGS" <<'EOF'
import statistics
import sys

path, peak, configs = sys.argv[1], float(sys.argv[2]), sys.argv[3].split()
runs = {}
for line in open(path):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    runs.setdefault((kv["impl"], kv["config"], int(kv["threads"])), []).append(kv)


def med(rows, key):
    return statistics.median(float(r[key]) for r in rows)


targets = {"S": 1.5, "M": 2.0, "L": 1.5}
print()
print("| config | jgrad tok/s | PyTorch best tok/s (threads) | speedup | jgrad GFLOP/s | jgrad MFU | "
      "PyTorch GFLOP/s | RSS jgrad / PyTorch (MB) | RSS ratio | loss first→last jgrad / PyTorch |")
print("|---|---|---|---|---|---|---|---|---|---|")
speedups, notes = [], []
for c in configs:
    jk = [k for k in runs if k[0] == "jgrad" and k[1] == c]
    tk = [k for k in runs if k[0] == "torch" and k[1] == c]
    if not jk or not tk:
        continue
    j = runs[jk[0]]
    best = max(tk, key=lambda k: med(runs[k], "tokens_per_s"))
    t = runs[best]
    jt, tt = med(j, "tokens_per_s"), med(t, "tokens_per_s")
    jg, tg = med(j, "gflops"), med(t, "gflops")
    jr, tr = med(j, "rss_mb"), med(t, "rss_mb")
    ratio = jt / tt
    speedups.append(ratio)
    others = ", ".join("%d thr %.0f" % (k[2], med(runs[k], "tokens_per_s")) for k in sorted(tk))
    print("| %s | %.0f | %.0f (%d) | %.2f | %.1f | %.1f%% | %.1f | %.0f / %.0f | %.2f | %.3f→%.3f / %.3f→%.3f |" % (
        c, jt, tt, best[2], ratio, jg, 100 * jg / peak, tg, jr, tr, jr / tr,
        float(j[0]["loss_first"]), float(j[0]["loss_last"]), float(t[0]["loss_first"]), float(t[0]["loss_last"])))
    notes.append("%s: PyTorch medians by threads: %s tok/s; jgrad step %.1f ms, PyTorch %.1f ms; %d jgrad run(s)" % (
        c, others, med(j, "step_ms"), med(t, "step_ms"), len(j)))
    if "alloc_mb_per_step" in j[0]:
        notes.append("%s: jgrad allocates %.0f MB and spends %.1f ms in GC per step" % (
            c, med(j, "alloc_mb_per_step"), med(j, "gc_ms_per_step")))
    verdict = "met" if ratio >= targets[c] else "MISSED"
    notes.append("%s: target speedup >= %.1f: %s" % (c, targets[c], verdict))
    if c == "L":
        notes.append("L: target MFU >= 45%% (~180 GFLOP/s): %s (%.1f%%)" % (
            "met" if jg >= 0.45 * peak else "MISSED", 100 * jg / peak))
        notes.append("L: target RSS <= 1.5x PyTorch's: %s (%.2fx)" % ("met" if jr <= 1.5 * tr else "MISSED", jr / tr))
print()
for n in notes:
    print("# " + n)
if not speedups:
    sys.exit("compare.sh: no results")
print("min speedup over PyTorch: %.2f" % min(speedups))
EOF
