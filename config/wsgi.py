import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# After Django is set up: an open conversation's "anything new?" is answered in front of it
# when the live cache can (web.live_poll).
from web.live_poll import LivePollApp  # noqa: E402

application = LivePollApp(application)
