"""The development mailbox pages: every email the server sent, readable without signing in."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from accounts.mailbox import mailbox_get, mailbox_list


def _require_mailbox() -> None:
    # Development only: in production (or with another email backend) the pages do not exist.
    if not settings.DEV_MAILBOX:
        raise Http404("No development mailbox here.")


def mailbox(request):
    """The newest messages first."""
    _require_mailbox()
    return render(request, "portal/dev/mailbox.html", {"messages_list": mailbox_list()})


def mailbox_message(request, message_id: str):
    """One message, its links clickable."""
    _require_mailbox()
    message = mailbox_get(message_id)
    if message is None:
        raise Http404("No such message.")
    return render(request, "portal/dev/mailbox_message.html", {"message": message})
