"""Celery tasks for this part of the co-production triangle."""
