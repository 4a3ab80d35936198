"""One JSON object per log line (``LOG_FORMAT=json``), for a log collector to index.

Only what the code logged goes out: the time, level, logger, message, the request id and, for an
error, the traceback. The code never logs personal data (the house rule), and nothing here adds
any: no request body, headers, user or client address.
"""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", "exc_info"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
