"""Placeholder portal home (replaced by the portal access work)."""

from django.shortcuts import render


def home(request):
    """Portal landing page."""
    return render(request, "portal/home.html")
