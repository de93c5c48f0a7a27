"""Schemathesis against /api/schema/: generated requests never get a 5xx or an off-schema reply."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from portal.api.tokens import api_token_create
from tenants.oidc.services import client_secret_generate, redirect_url_add
from tests import factories

# The API paths this issue owns; other areas of /api/v1/ are fuzzed by their own tests.
OWN_PATHS = ("/oidc/", "/members/", "/audit-events/")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
MAX_EXAMPLES = 20


@pytest.fixture
def wsgi_in_test_transaction():
    """Let raw WSGI requests share the test's transaction (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        if path.startswith("/api/v1/tenants/") and (
            path == "/api/v1/tenants/"
            or path == "/api/v1/tenants/{slug}/"
            or any(part in path for part in OWN_PATHS)
        ):
            yield operation


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_no_5xx_and_conform(wsgi_in_test_transaction, mode):
    tenant = factories.tenant()
    admin = factories.membership(tenant=tenant, role="read_write").user
    redirect_url_add(tenant=tenant, actor=admin, url="https://rp.example.com/cb")
    client_secret_generate(tenant=tenant, actor=admin, name="fuzz")
    _, token = api_token_create(user=admin, name="fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    operations = list(_operations())
    assert len(operations) >= 13, [op.label for op in operations]
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            if case.path_parameters and "slug" in case.path_parameters:
                # Mostly the real tenant, so requests get past the 404 and reach validation.
                generated = str(case.path_parameters["slug"])
                if not generated.startswith("x"):
                    case.path_parameters["slug"] = tenant.slug
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        run()
