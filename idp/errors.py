"""The IdP's refusals: the passkey vocabulary's error, with its HTTP status and code."""

from __future__ import annotations

from accounts.passkeys.errors import PasskeyError


class SignInError(PasskeyError):
    """A step of the sign-in we refuse; `status` is the HTTP status to answer with."""
