"""Supervisors search the audit log and export it; both need the capability audit.search."""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.exports import audit_csv, audit_csv_filename
from audit.forms import AuditSearchForm
from audit.selectors import audit_event_list
from audit.services import audit_from_request
from staff.permissions import capability_required

PAGE_SIZE = 50


@never_cache
@capability_required("audit.search")
@require_GET
def audit_search(request):
    form = AuditSearchForm(request.GET)
    page = None
    if form.is_valid():
        page = Paginator(audit_event_list(**form.cleaned_data), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"form": form, "page": page})


@never_cache
@capability_required("audit.search")
@require_GET
def audit_export(request):
    """The same filters as the search, every matching row; the export is itself audited."""
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/search.html", {"form": form, "page": None}, status=400)
    events = audit_event_list(**form.cleaned_data)
    filename = audit_csv_filename()
    audit_from_request(
        request,
        action="audit.export",
        target_type="audit_event",
        target_id="",
        detail={"filters": form.cleaned_data, "rows": events.count(), "filename": filename},
    )
    response = StreamingHttpResponse(audit_csv(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
