"""The WebAuthn ceremonies for both faces: begin issues options, finish verifies and records.

Every refusal inside a finish is audited under the realm's name for that ceremony.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User, WebAuthnCredential
from accounts.passkeys import errors
from accounts.passkeys.challenges import (
    ChallengeMissing,
    challenge_issue,
    challenge_seal,
    challenge_take,
)
from accounts.passkeys.errors import PasskeyError
from accounts.passkeys.realm import Realm
from accounts.passkeys.store import (
    CredentialRejected,
    passkey_find,
    passkey_register,
    passkey_use,
)
from accounts.passkeys.store import credentials_for as credentials_for
from accounts.passkeys.webauthn import MAX_RESPONSE_BYTES as MAX_RESPONSE_BYTES
from accounts.passkeys.webauthn import (
    WebAuthnError,
    authentication_options,
    b64,
    load_response,
    parse_assertion,
    registration_options,
    verify_assertion,
    verify_registration,
)
from accounts.passkeys.webauthn import unb64 as unb64
from tenants.audit import audit_batch, audit_log


def _options(handle: str, public_key: dict) -> dict:
    return {"handle": handle, "publicKey": public_key}


def _audit_failure(*, realm, ceremony, message, request, actor=None, owner=None, details=None):
    audit_log(
        action=realm.action(f"{ceremony}_failed"),
        actor=realm.actor(actor) if actor is not None else None,
        tenant=realm.tenant,
        details={
            "reason": message[:300],
            **(realm.who(owner) if owner is not None else {}),
            **(details or {}),
        },
        request=request,
    )


def _reveals_account(exc: WebAuthnError) -> bool:
    """Would this refusal differ between a known email (its passkey IDs offered) and an
    unknown one (decoys) when answered with a throwaway key?"""
    message = exc.message
    return (
        isinstance(exc, CredentialRejected)
        or message in (errors.NOT_REGISTERED, errors.NOT_OFFERED)
        or "signature" in message.lower()
    )


def _take(*, realm, handle, ceremony, limits=()) -> dict:
    try:
        return challenge_take(handle=handle, ceremony=ceremony, realm=realm.key, limits=limits)
    except ChallengeMissing as exc:
        raise PasskeyError(errors.EXPIRED[ceremony]) from exc


# --- Authentication -------------------------------------------------------------------------


@dataclass(frozen=True)
class Authentication:
    """A verified assertion: the passkey (its user loaded) and the data bound at begin."""

    credential: WebAuthnCredential
    data: dict

    @property
    def user(self) -> User:
        return self.credential.user


def authentication_begin(
    *,
    realm: Realm,
    ceremony: str = "authenticate",
    user_id: int | None = None,
    allow: list[tuple[bytes, list]] = (),
    bind_allow: bool = True,
    data: dict | None = None,
    limits=(),
    sealed: bool = False,
) -> dict:
    """Request options. An empty `allow` is a discoverable sign-in; a non-empty one is bound
    to the challenge (unless not `bind_allow`): only those passkeys may answer. With `user_id`,
    only that user's passkeys may. `limits`: rate limits counted with the challenge's storing
    (accounts.passkeys.challenges.challenge_issue). `sealed`: a discoverable sign-in whose
    challenge nothing stores (challenge_seal), for options on every page view."""
    data = dict(data or {})
    if sealed:
        if allow or user_id is not None or limits:
            raise ValueError("only a discoverable sign-in's challenge is sealed")
        handle, challenge = challenge_seal(ceremony=ceremony, realm=realm.key, data=data)
    else:
        if allow and bind_allow:
            data["allow"] = [b64(cid) for cid, _ in allow]
        handle, challenge = challenge_issue(
            ceremony=ceremony, realm=realm.key, user_id=user_id, data=data, limits=limits
        )
    return _options(
        handle, authentication_options(rp=realm.rp, allow=list(allow), challenge=challenge)
    )


def authentication_finish(
    *,
    realm: Realm,
    handle,
    response,
    ceremony: str = "authenticate",
    user: User | None = None,
    screen=None,
    request=None,
    limits=(),
    rows=None,
) -> Authentication:
    """Verify an assertion against its single-use challenge and record the passkey's use.

    `user`: the signed-in user who began this (a re-check). `screen(credential)`: a caller's
    check (a rate limit, say) once the passkey is known and before the signature is checked.
    `limits`: rate limits counted with the challenge's taking. `rows(credential, data)`: new
    rows (audit events) written with the passkey's counter update, only if the use is accepted.
    """
    credential = None
    data: dict = {}
    verified = False
    try:
        record = _take(realm=realm, handle=handle, ceremony=ceremony, limits=limits)
        data = record["data"]
        if user is not None and record["user_id"] != user.pk:
            raise PasskeyError(errors.OTHER_PERSON)
        asserted = parse_assertion(load_response(response))
        if "allow" in data:
            if record["user_id"] is None:
                raise PasskeyError(errors.NOT_REGISTERED)  # decoys were offered
            if b64(asserted.credential_id) not in data["allow"]:
                raise PasskeyError(errors.NOT_OFFERED)
        elif asserted.user_handle is None:
            raise PasskeyError(errors.NO_USER_HANDLE)
        credential = passkey_find(realm=realm, asserted=asserted)
        if record["user_id"] is not None and credential.user_id != record["user_id"]:
            raise PasskeyError(errors.OTHER_ACCOUNT)
        if screen is not None:
            screen(credential)
        result = verify_assertion(
            rp=realm.rp,
            asserted=asserted,
            challenge=record["challenge"],
            public_key=bytes(credential.public_key),
        )
        verified = True
        credential = passkey_use(
            realm=realm,
            credential=credential,
            result=result,
            request=request,
            rows=rows(credential, data) if rows is not None else (),
        )
    except WebAuthnError as exc:
        _audit_failure(
            realm=realm,
            ceremony=ceremony,
            message=exc.message,
            request=request,
            actor=user,
            owner=credential.user if credential is not None else None,
        )
        if "allow" in data and not verified and _reveals_account(exc):
            # Email sign-in: the audit keeps the reason; the answer must not tell a known
            # email (its real passkey IDs were offered) from an unknown one (decoys).
            raise PasskeyError(errors.NOT_USABLE) from exc
        raise
    return Authentication(credential=credential, data=data)


# --- Registration ---------------------------------------------------------------------------


def registration_begin(
    *,
    realm: Realm,
    user: User | None = None,
    user_handle: bytes | None = None,
    email: str = "",
    display_name: str = "",
    data: dict | None = None,
    limits=(),
) -> dict:
    """Creation options for `user` (their passkeys excluded), or for a new account with
    `user_handle`, `email` and `display_name`. `data` is bound to the challenge; `limits`:
    rate limits counted with its storing (accounts.passkeys.challenges.challenge_issue)."""
    if user is not None:
        user_handle, email = bytes(user.webauthn_handle), user.email
        display_name, exclude = user.name or user.email, credentials_for(user)
    else:
        exclude = []
    handle, challenge = challenge_issue(
        ceremony="register",
        realm=realm.key,
        user_id=user.pk if user is not None else None,
        data={**(data or {}), "user_handle": b64(user_handle)},
        limits=limits,
    )
    options = registration_options(
        rp=realm.rp,
        user_handle=user_handle,
        email=email,
        display_name=display_name,
        exclude=exclude,
        challenge=challenge,
    )
    return _options(handle, options)


@dataclass(frozen=True)
class Registration:
    """A stored passkey, its owner, and whether `owner` created the account just now."""

    user: User
    credential: WebAuthnCredential
    created: bool


def registration_finish(
    *,
    realm: Realm,
    handle,
    response,
    user: User | None = None,
    expect=None,
    owner=None,
    name="",
    after=None,
    audit_details: dict | None = None,
    request=None,
    limits=(),
) -> Registration:
    """Verify a registration against its single-use challenge and store the passkey.

    `user`: who began it (the passkey is theirs). Otherwise `owner(record)` returns
    (user, created) inside the storing transaction. `expect(record)` refuses a challenge
    begun for something else; `name` is a string or `name(user, created, aaguid)`; `after(user,
    credential, created)` runs in the same transaction (its audit rows are written with the
    passkey's, in one statement). `limits`: rate limits counted with the challenge's taking.
    """
    try:
        record = _take(realm=realm, handle=handle, ceremony="register", limits=limits)
        if user is not None and record["user_id"] != user.pk:
            raise PasskeyError(errors.OTHER_PERSON)
        if expect is not None:
            expect(record)
        registered = verify_registration(
            rp=realm.rp, response=load_response(response), challenge=record["challenge"]
        )
        # The transaction's audit rows go in one statement, just before it commits.
        with transaction.atomic(), audit_batch():
            owner_user, created = owner(record) if owner is not None else (user, False)
            label = name(owner_user, created, registered.aaguid) if callable(name) else name
            credential = passkey_register(
                realm=realm, user=owner_user, registered=registered, name=label, request=request
            )
            if after is not None:
                after(owner_user, credential, created)
    except WebAuthnError as exc:
        _audit_failure(
            realm=realm,
            ceremony="register",
            message=exc.message,
            request=request,
            actor=user,
            details=audit_details,
        )
        raise
    return Registration(user=owner_user, credential=credential, created=created)
