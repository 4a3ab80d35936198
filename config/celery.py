import logging
import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_prerun

from config import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("triangel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A task's log lines carry the id of the request that queued it.
before_task_publish.connect(request_id.task_publish_add_id, weak=False)
task_prerun.connect(request_id.task_prerun_set_id, weak=False)


@setup_logging.connect(weak=False)
def _django_logging(loglevel: int | str | None = None, **_kwargs: object) -> None:
    """The worker and beat log through Django's LOGGING handlers (LOG_FORMAT=json too, with the
    request id), not in Celery's own format; the level is the one given on Celery's command line
    (``--loglevel``), as when Celery set up logging itself."""
    if loglevel:
        logging.getLogger().setLevel(loglevel)
        logging.getLogger("celery").setLevel(loglevel)
