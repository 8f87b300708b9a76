from django.shortcuts import render

from staff.permissions import capability_required


@capability_required("counter.use")
def home(request):
    """The window clerks' workspace: a placeholder until the counter issue fills it."""
    return render(request, "counter/home.html")
