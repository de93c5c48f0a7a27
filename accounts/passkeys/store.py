"""Relying-party rules on stored passkeys: register, find within a realm, record a use."""

from __future__ import annotations

from functools import cache

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from accounts.models import User, WebAuthnCredential
from accounts.passkeys import errors
from accounts.passkeys.errors import PasskeyError
from accounts.passkeys.realm import Realm
from accounts.passkeys.webauthn import Asserted, Authenticated, Registered
from accounts.statements import columns, instance
from tenants.audit import audit_log
from tenants.rows import insert, insert_all


class CredentialRejected(PasskeyError):
    """The assertion verified cryptographically but breaks one of our rules."""


def credentials_for(user: User) -> list[tuple[bytes, list]]:
    """(credential_id, transports) pairs for allow/exclude lists."""
    return [(bytes(c.credential_id), c.transports) for c in user.credentials.all()]


def passkey_register(
    *, realm: Realm, user: User, registered: Registered, name: str = "", request=None
) -> WebAuthnCredential:
    """Store a verified credential; a credential ID already on file is refused."""
    try:
        # No savepoint of its own: the caller's transaction (registration_finish) is rolled
        # back as a whole by the error raised below, so the savepoint's 2 round trips buy
        # nothing.
        with transaction.atomic(savepoint=False):
            credential = WebAuthnCredential(
                user=user,
                credential_id=registered.credential_id,
                public_key=registered.public_key,
                sign_count=registered.sign_count,
                transports=registered.transports,
                aaguid=registered.aaguid,
                backup_eligible=registered.backup_eligible,
                backup_state=registered.backup_state,
                name=(name or "Passkey")[: errors.NAME_MAX_LENGTH],
            )
            insert(credential)
    except IntegrityError as exc:
        raise PasskeyError("This passkey is already registered.") from exc
    audit_log(
        action=realm.action("registered"),
        actor=realm.actor(user),
        tenant=realm.tenant,
        target=credential,
        details={"user": user.subject, "aaguid": registered.aaguid},
        request=request,
    )
    return credential


@cache
def _find_statement(alias: str, portal: bool):
    """The SELECT of passkey_find: the credential and its user, within one realm."""
    qn = connections[alias].ops.quote_name
    cred, user = WebAuthnCredential._meta, User._meta
    cred_cols = columns(WebAuthnCredential, alias, "c")
    user_cols = columns(User, alias, "u")
    tenant = f"u.{qn(user.get_field('tenant').column)}"
    sql = (
        f"SELECT {', '.join(cred_cols.sql + user_cols.sql)} FROM {qn(cred.db_table)} c"
        f" INNER JOIN {qn(user.db_table)} u"
        f" ON u.{qn(user.pk.column)} = c.{qn(cred.get_field('user').column)}"
        f" WHERE c.{qn(cred.get_field('credential_id').column)} = %s"
        f" AND {tenant} {'IS NULL' if portal else '= %s'}"
    )
    return sql, cred_cols, user_cols


def _find(realm: Realm, credential_id: bytes) -> WebAuthnCredential | None:
    """The credential with this id in the realm, its user attached (one statement)."""
    alias = router.db_for_read(WebAuthnCredential)
    connection = connections[alias]
    portal = realm.tenant is None
    sql, cred_cols, user_cols = _find_statement(alias, portal)
    params = [bytes(credential_id)] if portal else [bytes(credential_id), realm.tenant.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(cred_cols.attnames)
    credential = instance(alias, connection, row[:n], cred_cols)
    credential.user = instance(alias, connection, row[n:], user_cols)
    return credential


def passkey_find(*, realm: Realm, asserted: Asserted) -> WebAuthnCredential:
    """Find the credential named by an assertion within one realm, checking the user handle."""
    credential = _find(realm, asserted.credential_id)
    if credential is None or not credential.user.is_active:
        raise CredentialRejected(errors.NOT_REGISTERED)
    if asserted.user_handle is not None and bytes(credential.user.webauthn_handle) != bytes(
        asserted.user_handle
    ):
        raise CredentialRejected("The passkey's user handle does not match its owner.")
    return credential


@cache
def _counter_update_sql(alias: str) -> str:
    """The sound path's UPDATE, written once per process from the model's columns."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = WebAuthnCredential._meta
    col = {name: qn(meta.get_field(name).column) for name in (
        "sign_count", "backup_state", "backup_eligible", "last_used_at", "id"
    )}
    return (
        f"UPDATE {qn(meta.db_table)} SET {col['sign_count']} = %s, "
        f"{col['backup_state']} = %s, {col['last_used_at']} = %s "
        f"WHERE {col['id']} = %s AND {col['backup_eligible']} = %s "
        f"AND ({col['sign_count']} < %s OR (%s = 0 AND {col['sign_count']} = 0))"
    )


def _use_if_sound(credential, result: Authenticated, now, rows=()) -> bool:
    """The counter update as one atomic statement: it applies only if the stored counter is
    below the presented one (or both are 0) and backup eligibility is unchanged. PostgreSQL
    re-checks the condition on a row a concurrent statement changed, so of two assertions with
    the same counter only one passes; the other takes the locked path below and is flagged.
    `rows` are written by the same statement, only if the update applied (tenants.rows)."""
    new = result.new_sign_count
    alias = router.db_for_write(WebAuthnCredential)
    connection = connections[alias]
    last_used = WebAuthnCredential._meta.get_field("last_used_at").get_db_prep_save(
        now, connection
    )
    # With a new count of 0, "stored < 0" never holds: only a stored 0 passes, as before.
    params = [
        new, result.backup_state, last_used, credential.pk, result.backup_eligible, new, new
    ]
    return insert_all(*rows, when=(_counter_update_sql(alias), params), using=alias)


def passkey_use(
    *, realm: Realm, credential, result: Authenticated, request=None, rows=()
) -> WebAuthnCredential:
    """Record a verified sign-in; a non-increasing counter flags the passkey and refuses.
    `rows`: the caller's new rows (its audit events), written only if the use is accepted."""
    now = timezone.now()
    if _use_if_sound(credential, result, now, rows):
        # One statement, no transaction of its own: the caller's rows are written by it.
        credential.sign_count = result.new_sign_count
        credential.backup_state = result.backup_state
        credential.last_used_at = now
        return credential
    # Refused (or raced): decide why under the row lock, flag and audit in one transaction.
    with transaction.atomic():
        locked = WebAuthnCredential.objects.select_for_update().get(pk=credential.pk)
        stored, new = locked.sign_count, result.new_sign_count
        cloned = (new > 0 or stored > 0) and new <= stored
        if cloned:
            locked.possibly_cloned = True
            locked.save(update_fields=["possibly_cloned"])
            audit_log(
                action=realm.action("clone_suspected"),
                tenant=realm.tenant,
                target=locked,
                details={"stored_count": stored, "presented_count": new},
                request=request,
            )
        elif result.backup_eligible == locked.backup_eligible:
            locked.sign_count = new
            locked.backup_state = result.backup_state
            locked.last_used_at = now
            locked.save(update_fields=["sign_count", "backup_state", "last_used_at"])
            insert_all(*rows)
    # Raised after commit so the clone flag and its audit row are kept.
    if cloned:
        raise CredentialRejected(
            "This passkey's signature counter went backwards; it may have been cloned."
        )
    if result.backup_eligible != locked.backup_eligible:
        raise CredentialRejected("The passkey's backup eligibility changed.")
    locked.user = credential.user  # already loaded with the credential; saves a query
    return locked
