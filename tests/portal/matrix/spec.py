"""The permission-matrix format: every portal and API URL name needs at least one Case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "read_only", "read_write", "other_tenant", "support")


@dataclass
class World:
    """Two tenants and one user per role; `tenant` is the one under test."""

    tenant: object
    other_tenant: object
    users: dict  # role -> User or None (anonymous)
    extra: dict = field(default_factory=dict)


@dataclass
class Case:
    """One request and the status expected for each role.

    `kwargs(world)` builds the URL kwargs; `data(world)` the POST/PATCH body; `setup(world)`
    may create objects first (stored in world.extra). `expect` maps each role in ROLES to a
    status code, or to a tuple of acceptable codes. `json=True` sends the body as JSON.
    """

    name: str
    expect: dict
    method: str = "GET"
    kwargs: Callable[[World], dict] = lambda w: {}
    data: Callable[[World], dict] | None = None
    setup: Callable[[World], None] | None = None
    json: bool = False
    id: str = ""

    def label(self) -> str:
        return f"{self.name}:{self.method}{(':' + self.id) if self.id else ''}"


def expect(anonymous, read_only, read_write, other_tenant, support) -> dict:
    """An `expect` mapping: one status (or tuple of statuses) per role, in the order of ROLES."""
    return dict(zip(ROLES, (anonymous, read_only, read_write, other_tenant, support), strict=True))


def tenant_slug(world: World) -> dict:
    """URL kwargs naming the tenant under test."""
    return {"slug": world.tenant.slug}
