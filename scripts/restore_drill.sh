#!/usr/bin/env bash
# Restore drill: prove that a backup can be restored and works, as docs/operations.md tells
# an operator to do it. CI runs it after the tests (.ci/run).
#
#   1. a fresh database, migrated, with the demo data and a few booked meetings (so the
#      outbox, the history and the access log hold rows);
#   2. pg_dump -Fc, the custom format the backups in docs/operations.md use;
#   3. pg_restore into another fresh database;
#   4. checks on the restored one: every table's row count equals the source's, the same
#      constraints, triggers and indexes, no migration missing (migrate --check), the
#      deployment check with production settings, a query through Django, and the
#      append-only trigger of the access log still refusing an UPDATE;
#   5. both databases and the dump removed, whatever happened.
#
# PostgreSQL on 127.0.0.1:5432 as user postgres (trust), or PGHOST/PGPORT/PGUSER.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${DRILL_PYTHON:-.venv/bin/python}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
SOURCE="triangel_drill_source_$$"
RESTORED="triangel_drill_restored_$$"
WORK="$(mktemp -d)"
DUMP="$WORK/triangel.dump"

cleanup() {
  dropdb --if-exists "$SOURCE" 2>/dev/null || true
  dropdb --if-exists "$RESTORED" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

url() { echo "postgres://$PGUSER@$PGHOST:$PGPORT/$1"; }
# Django against one database, with a local-run environment (no secrets needed, no Redis).
django() {
  local db="$1"; shift
  env -u REDIS_URL -u CELERY_BROKER_URL -u CACHE_REDIS_URL DJANGO_DEBUG=1 DATABASE_URL="$(url "$db")" \
    TRIANGEL_VAR_DIR="$WORK/var" CELERY_TASK_ALWAYS_EAGER=1 REMINDERS_DISPATCH_ON_COMMIT=0 "$PYTHON" manage.py "$@"
}
# Every table's exact row count, then the constraints, triggers and indexes, one per line.
inventory() {
  psql -X -q -At -d "$1" -v ON_ERROR_STOP=1 <<'SQL'
SELECT format('rows %s %s', c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1;
SELECT format('constraint %s %s %s', conrelid::regclass, conname, contype)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1;
SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1;
SELECT format('index %s', indexname) FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1;
SQL
}

echo "Restore drill: source $SOURCE, restored $RESTORED (PostgreSQL at $PGHOST:$PGPORT)"
createdb "$SOURCE"
django "$SOURCE" migrate --noinput >/dev/null
django "$SOURCE" seed_demo >/dev/null
django "$SOURCE" shell --no-imports -c "
from datetime import timedelta
from django.utils import timezone
from audit.models import AccessEntry
from booking import slots
from booking.models import MeetingType
from booking.services import appointment_book
from people.models import User

worker = User.objects.get(username='worker1')
meeting_type = MeetingType.objects.filter(calendar__owner=worker, is_active=True).order_by('pk').first()
today = timezone.localdate()
for username in ('user1', 'user2', 'user3'):
    person = User.objects.get(username=username)
    free = slots.slots_for(meeting_type=meeting_type, actor=person, first_day=today, last_day=today + timedelta(days=21))
    appointment_book(actor=person, worker_id=worker.pk, meeting_type_id=meeting_type.pk, start=free[-1].start)
    # The worker looked at the person's meetings: a row for the append-only check below.
    AccessEntry.objects.create(
        subject=person, actor=worker, actor_role=worker.role, action='read', what='appointments', via='web',
        path='/calendar/', at=timezone.now(),
    )
"

pg_dump -Fc --no-owner -f "$DUMP" "$SOURCE"
echo "Dumped: $(du -h "$DUMP" | cut -f1)"
createdb "$RESTORED"
pg_restore --no-owner --exit-on-error -d "$RESTORED" "$DUMP"

inventory "$SOURCE" >"$WORK/source.txt"
inventory "$RESTORED" >"$WORK/restored.txt"
if ! diff -u "$WORK/source.txt" "$WORK/restored.txt"; then
  echo "Restore drill FAILED: the restored database differs from the source (above)." >&2
  exit 1
fi
tables=$(grep -c '^rows ' "$WORK/restored.txt")
rows=$(awk '/^rows /{n += $3} END {print n}' "$WORK/restored.txt")
appointments=$(awk '$1 == "rows" && $2 == "booking_appointment" {print $3}' "$WORK/restored.txt")
if [ "${appointments:-0}" -lt 1 ]; then
  echo "Restore drill FAILED: no appointments were booked in the source, so the drill proves too little." >&2
  exit 1
fi
echo "Same rows in $tables tables ($rows rows, $appointments appointments), same constraints, triggers and indexes."

django "$RESTORED" migrate --check --noinput >/dev/null
echo "No migration missing."
env -u REDIS_URL DJANGO_DEBUG=0 DJANGO_SECRET_KEY="restore-drill-$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" \
  DJANGO_ALLOWED_HOSTS=triangel.example.no DATABASE_URL="$(url "$RESTORED")" TRIANGEL_VAR_DIR="$WORK/var" \
  "$PYTHON" manage.py check --deploy --fail-level WARNING --database default
django "$RESTORED" shell --no-imports -c "
from booking.models import Appointment
from people.models import User
worker = User.objects.get(username='worker1')
assert worker.check_password('triangel-demo'), 'a demo password does not work after the restore'
booked = Appointment.objects.filter(calendar__owner=worker).count()
assert booked >= 1, 'the booked meetings are missing'
print(f'Through Django: worker1 signs in with the demo password and has {booked} meetings.')
"
refused=$(psql -X -q -d "$RESTORED" -c "UPDATE audit_accessentry SET path = path" 2>&1 || true)
if ! grep -q "append-only" <<<"$refused"; then
  echo "Restore drill FAILED: the access log did not refuse an UPDATE after the restore: $refused" >&2
  exit 1
fi
echo "The access log still refuses UPDATE."
echo "Restore drill passed."
