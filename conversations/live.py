"""What lets an open conversation page ask "anything new?" every second without the database.

Each thread's newest message id is kept in the shared cache (``CACHES["live"]``: Redis, or
nothing at all). The page's question carries a ticket signed for its thread (``ticket``).
With a valid ticket and a kept newest id no greater than the one the page already has, the
answer is "nothing new" straight away (``web.live_poll``, a layer in front of Django): no
request object, session, user or query. Everything else — no ticket, an old one, a thread the cache does not
know, something new — goes the whole way (``selectors.thread_newest``, with its permission
check), which also puts the thread's newest id into the cache.

So the cache can only make an answer quicker, never lose a message:

* a post keeps its id before its transaction commits, and the kept id only grows
  (``remember`` is a compare-and-set in Redis), so the cache is never behind a committed
  message; being ahead only sends the pages the whole way until the commit;
* ids are taken in commit order within a thread (``services.message_post`` locks the thread
  first), so "nothing newer than 41" cannot hide a 40 committed later;
* a kept id lives ``KEEP_SECONDS``, then the whole way asks the database again: a post whose
  cache write failed delays its message by at most that;
* without Redis nothing is kept, and every question goes the whole way.

A ticket tells its holder no more than whether one thread has a message newer than an id,
for ``TICKET_SECONDS``; it is handed out only with the thread's page, to someone allowed to
read it. After that the whole way answers, with a new ticket.
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from redis.exceptions import RedisError

from conversations import selectors
from people.models import User

logger = logging.getLogger(__name__)

TICKET_SECONDS = 30 * 60
KEEP_SECONDS = 5 * 60
_SALT = "conversations.live"
# Sets KEYS[1] to ARGV[1] only if that is greater than what it holds; refreshes its lifetime.
_KEEP_GREATER = """
local held = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > held then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
else
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
end
"""


def _key(thread_id: int) -> str:
    # The database's name too: two installations (or a benchmark's databases) sharing one
    # Redis must not read each other's ids, which could hide a message.
    return f"thread-newest:{settings.DATABASES['default']['NAME']}:{thread_id}"


def _redis() -> tuple[object, object] | None:
    """The live cache and its Redis client, or None when the cache is not Redis."""
    cache = caches["live"]
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return cache, client


def remember(thread_id: int, newest_id: int) -> None:
    """Keep ``newest_id`` as the thread's newest message id, unless a greater one is kept."""
    found = _redis()
    if found is None:
        return
    cache, client = found
    key = cache.make_and_validate_key(_key(thread_id))
    try:
        client.get_client(key, write=True).eval(_KEEP_GREATER, 1, key, int(newest_id), KEEP_SECONDS)
    except RedisError as exc:
        # A cache that cannot be written is one that does not answer: the whole way does.
        logger.warning("live cache write failed: %s", type(exc).__name__)


def newest(thread_id: int) -> int | None:
    """The thread's newest message id as kept, or None when none is (or Redis is away)."""
    value = caches["live"].get(_key(thread_id))
    return value if isinstance(value, int) else None


def newest_for(user: User, thread_id: int) -> int | None:
    """The newest message id in ``user``'s thread (``selectors.thread_newest``, with its
    permission check; None when it is not theirs), kept for the next asks of every page."""
    found = selectors.thread_newest(user, thread_id)
    if found is not None:
        remember(thread_id, found)
    return found


def ticket(thread_id: int) -> str:
    """A ticket for asking about ``thread_id`` without the database, valid ``TICKET_SECONDS``."""
    return signing.TimestampSigner(salt=_SALT).sign(str(thread_id))


def ticket_is_for(value: str, thread_id: int) -> bool:
    """Whether ``value`` is a ticket for ``thread_id`` that has not run out."""
    try:
        return signing.TimestampSigner(salt=_SALT).unsign(value, max_age=TICKET_SECONDS) == str(thread_id)
    except signing.BadSignature:
        return False
