"""Messages the browser code shows end users, translated into the page as a JSON catalogue."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

# static/latchkey/webauthn.js and idp/static/idp/*.js look these up by their English text.
JS_MESSAGES = (
    gettext_noop("The passkey request timed out. Try again, and answer your device's prompt."),
    gettext_noop("The passkey was not created: the request was cancelled or timed out."),
    gettext_noop(
        "No passkey was used: the request was cancelled or timed out, or this device has no "
        "passkey for this account."
    ),
    gettext_noop("This device already holds a passkey for this account."),
    gettext_noop(
        "This authenticator is not allowed here: it does not support the required algorithms "
        "or user verification."
    ),
    gettext_noop(
        "Passkeys for this account work only on {host} (or an address ending in .{host}), not "
        "on {here}. Open the sign-in page on {host}."
    ),
    gettext_noop("Passkeys cannot be used on this address for this sign-in."),
    gettext_noop("The passkey request was cancelled."),
    gettext_noop("This browser cannot use passkeys. Try another browser or device."),
    gettext_noop("Something went wrong with the passkey."),
    gettext_noop("Something went wrong with the passkey: {detail}"),
    gettext_noop("The server could not be reached. Check your connection."),
    gettext_noop("Signing you in…"),
    gettext_noop("Waiting for your passkey…"),
    gettext_noop("Creating your account…"),
    gettext_noop("One moment…"),
    gettext_noop("Checking the code…"),
    gettext_noop("Enter your email address."),
)


def js_catalog() -> dict[str, str]:
    """English → the active language, for messages that differ (English pages carry none)."""
    return {m: gettext(m) for m in JS_MESSAGES if gettext(m) != m}
