from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from messaging.apis import health
from ops.views import metrics

urlpatterns = [
    # The admin signs in through Triangel's own page: the same limits and second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="web:login_password", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script from a URL of its own, and the template takes its style
    # from a file: nothing inline for the Content-Security-Policy to refuse.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="web/api_docs.html"),
        name="api-docs",
    ),
    path("api/", include("people.urls")),
    path("api/", include("booking.urls")),
    path("api/", include("reminders.urls")),
    path("api/", include("messaging.urls")),
    path("api/", include("audit.urls")),
    path("api/", include("care.urls")),
    path("api/", include("conversations.apis")),
    path("api/", include("insight.apis")),
    path("api/", include("services.apis")),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("", include("web.urls")),
]

# Unknown API paths and unhandled errors answer with the API's one error shape; a missing
# web page answers with the web's own 404 page.
handler404 = "config.errors.not_found_404"
handler500 = "config.errors.server_error_500"
