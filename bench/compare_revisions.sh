#!/usr/bin/env bash
# Run the booking and reminders benchmarks for two checkouts of Triangel in one sitting, the
# older first: the data set is generated with it, and the newer one then migrates the same
# databases (so a schema change between them is part of what is compared, as in production).
#
#   bench/compare_revisions.sh OLD_CHECKOUT NEW_CHECKOUT [OUT_DIR]
#
# Both checkouts run with this checkout's virtualenv (PYTHON to choose another). Each
# script prints its own environment (cores, versions, revision, how busy the machine was);
# their output goes to OUT_DIR (default /tmp/triangel-compare-<time>), one log per step.
set -euo pipefail

old=$(realpath "$1")
new=$(realpath "$2")
out=${3:-/tmp/triangel-compare-$(date +%Y%m%d-%H%M%S)}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
pg="postgres://postgres@127.0.0.1:5432"
mkdir -p "$out"
echo "comparing $old ($(git -C "$old" rev-parse --short HEAD)) with $new ($(git -C "$new" rev-parse --short HEAD)); logs in $out"

# A fresh start: the data set is made by the older checkout.
dropdb --if-exists -h 127.0.0.1 -U postgres triangel_bench
dropdb --if-exists -h 127.0.0.1 -U postgres triangel_bench_reminders
(cd "$old" && DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench" \
    "$py" bench/generate_data.py --seed 42) >"$out/data.log" 2>&1

for side in old new; do
    dir=${!side}
    if [ "$side" = new ]; then
        (cd "$dir" && DJANGO_DEBUG=1 DATABASE_URL="$pg/triangel_bench" "$py" manage.py migrate --noinput) \
            >"$out/new-migrate.log" 2>&1
    fi
    echo "$side: slots"
    (cd "$dir" && "$py" bench/bench_slots.py --configs sync:4 --json "$out/$side-slots.json") >"$out/$side-slots.log" 2>&1
    echo "$side: contention"
    (cd "$dir" && "$py" bench/bench_contention.py --json "$out/$side-contention.json") >"$out/$side-contention.log" 2>&1
    echo "$side: throughput"
    (cd "$dir" && "$py" bench/bench_throughput.py --json "$out/$side-throughput.json") >"$out/$side-throughput.log" 2>&1
    echo "$side: reminder dispatch"
    (cd "$dir" && "$py" bench/reminders_dispatch.py --scenarios throughput,burst) >"$out/$side-reminders.log" 2>&1
done
echo "done: $out"
