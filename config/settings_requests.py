"""The middleware every request goes through, and the short chain of API calls signed with a token."""

MIDDLEWARE = [
    # Every log line of a request carries its id; its rate and latency go to /metrics. Both
    # come before the branch below, so token calls have them too.
    "config.request_id.RequestIdMiddleware",
    "config.metrics.RequestMetricsMiddleware",
    # API calls signed with a token go on through TOKEN_API_MIDDLEWARE instead of the rest.
    "config.middleware.TokenApiBranch",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files served by the app itself: no build chain, no separate file server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every answer of the app (not the static files above) may carry personal data: no cache.
    "config.middleware.NeverCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions exist only after a second factor (web.sign_in).
    "web.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication, messages and htmx: signs staff out of the web when idle.
    "web.middleware.StaffIdleMiddleware",
    "web.middleware.PersonalSettingsMiddleware",
    # Too many sign-in attempts: a 429 page with the time to wait (people.limits).
    "web.middleware.SignInLimitsMiddleware",
    # Writes, as the request ends, who looked at which person's information (audit.log).
    "audit.middleware.AccessLogMiddleware",
]
# What an API call signed with a token goes through (config.middleware.TokenApiBranch): no
# session, messages, CSRF, htmx or page language; the same security headers and access log.
TOKEN_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ApiHeadersMiddleware",
    "config.middleware.AcceptLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "audit.middleware.AccessLogMiddleware",
]
