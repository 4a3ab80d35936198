from django.urls import path

from web import views, views_feedback, views_waiting

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_phone, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/email/", views.login_email, name="login_email"),
    path("login/link/<str:token>/", views.login_link, name="login_link"),
    path("login/password/", views.PasswordLoginView.as_view(), name="login_password"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.set_language, name="set_language"),
    # Service users
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/tick/", views.tick, name="tick"),
    path("book/", views.book_choose_type, name="book"),
    path("book/<int:type_id>/", views.book_times, name="book_times"),
    path("book/<int:type_id>/confirm/", views.book_confirm, name="book_confirm"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:appointment_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:appointment_id>/booked/", views.meeting_booked, name="meeting_booked"),
    path("meetings/<int:appointment_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:appointment_id>/move/", views.meeting_move, name="meeting_move"),
    path("meetings/<int:appointment_id>/peer/", views.meeting_peer, name="meeting_peer"),
    path("meetings/<int:appointment_id>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("reminders/", views.reminders_page, name="reminders"),
    path("reminders/new/<str:kind>/", views.reminder_edit, name="reminder_new"),
    path("reminders/<int:plan_id>/", views.reminder_edit, name="reminder_edit"),
    path("reminders/<int:plan_id>/delete/", views.reminder_delete, name="reminder_delete"),
    path("details/", views.details, name="details"),
    path("details/phone/", views.details_phone, name="details_phone"),
    path("details/calendar-link/", views.feed_rotate, name="feed_rotate"),
    # Social workers and peers
    path("today/", views.today, name="today"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("calendar/", views.calendar_week, name="calendar"),
    path("calendar/hours/", views.working_hours, name="working_hours"),
    path("calendar/time-off/", views.time_off, name="time_off"),
    path("calendar/time-off/<int:item_id>/delete/", views.time_off_delete, name="time_off_delete"),
    path("calendar/types/", views.meeting_types, name="meeting_types"),
    path("calendar/types/<int:type_id>/", views.meeting_types, name="meeting_type_edit"),
    path("calendar/book/", views.book_for_user, name="book_for_user"),
    path("appointments/<int:appointment_id>/<str:outcome>/", views.appointment_close, name="appointment_close"),
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/<int:user_id>/phone/", views.caseload_phone, name="caseload_phone"),
    # waiting
    path("waiting/", views_waiting.waiting, name="waiting"),
    path("waiting/join/<int:type_id>/", views_waiting.waiting_join, name="waiting_join"),
    path("waiting/<int:entry_id>/leave/", views_waiting.waiting_leave, name="waiting_leave"),
    path(
        "waiting/offers/<int:offer_id>/<str:answer>/",
        views_waiting.waiting_offer_answer,
        name="waiting_offer_answer",
    ),
    # feedback
    path("meetings/<int:appointment_id>/feedback/", views_feedback.meeting_feedback, name="meeting_feedback"),
    path("ideas/", views_feedback.ideas, name="ideas"),
    path("ideas/<int:idea_id>/respond/", views_feedback.idea_respond, name="idea_respond"),
    path("feedback/", views_feedback.feedback_received, name="feedback_received"),
    path("feedback/summary/", views_feedback.feedback_summary, name="feedback_summary"),
]
