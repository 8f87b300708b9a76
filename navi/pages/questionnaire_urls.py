from django.urls import path

from . import questionnaire

app_name = "questionnaire"

urlpatterns = [
    path("", questionnaire.start, name="start"),
    path("household/", questionnaire.household, name="household"),
    path("questions/<slug:key>/", questionnaire.question, name="question"),
    path("questions/<slug:key>/<slug:member>/", questionnaire.question, name="member_question"),
    path("check/", questionnaire.check, name="check"),
]
