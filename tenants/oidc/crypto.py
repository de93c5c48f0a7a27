"""The key module: builds keys with `cryptography`, seals them with the KEK, signs JWTs.

It holds the one per-process cache of signing keys that every signature reads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from jwcrypto import jwk

from tenants.oidc.models import SigningKey


class KeyDecryptionError(Exception):
    """A private key could not be opened with any configured KEK."""


def _fernet_for(secret: str) -> Fernet:
    # Any operator-chosen string becomes a proper 256-bit Fernet key.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"latchkey-kek", info=b"signing-keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@lru_cache(maxsize=4)
def _sealer(current: str, previous: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet_for(current), *(_fernet_for(p) for p in previous)])


def sealer() -> MultiFernet:
    """MultiFernet that encrypts with the current KEK and still opens the previous ones."""
    return _sealer(settings.KEY_ENCRYPTION_KEY, tuple(settings.KEY_ENCRYPTION_KEY_PREVIOUS))


def generate_private_key_pem(algorithm: str) -> bytes:
    """A fresh private key for RS256 (RSA 2048) or ES256 (P-256), as PKCS#8 PEM."""
    if algorithm == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"unsupported signing algorithm {algorithm!r}")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def encrypt_private_key(pem: bytes) -> str:
    """Seal a private key PEM with the current KEK."""
    return sealer().encrypt(pem).decode()


def decrypt_private_key(token: str) -> bytes:
    """Open a sealed private key PEM."""
    try:
        return sealer().decrypt(token.encode())
    except InvalidToken as exc:
        raise KeyDecryptionError("no configured KEY_ENCRYPTION_KEY opens this key") from exc


def reencrypt_private_key(token: str) -> str:
    """Re-seal a private key under the current KEK."""
    try:
        return sealer().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyDecryptionError("no configured KEY_ENCRYPTION_KEY opens this key") from exc


def public_jwk_for(pem: bytes, algorithm: str) -> tuple[str, dict]:
    """Return (kid, public JWK) for a private key; kid is the RFC 7638 thumbprint."""
    key = jwk.JWK.from_pem(pem)
    kid = key.thumbprint()
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": algorithm, "use": "sig"})
    return kid, public


def load_signing_jwk(kid: str, sealed: str) -> jwk.JWK:
    """Open and parse a sealed private key (signing reads it through the cache below)."""
    key = jwk.JWK.from_pem(decrypt_private_key(sealed))
    key.update(kid=kid)
    return key


class SigningKeyUnavailable(Exception):
    """No private key is stored under this kid (unknown, or wiped by a revocation)."""


# kid -> (algorithm, parsed private key). A kid is the thumbprint of its public key, so what it
# names never changes: entries need no invalidation (which kid is active is read per request).
_SIGNING_KEYS: dict[str, tuple[str, object]] = {}
_SIGNING_KEYS_MAX = 256


def signing_key_cache_clear() -> None:
    """Forget every cached key (tests; a KEK change needs no clear, the key is the same)."""
    _SIGNING_KEYS.clear()


def _signing_key(kid: str) -> tuple[str, object] | None:
    key = _SIGNING_KEYS.get(kid)
    if key is None:
        row = (
            SigningKey.objects.filter(kid=kid)
            .exclude(private_key_encrypted="")
            .values_list("algorithm", "private_key_encrypted")
            .first()
        )
        if row is None:
            return None
        if len(_SIGNING_KEYS) >= _SIGNING_KEYS_MAX:
            _SIGNING_KEYS.clear()
        private = serialization.load_pem_private_key(decrypt_private_key(row[1]), password=None)
        key = _SIGNING_KEYS[kid] = (row[0], private)
    return key


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _json_segment(value: dict) -> bytes:
    # jwcrypto's encoding (compact, sorted keys), so tokens look as they always did.
    return _b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def _sign(algorithm: str, private, signing_input: bytes) -> bytes:
    if algorithm == "RS256":
        return private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "ES256":
        # JWS (RFC 7518 §3.4) carries r || s, each 32 bytes, not the DER sequence.
        r, s = decode_dss_signature(private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    raise ValueError(f"unsupported signing algorithm {algorithm!r}")


def sign_jwt(*, kid: str | None, claims: dict, typ: str = "JWT") -> str:
    """A compact JWS of the claims under this kid (its algorithm, `kid` in the header).

    Signed with `cryptography` directly: jwcrypto's JWT/JWS objects cost more CPU than the
    RSA signature itself (they deep-copy a header registry per token).
    """
    key = _signing_key(kid) if kid else None
    if key is None:
        raise SigningKeyUnavailable(kid)
    algorithm, private = key
    header = _json_segment({"typ": typ, "alg": algorithm, "kid": kid})
    signing_input = header + b"." + _json_segment(claims)
    signature = _b64url(_sign(algorithm, private, signing_input))
    return (signing_input + b"." + signature).decode("ascii")


def keyed_digest(secret: str, purpose: str) -> str:
    """HMAC-SHA256 of a high-entropy secret under SECRET_KEY, for fast constant-time lookup."""
    key = hashlib.sha256(f"latchkey:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()
