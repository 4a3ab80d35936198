#!/usr/bin/env bash
# The whole set of booking figures in one go, on this checkout:
#
#   bench/run_all.sh            (or: make bench)
#
# Generates the 500k data set in triangel_bench when it is missing, then runs, one after
# the other: slots (in-process and over HTTP, cache on), slots with the cache off, booking
# throughput, contention and the in-process hot paths of the CI guard (on PostgreSQL).
# Every HTTP figure is the median of three measured runs. Each step prints and records the
# commit, CPU model, cores, load before and its own calibration. The steps' JSON files are
# gathered into bench/results/<commit>-<UTC time>.json and a markdown table is printed.
#
# Environment: BENCH_QUIET_MAX_WAIT (seconds a step waits for idle cores before each
# measured window; default 20 here, the load is recorded either way), PYTHON.
set -uo pipefail
cd "$(dirname "$0")/.."

py=${PYTHON:-.venv/bin/python}
export BENCH_QUIET_MAX_WAIT=${BENCH_QUIET_MAX_WAIT:-20}
commit=$(git rev-parse --short HEAD)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
run_dir=bench/results/run-$commit-$stamp
mkdir -p "$run_dir"
failed=0

step() {  # step NAME COMMAND...: run, log to the run's folder, note a failure and go on
    local name=$1
    shift
    echo "== $name: $*"
    if ! "$@" 2>&1 | tee "$run_dir/$name.log"; then
        echo "== $name FAILED (see $run_dir/$name.log)"
        failed=1
    fi
}

pg="postgres://postgres@127.0.0.1:5432"
if ! psql -h 127.0.0.1 -U postgres -d triangel_bench -Atqc "SELECT 1 FROM booking_appointment LIMIT 1" 2>/dev/null | grep -q 1; then
    step generate env DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench" \
        "$py" bench/generate_data.py --reset
fi
# The data set's schema follows the code (a new migration since it was generated).
step migrate env DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench" \
    "$py" manage.py migrate --noinput

step slots "$py" bench/bench_slots.py --configs sync:4 --duration 15 --runs 3 --single-duration 5 \
    --json "$run_dir/slots.json"
step slots_computed "$py" bench/bench_slots.py --configs sync:4 --no-cache --duration 10 --runs 3 \
    --single-duration 5 --json "$run_dir/slots_computed.json"
step throughput "$py" bench/bench_throughput.py --duration 20 --runs 3 --json "$run_dir/throughput.json"
step contention "$py" bench/bench_contention.py --attempts 10000 --json "$run_dir/contention.json"
step guard env DATABASE_URL="$pg/triangel_guard" "$py" bench/guard.py --report --json "$run_dir/guard.json"

echo
"$py" bench/summarize.py "$run_dir" "bench/results/$commit-$stamp.json"
exit $failed
