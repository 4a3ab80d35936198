# Celery's autodiscovery imports ``care.tasks``; every part's tasks register from here.
from care.tasks import continuity, feedback, groups, help, peers, waiting  # noqa: F401
