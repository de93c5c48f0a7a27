"""Software WebAuthn authenticator that emits browser-shaped JSON for server tests."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ES256, EDDSA, RS256 = -7, -8, -257
ALGORITHMS = (ES256, EDDSA, RS256)

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT = 0x01, 0x04, 0x08, 0x10, 0x40

_DEFAULT: Any = object()


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(data: str) -> bytes:
    """Decode base64url, with or without padding."""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class AuthenticatorError(Exception):
    """The soft authenticator refused the ceremony, as a browser would with a DOMException."""


def _generate_key(alg: int):
    if alg == ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if alg == EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    if alg == RS256:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise AuthenticatorError(f"NotSupportedError: unsupported alg {alg}")


@dataclass
class SoftCredential:
    """One credential (key pair plus metadata) held by a SoftAuthenticator."""

    credential_id: bytes
    private_key: Any
    alg: int
    rp_id: str
    user_handle: bytes | None
    sign_count: int = 0
    aaguid: bytes = bytes(16)
    discoverable: bool = True
    be: bool = False
    bs: bool = False

    @property
    def id_b64(self) -> str:
        """Credential id as base64url."""
        return b64url_encode(self.credential_id)

    def cose_public_key(self) -> bytes:
        """CBOR-encoded COSE_Key of the public key (what servers store)."""
        pub = self.private_key.public_key()
        if self.alg == ES256:
            nums = pub.public_numbers()
            key = {
                1: 2,
                3: ES256,
                -1: 1,
                -2: nums.x.to_bytes(32, "big"),
                -3: nums.y.to_bytes(32, "big"),
            }
        elif self.alg == EDDSA:
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            key = {1: 1, 3: EDDSA, -1: 6, -2: raw}
        else:
            nums = pub.public_numbers()
            key = {
                1: 3,
                3: RS256,
                -1: nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big"),
                -2: nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big"),
            }
        return cbor2.dumps(key, canonical=True)

    def spki_public_key(self) -> bytes:
        """DER SubjectPublicKeyInfo of the public key (as in getPublicKey())."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, data: bytes) -> bytes:
        """Sign data with this credential's algorithm."""
        if self.alg == ES256:
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == EDDSA:
            return self.private_key.sign(data)
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _load(options: dict | str) -> dict:
    return json.loads(options) if isinstance(options, str) else options


def _client_data(type_: str, challenge: bytes, origin: str) -> bytes:
    return json.dumps(
        {
            "type": type_,
            "challenge": b64url_encode(challenge),
            "origin": origin,
            "crossOrigin": False,
        },
        separators=(",", ":"),
    ).encode()


def _flags(up: bool, uv: bool, be: bool, bs: bool, at: bool = False) -> int:
    return (
        (FLAG_UP if up else 0)
        | (FLAG_UV if uv else 0)
        | (FLAG_BE if be else 0)
        | (FLAG_BS if bs else 0)
        | (FLAG_AT if at else 0)
    )


class SoftAuthenticator:
    """A platform-like authenticator keeping credentials in memory."""

    def __init__(
        self,
        alg: int = ES256,
        *,
        aaguid: bytes = bytes(16),
        attachment: str = "platform",
        transports: tuple[str, ...] = ("internal", "hybrid"),
    ):
        """Create an empty authenticator whose new credentials use `alg` by default."""
        self.alg = alg
        self.aaguid = aaguid
        self.attachment = attachment
        self.transports = list(transports)
        self.credentials: list[SoftCredential] = []

    def add_credential(
        self,
        rp_id: str,
        user_handle: bytes | None,
        *,
        alg: int | None = None,
        credential_id: bytes | None = None,
        sign_count: int = 0,
        be: bool = False,
        bs: bool = False,
        discoverable: bool = True,
    ) -> SoftCredential:
        """Mint and store a credential without a ceremony (e.g. to seed the DB directly)."""
        alg = self.alg if alg is None else alg
        cred = SoftCredential(
            credential_id=credential_id or os.urandom(32),
            private_key=_generate_key(alg),
            alg=alg,
            rp_id=rp_id,
            user_handle=user_handle,
            sign_count=sign_count,
            aaguid=self.aaguid,
            discoverable=discoverable,
            be=be,
            bs=bs,
        )
        self.credentials.append(cred)
        return cred

    def find(self, credential_id: bytes | str) -> SoftCredential:
        """Return the stored credential with this id (bytes or base64url)."""
        if isinstance(credential_id, str):
            credential_id = b64url_decode(credential_id)
        for cred in self.credentials:
            if cred.credential_id == credential_id:
                return cred
        raise AuthenticatorError("NotAllowedError: unknown credential")

    def create(
        self,
        options: dict | str,
        origin: str,
        *,
        uv: bool = True,
        up: bool = True,
        be: bool = False,
        bs: bool = False,
        sign_count: int = 0,
        credential_id: bytes | None = None,
        alg: int | None = None,
        rp_id: str | None = None,
        challenge: bytes | None = None,
        client_data_type: str = "webauthn.create",
    ) -> dict:
        """Answer navigator.credentials.create(); rp_id/challenge/client_data_type tamper."""
        opts = _load(options)
        real_rp_id = opts.get("rp", {}).get("id") or urlsplit(origin).hostname
        excluded = {d["id"] for d in opts.get("excludeCredentials") or []}
        if any(c.id_b64 in excluded and c.rp_id == real_rp_id for c in self.credentials):
            raise AuthenticatorError("InvalidStateError: credential excluded")
        offered = [p["alg"] for p in opts.get("pubKeyCredParams") or [{"alg": ES256}]]
        alg = self.alg if alg is None else alg
        if alg not in offered:
            raise AuthenticatorError(f"NotSupportedError: alg {alg} not in {offered}")
        resident = (opts.get("authenticatorSelection") or {}).get("residentKey") != "discouraged"
        cred = self.add_credential(
            real_rp_id,
            b64url_decode(opts["user"]["id"]),
            alg=alg,
            credential_id=credential_id,
            sign_count=sign_count,
            be=be,
            bs=bs,
            discoverable=resident,
        )

        attested = (
            cred.aaguid
            + struct.pack(">H", len(cred.credential_id))
            + cred.credential_id
            + cred.cose_public_key()
        )
        auth_data = (
            hashlib.sha256((rp_id or real_rp_id).encode()).digest()
            + bytes([_flags(up, uv, be, bs, at=True)])
            + struct.pack(">I", sign_count)
            + attested
        )
        att_obj = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = _client_data(
            client_data_type, challenge or b64url_decode(opts["challenge"]), origin
        )
        extensions = {}
        if (opts.get("extensions") or {}).get("credProps"):
            extensions["credProps"] = {"rk": resident}
        return {
            "id": cred.id_b64,
            "rawId": cred.id_b64,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "attestationObject": b64url_encode(att_obj),
                "authenticatorData": b64url_encode(auth_data),
                "publicKey": b64url_encode(cred.spki_public_key()),
                "publicKeyAlgorithm": alg,
                "transports": list(self.transports),
            },
            "clientExtensionResults": extensions,
            "authenticatorAttachment": self.attachment,
        }

    def pick(self, options: dict | str, credential_id: bytes | str | None = None) -> SoftCredential:
        """Choose get()'s credential: explicit id, else allowCredentials, else discoverable."""
        opts = _load(options)
        if credential_id is not None:
            return self.find(credential_id)
        rp_id = opts.get("rpId")
        allowed = {d["id"] for d in opts.get("allowCredentials") or []}
        for cred in reversed(self.credentials):
            if rp_id and cred.rp_id != rp_id:
                continue
            if (cred.id_b64 in allowed) if allowed else cred.discoverable:
                return cred
        raise AuthenticatorError("NotAllowedError: no matching credential")

    def get(
        self,
        options: dict | str,
        origin: str,
        *,
        uv: bool = True,
        up: bool = True,
        credential_id: bytes | str | None = None,
        user_handle: bytes | None = _DEFAULT,
        sign_count_increment: int = 1,
        sign_count: int | None = None,
        be: bool | None = None,
        bs: bool | None = None,
        rp_id: str | None = None,
        challenge: bytes | None = None,
        client_data_type: str = "webauthn.get",
        bad_signature: bool = False,
    ) -> dict:
        """Answer navigator.credentials.get(); keyword knobs override or tamper each field."""
        opts = _load(options)
        cred = self.pick(opts, credential_id)
        if sign_count is None:
            sign_count = cred.sign_count + sign_count_increment
        cred.sign_count = sign_count
        auth_data = (
            hashlib.sha256(
                (rp_id or opts.get("rpId") or urlsplit(origin).hostname).encode()
            ).digest()
            + bytes([_flags(up, uv, cred.be if be is None else be, cred.bs if bs is None else bs)])
            + struct.pack(">I", cred.sign_count)
        )
        client_data = _client_data(
            client_data_type, challenge or b64url_decode(opts["challenge"]), origin
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        # Signing different bytes keeps the signature well-formed but invalid.
        signature = cred.sign(signed + b"tampered" if bad_signature else signed)
        handle = cred.user_handle if user_handle is _DEFAULT else user_handle
        return {
            "id": cred.id_b64,
            "rawId": cred.id_b64,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
                "userHandle": b64url_encode(handle) if handle is not None else None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": self.attachment,
        }
