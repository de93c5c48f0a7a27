"""Error pages that name the problem."""

from django.shortcuts import render


def _page(request, status, title, message):
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def not_found(request, exception=None):
    """404: unknown page or tenant."""
    return _page(request, 404, "Not found", "There is nothing at this address.")


def bad_request(request, exception=None):
    """400: the request was malformed."""
    return _page(request, 400, "Bad request", "The request could not be understood.")


def forbidden(request, exception=None):
    """403: not allowed."""
    return _page(request, 403, "Forbidden", "You do not have permission to do this.")


def server_error(request):
    """500: our fault."""
    return _page(request, 500, "Something went wrong", "Please try again in a moment.")
