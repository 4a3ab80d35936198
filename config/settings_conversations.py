"""Settings of conversations (``conversations``). Star-imported by ``config.settings``."""

from config.env import env_int

# Conversations (conversations): messages are kept this long after they were written, then
# purged, like reminders' sent messages; a person's whole history goes when they are erased.
CONVERSATIONS_KEEP_DAYS = env_int("CONVERSATIONS_KEEP_DAYS", 730)
# Words that suggest someone may be in danger, in both languages, matched as whole words or word
# starts (lower case). A match shows the writer the crisis numbers at once and marks the message
# for the worker; it never sends anything anywhere by itself. Kept short: a long list cries wolf.
CONVERSATION_DANGER_WORDS = [
    # Bokmål
    "selvmord",
    "ta livet",
    "drepe meg",
    "skade meg",
    "kutte meg",
    "overdose",
    "orker ikke mer",
    "vil ikke leve",
    "vil dø",
    "livsfare",
    # English
    "suicide",
    "kill myself",
    "end my life",
    "hurt myself",
    "overdose",
    "want to die",
    "self-harm",
]

CONVERSATIONS_PURGE_BEAT = {"task": "conversations.tasks.purge_old_messages", "schedule": 24 * 3600.0}
