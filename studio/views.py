from django.shortcuts import render

from staff.permissions import capability_required


@capability_required("studio.edit")
def home(request):
    """The rule studio: a placeholder until the studio issue fills it."""
    return render(request, "studio/home.html")
