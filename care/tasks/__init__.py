# Celery's autodiscovery imports ``care.tasks``; every part's tasks register from here.
from care.tasks import help, waiting  # noqa: F401
