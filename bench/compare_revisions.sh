#!/usr/bin/env bash
# Run the booking and reminders benchmarks for two checkouts of Triangel in one sitting.
#
#   bench/compare_revisions.sh OLD_CHECKOUT NEW_CHECKOUT [OUT_DIR] [ROUNDS]
#
# The data set is generated once, with the older checkout; a copy of it is migrated by the
# newer one, so a schema change between them is part of what is compared, as in production.
# The scripts work only on a database named triangel_bench, so the two copies
# (triangel_bench_old, triangel_bench_new) take that name in turn. Then OLD and NEW take turns, ROUNDS times (default
# 2): slots, contention, booking throughput and reminder dispatch each, so a neighbour's load
# or a warming cache does not favour one side. The reminders database is made afresh before
# each reminder run (each checkout migrates it its own way).
#
# Both checkouts run with this checkout's virtualenv (PYTHON to choose another). Each script
# prints its own environment (cores, versions, revision, how busy the machine was); their
# output goes to OUT_DIR (default /tmp/triangel-compare-<time>), one log per step, and
# calibration.log holds bench/common.py's calibration before each turn.
set -euo pipefail

old=$(realpath "$1")
new=$(realpath "$2")
out=${3:-/tmp/triangel-compare-$(date +%Y%m%d-%H%M%S)}
rounds=${4:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
pg="postgres://postgres@127.0.0.1:5432"
psql_=(psql -h 127.0.0.1 -U postgres -q)
rename() {  # rename database $1 to $2, closing what is still connected to it
    "${psql_[@]}" -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$1' AND pid <> pg_backend_pid()" >/dev/null
    "${psql_[@]}" -d postgres -c "ALTER DATABASE $1 RENAME TO $2"
}
mkdir -p "$out"
echo "comparing $old ($(git -C "$old" rev-parse --short HEAD)) with $new ($(git -C "$new" rev-parse --short HEAD)); logs in $out"

for db in triangel_bench triangel_bench_old triangel_bench_new triangel_bench_reminders; do
    dropdb --if-exists -h 127.0.0.1 -U postgres "$db" 2>/dev/null
done
(cd "$old" && DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench" \
    "$py" bench/generate_data.py --seed 42) >"$out/data.log" 2>&1
"${psql_[@]}" -d postgres -c "CREATE DATABASE triangel_bench_new TEMPLATE triangel_bench"
rename triangel_bench triangel_bench_old
(cd "$new" && DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench_new" "$py" manage.py migrate --noinput) \
    >"$out/new-migrate.log" 2>&1
for db in triangel_bench_old triangel_bench_new; do
    "${psql_[@]}" -d "$db" -c "VACUUM ANALYZE"
done

for round in $(seq 1 "$rounds"); do
    for side in old new; do
        dir=${!side}
        log="$out/$side-$round"
        echo "round $round, $side"
        # The same fixed Python work timed before each side's turn, with this checkout's code
        # (an older checkout may not have it): how fast the machine was at that moment.
        echo "round $round, $side: $("$py" -c "import sys; sys.path.insert(0, '$here/bench'); import common; print(f'{common.calibration_ms():.1f} ms')")" >>"$out/calibration.log"
        rename "triangel_bench_$side" triangel_bench
        (cd "$dir" && "$py" bench/bench_slots.py --configs sync:4) >"$log-slots.log" 2>&1 || true
        (cd "$dir" && "$py" bench/bench_contention.py) >"$log-contention.log" 2>&1 || true
        (cd "$dir" && "$py" bench/bench_throughput.py) >"$log-throughput.log" 2>&1 || true
        rename triangel_bench "triangel_bench_$side"
        dropdb --if-exists -h 127.0.0.1 -U postgres triangel_bench_reminders
        (cd "$dir" && "$py" bench/reminders_dispatch.py --scenarios throughput,burst) >"$log-reminders.log" 2>&1 || true
    done
done
echo "done: $out"
