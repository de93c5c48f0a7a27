"""Custom domains, per-tenant WebAuthn RP IDs and related origins."""
