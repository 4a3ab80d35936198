"""Start Triangel for a local run: the web server (and the background workers, when the
project has them), print where to go and who to sign in as, and stop everything on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from check_port import port_problem

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def follow_sms(path: Path, stop: threading.Event) -> None:
    """Print each SMS the file backend writes, so sign-in codes show up in this terminal."""
    position = path.stat().st_size if path.exists() else 0
    while not stop.wait(0.5):
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            handle.seek(position)
            for line in handle:
                try:
                    sms = json.loads(line)
                except ValueError:
                    continue
                print(f"  SMS to {sms.get('to')}: {sms.get('text')}", flush=True)
            position = handle.tell()


def local_env(environ: dict[str, str], host: str, port: str) -> dict[str, str]:
    """The environment of a local run: development mode, SMS to a file, and links handed out
    (calendar feeds, e-mails) pointing at the port this run listens on."""
    env = {**environ, "DJANGO_DEBUG": environ.get("DJANGO_DEBUG", "1")}
    env.setdefault("SMS_BACKEND", "file")
    # A server listening on every address is reached at the loopback address from this machine.
    reachable = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host  # noqa: S104
    env.setdefault("TRIANGEL_SITE_URL", f"http://{reachable}:{port}")
    return env


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    # `make run` checked before migrating; checked again here for a direct start (and a port
    # taken meanwhile), before any process starts.
    problem = port_problem(host, port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    env = local_env(dict(os.environ), host, port)
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    commands = {
        "web server": [PYTHON, "manage.py", "runserver", "--noreload", f"{host}:{port}"],
        # Threads, not processes: sending is network-bound, and one process keeps memory small.
        "worker": [*celery, "worker", "--pool", "threads", "--concurrency", "4", "--loglevel", "WARNING"],
        "beat": [*celery, "beat", "--loglevel", "WARNING"],
    }
    processes = {name: subprocess.Popen(command, cwd=ROOT, env=env) for name, command in commands.items()}
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

Sign in as a service user with their phone number: the SMS code is printed below.
Or use user name and password (the same for all demo logins: triangel-demo):
  service users:   user1 … user5, phones 40000201 … 40000205 (user1–3 follow-up by worker1, user4–5 by worker2;
                   user2 shares with peer1 and has a responsibility group)
  social workers:  worker1 worker2
  peer:            peer1
  coordinator:     coordinator (help requests, duty rota, groups, handover, feedback; also the admin)
Staff (workers, peer, coordinator) then give a code from an authenticator app: add an account
with the key TRIANGELDEMOTOTPTRIANGELDEMOTOTP (time-based, 6 digits, 30 s) to any such app.

Press Ctrl-C to stop.
""",
        flush=True,
    )

    stopping = threading.Event()
    if env["SMS_BACKEND"] == "file":
        sms_file = Path(env.get("SMS_FILE_PATH", ROOT / "var" / "sms.jsonl"))
        threading.Thread(target=follow_sms, args=(sms_file, stopping), daemon=True).start()

    def stop(*_args: object) -> None:
        stopping.set()
        for process in processes.values():
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping.is_set() and processes["web server"].poll() is None:
            # As a service manager would: the worker or beat is started again if it exits (for
            # example when the broker restarts); reminders wait safely in the database meanwhile.
            for name in ("worker", "beat"):
                if processes[name].poll() is not None and not stopping.is_set():
                    code = processes[name].returncode
                    print(f"The {name} stopped (exit code {code}); starting it again.", flush=True)
                    processes[name] = subprocess.Popen(commands[name], cwd=ROOT, env=env)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
