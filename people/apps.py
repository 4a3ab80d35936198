from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People and units"

    def ready(self) -> None:
        from audit import records
        from messaging import kinds
        from people.records import RECORD
        from people.sending import SignInMessages
        from people.services import SIGN_IN_CODE, SIGN_IN_LINK

        kinds.register(SignInMessages(), SIGN_IN_CODE, SIGN_IN_LINK)
        records.register(RECORD)
