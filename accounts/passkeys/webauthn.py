"""The one module that imports py_webauthn; it maps library errors to our own."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import webauthn
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

MAX_RESPONSE_BYTES = 64 * 1024
MAX_CREDENTIAL_ID_BYTES = 1023
CHALLENGE_BYTES = 32
TIMEOUT_MS = 300_000
SUPPORTED_ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]


def b64(data: bytes) -> str:
    """base64url without padding, as WebAuthn JSON writes binary."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(data: str) -> bytes:
    """The inverse of b64()."""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class WebAuthnError(Exception):
    """A ceremony response we refuse; `message` is safe to show to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RelyingParty:
    """RP ID, name and the origins allowed to answer: from a Realm, never from the request."""

    id: str
    name: str
    origins: tuple[str, ...]
    # Top-level origins whose pages may run a ceremony in a frame (crossOrigin); empty: none.
    top_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registered:
    """What we keep from a verified registration."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    backup_eligible: bool
    backup_state: bool
    transports: list[str]


@dataclass(frozen=True)
class Asserted:
    """The unverified identifiers of an assertion, to look up the credential."""

    credential_id: bytes
    user_handle: bytes | None
    raw: dict


@dataclass(frozen=True)
class Authenticated:
    """What a verified assertion tells us."""

    new_sign_count: int
    backup_eligible: bool
    backup_state: bool


def _descriptor(credential_id: bytes, transports=None) -> PublicKeyCredentialDescriptor:
    known = []
    for transport in transports or []:
        try:
            known.append(AuthenticatorTransport(transport))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(id=credential_id, transports=known or None)


def registration_options(
    *,
    rp: RelyingParty,
    user_handle: bytes,
    email: str,
    display_name: str,
    exclude: list[tuple[bytes, list]],
    challenge: bytes,
) -> dict:
    """PublicKeyCredentialCreationOptions as JSON: resident key preferred, UV required."""
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=email,
        user_display_name=display_name or email,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(cid, t) for cid, t in exclude],
        supported_pub_key_algs=SUPPORTED_ALGORITHMS,
    )
    return json.loads(webauthn.options_to_json(options))


def authentication_options(
    *, rp: RelyingParty, allow: list[tuple[bytes, list]], challenge: bytes
) -> dict:
    """PublicKeyCredentialRequestOptions as JSON; an empty `allow` means discoverable."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(cid, t) for cid, t in allow],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(webauthn.options_to_json(options))


def load_response(body) -> dict:
    """Parse a posted credential: size-limited JSON object or a clear WebAuthnError."""
    if isinstance(body, (bytes, bytearray)):
        if len(body) > MAX_RESPONSE_BYTES:
            raise WebAuthnError("The passkey response is too large.")
        try:
            body = body.decode()
        except UnicodeDecodeError as exc:
            raise WebAuthnError("The passkey response is not valid UTF-8.") from exc
    if isinstance(body, str):
        if len(body) > MAX_RESPONSE_BYTES:
            raise WebAuthnError("The passkey response is too large.")
        try:
            body = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise WebAuthnError("The passkey response is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise WebAuthnError("The passkey response must be a JSON object.")
    return body


def verify_registration(*, rp: RelyingParty, response: dict, challenge: bytes) -> Registered:
    """Verify a registration with user verification required."""
    refuse_cross_origin(response, allowed_top_origins=rp.top_origins)
    try:
        verified = webauthn.verify_registration_response(
            credential=response,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=True,
            supported_pub_key_algs=SUPPORTED_ALGORITHMS,
        )
    except WebAuthnException as exc:
        raise WebAuthnError(f"The passkey could not be registered: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise WebAuthnError("The passkey response is malformed.") from exc
    if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES:
        raise WebAuthnError("The credential ID is longer than 1023 bytes.")
    transports = response.get("response", {}).get("transports") or []
    if not isinstance(transports, list):
        transports = []
    return Registered(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=str(verified.aaguid),
        backup_eligible=verified.credential_device_type == "multi_device",
        backup_state=verified.credential_backed_up,
        transports=[str(t)[:32] for t in transports[:8]],
    )


def parse_assertion(response: dict) -> Asserted:
    """Read the credential ID and user handle of an assertion before verifying it."""
    try:
        parsed = parse_authentication_credential_json(response)
    except WebAuthnException as exc:
        raise WebAuthnError(f"The passkey response is malformed: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise WebAuthnError("The passkey response is malformed.") from exc
    if len(parsed.raw_id) > MAX_CREDENTIAL_ID_BYTES:
        raise WebAuthnError("The credential ID is longer than 1023 bytes.")
    return Asserted(
        credential_id=bytes(parsed.raw_id),
        user_handle=bytes(parsed.response.user_handle) if parsed.response.user_handle else None,
        raw=response,
    )


CROSS_ORIGIN = "A passkey used inside another site's frame (crossOrigin) is not accepted here."


def refuse_cross_origin(response: dict, *, allowed_top_origins: tuple[str, ...] = ()) -> None:
    """WebAuthn L3 §7.1/7.2: py_webauthn does not look at crossOrigin or topOrigin; a
    ceremony run in a cross-origin iframe is refused unless its topOrigin is allowed."""
    try:
        encoded = response["response"]["clientDataJSON"]
        client_data = json.loads(unb64(encoded))
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise WebAuthnError("The passkey response is malformed.") from exc
    if not isinstance(client_data, dict):
        raise WebAuthnError("The passkey response is malformed.")
    cross_origin = client_data.get("crossOrigin")
    if cross_origin is not True and "topOrigin" not in client_data:
        return
    # A frame is accepted only when it says so and names the page framing it, exactly.
    top_origin = client_data.get("topOrigin")
    if cross_origin is True and isinstance(top_origin, str) and top_origin in allowed_top_origins:
        return
    raise WebAuthnError(CROSS_ORIGIN)


def verify_assertion(
    *, rp: RelyingParty, asserted: Asserted, challenge: bytes, public_key: bytes
) -> Authenticated:
    """Verify signature, origin, RP ID, challenge and UV; counter rules are the caller's."""
    refuse_cross_origin(asserted.raw, allowed_top_origins=rp.top_origins)
    try:
        verified = webauthn.verify_authentication_response(
            credential=asserted.raw,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            # 0 disables the library's counter check; store.passkey_use applies ours with auditing.
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except WebAuthnException as exc:
        raise WebAuthnError(f"The passkey could not be verified: {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise WebAuthnError("The passkey response is malformed.") from exc
    return Authenticated(
        new_sign_count=verified.new_sign_count,
        backup_eligible=verified.credential_device_type == "multi_device",
        backup_state=verified.credential_backed_up,
    )
