from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from audit import records
        from conversations.records import RECORD
        from conversations.sms import KIND, ConversationNotices
        from conversations.sms_inbound import free_text
        from messaging import kinds
        from reminders.inbound import free_text_handler_register

        records.register(RECORD)
        # After reminders' own registration (INSTALLED_APPS order): the notice is checked
        # against the thread when it is due, then sent as reminders sends every notice.
        kinds.register(ConversationNotices(), KIND)
        free_text_handler_register(free_text)
