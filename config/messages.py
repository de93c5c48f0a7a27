"""Django's messages middleware, with each request's storage built on first use."""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    """Most requests (JSON steps, token, assets) never read or add a message: they skip building
    the cookie and session storages (a cookie signer each) and their update on the response."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never used: nothing was read, added or is to be stored
        return super().process_response(request, response)
