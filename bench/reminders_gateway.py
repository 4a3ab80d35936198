"""The local SMS gateway of tests/reminders/gateway.py, run as a benchmark process.

Same protocol, log and /stats, with TCP_NODELAY on the answering socket. Without it every
answer stalls about 40 ms: the handler writes the status line and headers, then the body in
a second small write, which Nagle's algorithm holds back until the client acknowledges the
first, and the client delays that acknowledgement. The gateway sets this itself in current
checkouts; setting it here keeps figures comparable when benchmarking older code.

    .venv/bin/python bench/reminders_gateway.py --port 8025 --log sms.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reminders import gateway  # noqa: E402

gateway._Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    sys.exit(gateway.main())
