"""Key building and sealing with the KEK."""

import pytest
from jwcrypto import jwk, jws

from tenants.oidc import crypto


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_generated_keys_sign_and_verify_with_their_public_jwk(algorithm):
    pem = crypto.generate_private_key_pem(algorithm)
    kid, public = crypto.public_jwk_for(pem, algorithm)
    assert public["kid"] == kid and public["alg"] == algorithm
    assert "d" not in public and "p" not in public
    sealed = crypto.encrypt_private_key(pem)
    assert b"PRIVATE" not in sealed.encode()
    signer = crypto.load_signing_jwk(kid, sealed)
    token = jws.JWS(b"payload")
    token.add_signature(signer, alg=algorithm, protected={"alg": algorithm, "kid": kid})
    verifier = jws.JWS()
    verifier.deserialize(token.serialize())
    verifier.verify(jwk.JWK(**public))
    assert verifier.payload == b"payload"


def test_kek_change_keeps_old_keys_readable_and_reencrypts(settings):
    pem = crypto.generate_private_key_pem("ES256")
    sealed_old = crypto.encrypt_private_key(pem)
    settings.KEY_ENCRYPTION_KEY_PREVIOUS = [settings.KEY_ENCRYPTION_KEY]
    settings.KEY_ENCRYPTION_KEY = "a-brand-new-key-encryption-key"
    assert crypto.decrypt_private_key(sealed_old) == pem
    sealed_new = crypto.reencrypt_private_key(sealed_old)
    settings.KEY_ENCRYPTION_KEY_PREVIOUS = []
    assert crypto.decrypt_private_key(sealed_new) == pem
    with pytest.raises(crypto.KeyDecryptionError):
        crypto.decrypt_private_key(sealed_old)


def test_unsupported_algorithm_is_refused():
    with pytest.raises(ValueError):
        crypto.generate_private_key_pem("HS256")
