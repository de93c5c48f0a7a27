"""Rate limits of the sign-in pages, several fixed windows per subject."""

from __future__ import annotations

from accounts import ratelimit

# A burst is cut off after a minute's worth and a slow stream after an hour's worth; every
# window ends, so nobody is locked out for good.
LIMITS_OPTIONS = (
    ratelimit.Limit("idp-options-ip-1m", 60, 60),
    ratelimit.Limit("idp-options-ip-1h", 600, 3600),
)
LIMITS_OPTIONS_EMAIL = (ratelimit.Limit("idp-options-email-1m", 20, 60),)
LIMITS_VERIFY = (
    ratelimit.Limit("idp-verify-ip-1m", 30, 60),
    ratelimit.Limit("idp-verify-ip-1h", 300, 3600),
)
LIMITS_MAIL_IP = (
    ratelimit.Limit("idp-mail-ip-10m", 20, 600),
    ratelimit.Limit("idp-mail-ip-1d", 100, 86400),
)
LIMITS_MAIL_EMAIL = (
    ratelimit.Limit("idp-mail-email-10m", 3, 600),
    ratelimit.Limit("idp-mail-email-1d", 10, 86400),
)
LIMITS_CODE_IP = (ratelimit.Limit("idp-code-ip-10m", 30, 600),)


def limit_pairs(limits, subject: str) -> list:
    """A tier of limits for one subject as (Limit, subject) pairs, for a step that counts them
    in its own round trip (a challenge's storing or taking)."""
    return [(limit, subject) for limit in limits]


def rate_limit(limits, subject: str) -> None:
    """Apply a tier of limits to one subject (raises accounts.ratelimit.RateLimited)."""
    ratelimit.check(limit_pairs(limits, subject))


def rate_limits(*tiers) -> None:
    """Apply (limits, subject) tiers in order, in one round trip (raises RateLimited)."""
    ratelimit.check([(limit, subject) for limits, subject in tiers for limit in limits])
