from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from web.middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="web.staff_idle")
