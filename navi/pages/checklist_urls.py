from django.urls import path

from . import checklist, language, takeaway

app_name = "checklist_pages"

urlpatterns = [
    path("c/deleted/", checklist.deleted, name="deleted"),
    path("c/<str:token>/", checklist.detail, name="detail"),
    path("c/<str:token>/items/<str:key>/", checklist.item_done, name="item_done"),
    path("c/<str:token>/revise/", checklist.revise, name="revise"),
    path("c/<str:token>/delete/", checklist.delete, name="delete"),
    path("c/<str:token>/language/", language.switch, name="language"),
    path("c/<str:token>/calendar.ics", takeaway.calendar, name="calendar"),
    path("c/<str:token>/qr.svg", takeaway.qr, name="qr"),
    path("c/<str:token>/checklist.pdf", takeaway.pdf, name="pdf"),
]
