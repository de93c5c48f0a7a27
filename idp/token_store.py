"""The code exchange's reads and writes, as plain statements written once per process.

The ORM spent more CPU compiling the exchange's queries than PostgreSQL spent running them, so
the token endpoint reads everything it needs about a code in one portable SELECT, and claims
the code and writes its tokens in one statement on PostgreSQL (one transaction elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)

from idp.models import AuthorizationCode

_CODE_FIELDS = (
    "id",
    "tenant",
    "client",
    "auth_time",
    "amr",
    "refresh_token_family",
    "redeemed_at",
    "expires_at",
)
_GRANT_FIELDS = (
    "id",
    "expires",
    "redirect_uri",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "claims",
    "resource",
)


@dataclass
class CodeFacts:
    """What the exchange needs about one code: our record, DOT's grant (if any), the user."""

    code_id: int
    client_id: int
    auth_time: int
    amr: list
    refresh_token_family: object
    redeemed: bool
    expires_at: datetime
    grant_id: int | None
    grant_expires: datetime | None
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    nonce: str
    claims: str
    resource: list
    user: object

    def redeemable(self, now: datetime) -> bool:
        """Not redeemed yet, not expired, and DOT's grant still there."""
        return (
            not self.redeemed
            and self.expires_at > now
            and self.grant_id is not None
            and self.grant_expires > now
        )


def _fields(model, names):
    return [model._meta.get_field(name) for name in names]


def _converters(connection, fields, alias) -> list:
    """Per column, the backend's and the field's from-database converters (as the ORM uses)."""
    out = []
    for field in fields:
        col = field.get_col(alias)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        out.append((found, col))
    return out


@cache
def _facts_statement(alias: str):
    """The SELECT of code_facts for one database, with its column converters."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    user_model = get_user_model()
    code_fields = _fields(AuthorizationCode, _CODE_FIELDS)
    grant_fields = _fields(get_grant_model(), _GRANT_FIELDS)
    user_fields = list(user_model._meta.concrete_fields)
    columns = (
        [f"c.{qn(f.column)}" for f in code_fields]
        + [f"g.{qn(f.column)}" for f in grant_fields]
        + [f"u.{qn(f.column)}" for f in user_fields]
    )
    code_table = AuthorizationCode._meta
    grant_table = get_grant_model()._meta
    c = code_table.get_field
    g = grant_table.get_field
    sql = (
        f"SELECT {', '.join(columns)} FROM {qn(code_table.db_table)} c"
        f" INNER JOIN {qn(user_model._meta.db_table)} u"
        f" ON u.{qn(user_model._meta.pk.column)} = c.{qn(c('user').column)}"
        f" LEFT OUTER JOIN {qn(grant_table.db_table)} g ON g.{qn(g('code').column)} = %s"
        f" AND g.{qn(g('application').column)} = c.{qn(c('client').column)}"
        f" AND g.{qn(g('user').column)} = c.{qn(c('user').column)}"
        # The digest alone picks the row (its unique index); the tenant is compared after, so
        # a prepared statement's generic plan cannot pick the tenant's index instead.
        f" WHERE c.{qn(c('code_digest').column)} = %s"
    )
    converters = (
        _converters(connection, code_fields, "c")
        + _converters(connection, grant_fields, "g")
        + _converters(connection, user_fields, "u")
    )
    return sql, converters, [f.attname for f in user_fields]


def code_facts(*, tenant_id: int, code: str, digest: str) -> CodeFacts | None:
    """The code's record in this tenant, its DOT grant (None once redeemed) and its user."""
    alias = router.db_for_read(AuthorizationCode)
    connection = connections[alias]
    sql, converters, user_attnames = _facts_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [code, digest])
        row = cursor.fetchone()
    if row is None or row[1] != tenant_id:  # another tenant's code is no code here
        return None
    values = []
    for value, (found, col) in zip(row, converters, strict=True):
        for converter in found:
            value = converter(value, col, connection)
        values.append(value)
    n_code, n_grant = len(_CODE_FIELDS), len(_GRANT_FIELDS)
    code_id, _tenant, client_id, auth_time, amr, family, redeemed_at, expires_at = values[:n_code]
    grant = values[n_code : n_code + n_grant]
    user = get_user_model().from_db(alias, user_attnames, values[n_code + n_grant :])
    return CodeFacts(
        code_id=code_id,
        client_id=client_id,
        auth_time=auth_time,
        amr=list(amr or []),
        refresh_token_family=family,
        redeemed=redeemed_at is not None,
        expires_at=expires_at,
        grant_id=grant[0],
        grant_expires=grant[1],
        redirect_uri=grant[2] or "",
        scope=grant[3] or "",
        code_challenge=grant[4] or "",
        code_challenge_method=grant[5] or "",
        nonce=grant[6] or "",
        claims=grant[7] or "",
        resource=_json_list(grant[8]),
        user=user,
    )


def _json_list(value) -> list:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


# --- the exchange's writes ------------------------------------------------------------------


def _insert_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _db_values(connection, obj, fields) -> list:
    """What Model.save() would send for these fields (auto_now, checksums, JSON adaptation)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _shared(field) -> str | None:
    """The claim's column a token row takes for this field: the code's user and client, and
    the claim's time for created/updated (fewer parameters to send)."""
    if field.attname == "user_id":
        return "claim.user_id"
    if field.attname == "application_id":
        return "claim.client_id"
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "claim.redeemed_at"
    return None


@cache
def _redeem_statement(alias: str, with_refresh_token: bool):
    """PostgreSQL: claim the code, drop DOT's grant and insert the tokens, all or nothing.

    Every step hangs on the claim's RETURNING row: when a concurrent redemption claimed the
    code first, the UPDATE (after waiting for its row lock) matches nothing and nothing else
    is written. One statement is atomic by itself, so it needs no BEGIN/COMMIT.
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    code = AuthorizationCode._meta
    grant = get_grant_model()._meta

    def cast(field):
        return f"CAST(%s AS {field.db_type(connection)})"

    def insert(model, source, refs):
        fields = _insert_fields(model)
        exprs, params = [], []
        for field in fields:
            expr = refs.get(field.attname) or _shared(field)
            if expr is None:
                expr = cast(field)
                params.append(field)
            exprs.append(expr)
        opts = model._meta
        sql = (
            f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)})"
            f" SELECT {', '.join(exprs)} FROM {source} RETURNING {qn(opts.pk.column)}"
        )
        return sql, params

    redeemed = code.get_field("redeemed_at")
    returning = ", ".join(
        f"{qn(code.get_field(name).column)} AS {name}"
        for name in ("id", "client_id", "user_id", "redeemed_at")
    )
    parts = [
        "claim AS (UPDATE {t} SET {r} = {v} WHERE {pk} = %s AND {r} IS NULL AND {e} > {v}"
        " RETURNING {returning})".format(
            t=qn(code.db_table),
            r=qn(redeemed.column),
            v=cast(redeemed),
            pk=qn(code.pk.column),
            e=qn(code.get_field("expires_at").column),
            returning=returning,
        ),
        f"grant_gone AS (DELETE FROM {qn(grant.db_table)} WHERE {qn(grant.pk.column)} = %s"
        f" AND EXISTS (SELECT 1 FROM claim) RETURNING {qn(grant.pk.column)})",
    ]
    plan = {}
    sql, plan["access_token"] = insert(get_access_token_model(), "claim", {})
    parts.append(f"access_token AS ({sql})")
    if with_refresh_token:
        refs = {"access_token_id": "access_token.id"}
        sql, plan["refresh_token"] = insert(get_refresh_token_model(), "access_token, claim", refs)
        parts.append(f"refresh_token AS ({sql})")
    statement = (
        f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM claim),"
        " (SELECT count(*) FROM grant_gone), (SELECT count(*) FROM access_token)"
    )
    return statement, plan, redeemed


def code_redeem(*, facts: CodeFacts, now: datetime, access_token, refresh_token=None) -> bool:
    """Claim the code (single use) and store its tokens; False when it was claimed already.

    The tokens are unsaved model instances; `refresh_token.access_token` is filled in from
    the row written here.
    """
    alias = router.db_for_write(get_access_token_model())
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return _code_redeem_portable(
            alias=alias,
            facts=facts,
            now=now,
            access_token=access_token,
            refresh_token=refresh_token,
        )
    statement, plan, redeemed = _redeem_statement(alias, refresh_token is not None)
    now_db = redeemed.get_db_prep_save(now, connection)
    params = [now_db, facts.code_id, now_db, facts.grant_id]
    for name, obj in (
        ("access_token", access_token),
        ("refresh_token", refresh_token),
    ):
        if obj is not None:
            params += _db_values(connection, obj, plan[name])
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        claimed, _grants, _access = cursor.fetchone()
    return bool(claimed)


def _code_redeem_portable(*, alias, facts, now, access_token, refresh_token) -> bool:
    # SQLite has no data-modifying WITH: the same steps, one transaction (no savepoint: the
    # code exchange runs outside any other transaction).
    with transaction.atomic(using=alias, savepoint=False):
        claimed = (
            AuthorizationCode.objects.using(alias)
            .filter(pk=facts.code_id, redeemed_at__isnull=True, expires_at__gt=now)
            .update(redeemed_at=now)
        )
        if not claimed:
            return False
        get_grant_model().objects.using(alias).filter(pk=facts.grant_id).delete()
        access_token.save(using=alias)
        if refresh_token is not None:
            refresh_token.access_token = access_token
            refresh_token.save(using=alias)
    return True
