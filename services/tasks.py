from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from services.models import InfoRequest


@shared_task
def purge_info_requests() -> int:
    """Forget INFO questions (the number that asked) a day after: their answers are sent or expired."""
    deleted, _ = InfoRequest.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
    return deleted
