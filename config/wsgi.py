import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Layers in front of Django, named in settings (as middleware is) so this module imports no
# app: the open conversation's "anything new?" answered from the live cache (web.live_poll).
for _path in reversed(settings.WSGI_LAYERS):
    application = import_string(_path)(application)
