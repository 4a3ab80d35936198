"""Settings of signing in and of the connection: cookies, HTTPS, sign-in limits and the second
factor. Star-imported by ``config.settings``."""

from csp.constants import NONE, SELF

from config.env import env_bool, env_int, env_str

DEBUG = env_bool("DJANGO_DEBUG", False)

SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Where cookies are only sent over HTTPS, plain HTTP is redirected and browsers are told to
# use HTTPS for a year (HSTS), for this host and the hosts under it.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
# Behind a proxy that ends TLS, the proxy's X-Forwarded-Proto says whether the request was HTTPS.
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

X_FRAME_OPTIONS = "DENY"
# Only Triangel's own files: no inline script or style, no plug-ins, never inside a frame.
# The pages need nothing else (htmx is a file of ours and runs without inline styles; the API
# documentation loads its script from a URL of its own).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Sign-in limits and the second factor -------------------------------------------------
# Counted in the "limits" cache (see CACHES and people.limits), shared by every process.
SIGN_IN_WINDOW_MINUTES = env_int("SIGN_IN_WINDOW_MINUTES", 15)
SIGN_IN_ACCOUNT_FAILURES = env_int("SIGN_IN_ACCOUNT_FAILURES", 10)
SIGN_IN_ADDRESS_FAILURES = env_int("SIGN_IN_ADDRESS_FAILURES", 50)
# Requests per client address and window, by sign-in page (the README states them).
SIGN_IN_PAGE_LIMITS = {
    "login": env_int("SIGN_IN_LIMIT_PHONE", 20),
    "login_code": env_int("SIGN_IN_LIMIT_CODE", 30),
    "login_email": env_int("SIGN_IN_LIMIT_EMAIL", 10),
    "login_link": env_int("SIGN_IN_LIMIT_LINK", 30),
    "login_password": env_int("SIGN_IN_LIMIT_PASSWORD", 30),
    "api_token": env_int("SIGN_IN_LIMIT_API_TOKEN", 30),
    # Going to an identity provider and coming back are two requests of one sign-in.
    "login_oidc": env_int("SIGN_IN_LIMIT_OIDC", 60),
}
# Reverse proxies of our own in front of Triangel: the client's address is the entry that
# many places from the right of X-Forwarded-For. 0 trusts no header (people.limits).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "limits"
RATELIMIT_IP_META_KEY = "people.limits.client_address"
RATELIMIT_FAIL_OPEN = False
# Staff and admins show a time-based code (TOTP) after their password; its issuer name is
# what authenticator apps show beside the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Triangel")
OTP_RECOVERY_CODES = 10
# django-otp's own throttling lives in each device row and refuses even the right code for a
# while after a wrong one; the limits above already count failures per account and address.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# --- API tokens ------------------------------------------------------------------------------
# How long a token from /api/auth/token/ works: a working day for staff, who see other people's
# information; a month for a service user's app on their own phone.
API_TOKEN_HOURS_STAFF = env_int("API_TOKEN_HOURS_STAFF", 10, minimum=1)
API_TOKEN_DAYS_SERVICE_USER = env_int("API_TOKEN_DAYS_SERVICE_USER", 30, minimum=1)
# A member of staff's web session ends after this many minutes without a request (web.middleware).
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30, minimum=1)
