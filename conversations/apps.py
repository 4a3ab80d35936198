from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from audit import records
        from conversations.records import RECORD

        records.register(RECORD)
