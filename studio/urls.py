from django.urls import path

from . import views

app_name = "studio"

urlpatterns = [
    path("", views.home, name="home"),
    path("drafts/", views.draft_create, name="draft-create"),
    path("drafts/import/", views.draft_import, name="draft-import"),
    path("drafts/national-update/", views.national_update, name="national-update"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:pk>/download/", views.draft_download, name="draft-download"),
    path("drafts/<int:pk>/procedures/<slug:code>/", views.procedure_edit, name="procedure"),
    path("drafts/<int:pk>/questions/<slug:key>/", views.question_edit, name="question"),
    path("drafts/<int:pk>/laws/<slug:key>/", views.law_edit, name="law"),
    path("drafts/<int:pk>/counters/<slug:code>/", views.counter_edit, name="counter"),
    path("drafts/<int:pk>/diff/", views.draft_diff, name="diff"),
    path("drafts/<int:pk>/submit/", views.draft_submit, name="submit"),
    path("drafts/<int:pk>/withdraw/", views.draft_withdraw, name="withdraw"),
    path("drafts/<int:pk>/approve/", views.draft_approve, name="approve"),
    path("drafts/<int:pk>/publish/", views.draft_publish, name="publish"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="discard"),
    path("drafts/<int:pk>/stories/", views.draft_stories, name="stories"),
    path("drafts/<int:pk>/stories/accept/", views.story_accept, name="story-accept"),
    path("drafts/<int:pk>/stories/new/", views.story_add, name="story-add"),
    path("drafts/<int:pk>/preview/", views.draft_preview, name="preview"),
    path("drafts/<int:pk>/preview/<int:preview_id>.json", views.preview_status, name="preview-status"),
    path("drafts/<int:pk>/history/", views.draft_history, name="history"),
    path("drafts/<int:pk>/national/", views.draft_national, name="national"),
    path("drafts/<int:pk>/national/<int:index>/", views.conflict_settle, name="conflict"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:version_id>/restore/", views.version_restore, name="version-restore"),
    path("versions/<int:version_id>/download/", views.version_download, name="version-download"),
]
