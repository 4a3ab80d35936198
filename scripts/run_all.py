"""Start Triangel for a local run: the web server (and the background workers, when the
project has them), print where to go and who to sign in as, and stop everything on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}
    env.setdefault("SMS_BACKEND", "file")
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    processes = [
        subprocess.Popen([PYTHON, "manage.py", "runserver", "--noreload", f"{host}:{port}"], cwd=ROOT, env=env),
        # Threads, not processes: sending is network-bound, and one process keeps memory small.
        subprocess.Popen(
            [*celery, "worker", "--pool", "threads", "--concurrency", "4", "--loglevel", "WARNING"], cwd=ROOT, env=env
        ),
        subprocess.Popen([*celery, "beat", "--loglevel", "WARNING"], cwd=ROOT, env=env),
    ]
    time.sleep(1.5)
    sms_where = "var/sms.jsonl (one JSON line per SMS)" if env["SMS_BACKEND"] == "file" else env["SMS_BACKEND"]
    mail_where = f"SMTP at {env['EMAIL_HOST']}" if env.get("EMAIL_HOST") else "files in var/mail/"
    broker = f"Redis at {env['REDIS_URL']}" if env.get("REDIS_URL") else "files in var/broker/ (or set REDIS_URL)"
    print(
        f"""
Triangel is running at http://{host}:{port}/
  API docs:  http://{host}:{port}/api/docs/
  Admin:     http://{host}:{port}/admin/   (sign in as coordinator)
  Health:    http://{host}:{port}/health/
  SMS:       {sms_where}
  E-mail:    {mail_where}
  Broker:    {broker}

Demo logins (password for all: triangel-demo):
  service users:   user1 user2 user3 (follow-up by worker1), user4 user5 (worker2)
  social workers:  worker1 worker2
  peer:            peer1
  coordinator:     coordinator

Press Ctrl-C to stop.
""",
        flush=True,
    )

    def stop(*_args: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
