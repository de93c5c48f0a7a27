"""Round-trip SoftAuthenticator output through py_webauthn's real verifiers."""

import json

import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidBackupFlags,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
)

from tests.support.soft_webauthn import (
    EDDSA,
    ES256,
    RS256,
    AuthenticatorError,
    SoftAuthenticator,
    b64url_decode,
    b64url_encode,
)

RP_ID = "idp.example.test"
ORIGIN = "https://idp.example.test"


def _reg_options(**kwargs):
    opts = generate_registration_options(
        rp_id=RP_ID, rp_name="Latchkey", user_name="alice", user_id=b"user-1", **kwargs
    )
    return opts, json.loads(options_to_json(opts))


def _register(auth, **kwargs):
    opts, opts_json = _reg_options()
    resp = auth.create(opts_json, ORIGIN, **kwargs)
    verified = verify_registration_response(
        credential=resp,
        expected_challenge=opts.challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    return resp, verified


def _auth_options(allow=None):
    opts = generate_authentication_options(
        rp_id=RP_ID,
        allow_credentials=[PublicKeyCredentialDescriptor(id=i) for i in allow or []],
    )
    return opts, json.loads(options_to_json(opts))


def _verify_auth(resp, opts, verified_reg, current=0):
    return verify_authentication_response(
        credential=resp,
        expected_challenge=opts.challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=verified_reg.credential_public_key,
        credential_current_sign_count=current,
        require_user_verification=True,
    )


def test_b64url_roundtrip_without_padding():
    assert b64url_encode(b"\xff\xfe") == "__4"
    assert b64url_decode("__4") == b"\xff\xfe"


@pytest.mark.parametrize("alg", [ES256, RS256, EDDSA])
def test_register_and_authenticate(alg):
    auth = SoftAuthenticator(alg)
    resp, reg = _register(auth)
    assert reg.credential_id == b64url_decode(resp["id"])
    assert reg.user_verified and reg.fmt == "none"
    assert reg.credential_public_key == auth.credentials[0].cose_public_key()

    opts, opts_json = _auth_options(allow=[reg.credential_id])
    result = _verify_auth(auth.get(opts_json, ORIGIN), opts, reg)
    assert result.new_sign_count == 1 and result.user_verified


def test_discoverable_login_returns_user_handle():
    auth = SoftAuthenticator()
    _, reg = _register(auth)
    opts, opts_json = _auth_options()
    resp = auth.get(opts_json, ORIGIN)
    assert b64url_decode(resp["response"]["userHandle"]) == b"user-1"
    assert _verify_auth(resp, opts, reg).credential_id == reg.credential_id


def test_backup_flags_and_zero_counter():
    auth = SoftAuthenticator()
    _, reg = _register(auth, be=True, bs=True)
    assert reg.credential_backed_up and reg.credential_device_type == "multi_device"
    opts, opts_json = _auth_options()
    result = _verify_auth(auth.get(opts_json, ORIGIN, sign_count_increment=0), opts, reg)
    assert result.new_sign_count == 0 and result.credential_backed_up


def test_exclude_credentials_and_unknown_credential():
    auth = SoftAuthenticator()
    _, reg = _register(auth)
    _, opts_json = _reg_options(
        exclude_credentials=[PublicKeyCredentialDescriptor(id=reg.credential_id)]
    )
    with pytest.raises(AuthenticatorError):
        auth.create(opts_json, ORIGIN)
    with pytest.raises(AuthenticatorError):
        auth.get(_auth_options(allow=[b"nope"])[1], ORIGIN)


def test_resident_key_discouraged_is_not_discoverable():
    auth = SoftAuthenticator()
    _, opts_json = _reg_options(
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED
        )
    )
    auth.create(opts_json, ORIGIN)
    with pytest.raises(AuthenticatorError):
        auth.get(_auth_options()[1], ORIGIN)


@pytest.mark.parametrize(
    "tamper,reason",
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID hash"),
        ({"challenge": b"not-the-challenge"}, "challenge"),
        ({"client_data_type": "webauthn.get"}, "client data type"),
        ({"uv": False}, "User verification"),
    ],
)
def test_tampered_registration_rejected(tamper, reason):
    opts, opts_json = _reg_options()
    origin = tamper.pop("origin", ORIGIN)
    resp = SoftAuthenticator().create(opts_json, origin, **tamper)
    with pytest.raises(InvalidRegistrationResponse, match=reason):
        verify_registration_response(
            credential=resp,
            expected_challenge=opts.challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            require_user_verification=True,
        )


@pytest.mark.parametrize(
    "tamper,reason",
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID hash"),
        ({"challenge": b"not-the-challenge"}, "challenge"),
        ({"client_data_type": "webauthn.create"}, "client data type"),
        ({"uv": False}, "User verification"),
        ({"up": False}, "not present"),
        ({"sign_count": 3}, "sign count"),
        ({"bad_signature": True}, "signature"),
    ],
)
def test_tampered_authentication_rejected(tamper, reason):
    auth = SoftAuthenticator()
    _, reg = _register(auth)
    opts, opts_json = _auth_options()
    origin = tamper.pop("origin", ORIGIN)
    current = 3 if "sign_count" in tamper else 0  # a replayed/cloned counter
    with pytest.raises(InvalidAuthenticationResponse, match=reason):
        _verify_auth(auth.get(opts_json, origin, **tamper), opts, reg, current=current)


def test_backup_state_without_eligibility_rejected():
    auth = SoftAuthenticator()
    _, reg = _register(auth)
    opts, opts_json = _auth_options()
    with pytest.raises(InvalidBackupFlags):
        _verify_auth(auth.get(opts_json, ORIGIN, be=False, bs=True), opts, reg)
