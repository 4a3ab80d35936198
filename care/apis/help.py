"""API endpoints for this part of the co-production triangle."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
