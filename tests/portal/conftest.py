"""Members of the test tenant, for the portal's page and API tests."""

import pytest

from tests import factories


@pytest.fixture
def admin(tenant):
    """A read-write member."""
    return factories.membership(tenant=tenant, role="read_write").user


@pytest.fixture
def reader(tenant):
    """A read-only member."""
    return factories.membership(tenant=tenant, role="read_only").user
