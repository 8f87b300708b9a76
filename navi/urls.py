from django.urls import path

from . import api

app_name = "navi_api"

urlpatterns = [
    path("life-events/", api.LifeEventListApi.as_view(), name="life-events"),
    path("questions/", api.QuestionListApi.as_view(), name="questions"),
    path("procedures/", api.ProcedureListApi.as_view(), name="procedures"),
    path("procedures/<str:code>/", api.ProcedureDetailApi.as_view(), name="procedure"),
    path("checklists/", api.ChecklistCreateApi.as_view(), name="checklists"),
    path("checklists/<str:token>/", api.ChecklistDetailApi.as_view(), name="checklist"),
    path("checklists/<str:token>/items/<str:key>/", api.ChecklistItemApi.as_view(), name="checklist-item"),
]
