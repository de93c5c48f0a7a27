"""One error vocabulary for passkeys: a refusal the person can read, with its HTTP status."""

from __future__ import annotations

from accounts.errors import ServiceError
from accounts.models import WebAuthnCredential
from accounts.passkeys.webauthn import WebAuthnError as WebAuthnError

EXPIRED = {
    "authenticate": "This sign-in attempt expired or was already used. Try again.",
    "reauth": "This check expired or was already used. Try again.",
    "register": "This passkey set-up expired or was already used. Try again.",
}
NOT_REGISTERED = "This passkey is not registered here."
NOT_OFFERED = "This passkey was not offered for this sign-in."
# Every refusal of an email sign-in before the signature is verified: whether the email has an
# account must not show (known and unknown emails get byte-identical answers).
NOT_USABLE = (
    "This passkey is not registered here, was not offered for this sign-in, or its signature "
    "is invalid."
)
NO_USER_HANDLE = "The passkey did not return its user handle."
OTHER_ACCOUNT = "This passkey belongs to another account."
OTHER_PERSON = "This was started by someone else. Start again."
NO_SUCH_PASSKEY = "No such passkey."
LAST_PASSKEY = "You cannot remove your last passkey; add another one first."
NAME_REQUIRED = "A name is required."
NAME_TOO_LONG = "The name must be at most 100 characters."
NAME_MAX_LENGTH = 100


class PasskeyError(WebAuthnError, ServiceError):
    """A passkey step we refuse; `message` is safe to show, `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


class PasskeyNotFound(PasskeyError, WebAuthnCredential.DoesNotExist):
    """No such passkey among the user's own (a 404)."""

    def __init__(self, message: str = NO_SUCH_PASSKEY):
        super().__init__(message, status=404)
