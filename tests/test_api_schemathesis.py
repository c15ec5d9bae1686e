"""Property-based run of schemathesis against the app's own OpenAPI schema (fake encoder, in process).

Each operation gets 30 generated requests that satisfy the schema (positive) and, where the
operation has inputs, 30 that violate it (negative). Every response must pass schemathesis' checks:
no 5xx, status codes, content types and bodies as documented, schema-valid input accepted,
schema-invalid input rejected with a 4xx, 405s with an Allow header. ``derandomize`` keeps the run
reproducible in CI.

``schema.parametrize()`` with ``schemathesis.pytest.from_fixture`` fails under pytest 9
(schemathesis 4.32 sets ``request.node._nodeid``, which pytest 9 no longer has), so the same
strategies are driven by ``@given`` here, one pytest case per operation and mode.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from memqa.api.app import create_app
from schemathesis import GenerationMode

OPERATIONS = [
    ("POST", "/ask"),
    ("GET", "/sections"),
    ("GET", "/sections/{section_id}"),
    ("GET", "/reports"),
    ("GET", "/scorecard"),
    ("GET", "/compare"),
    ("GET", "/health"),
    ("GET", "/tools/openai.json"),
]
WITH_INPUTS = [("POST", "/ask"), ("GET", "/compare")]  # any string is a valid section id (unknown ones are 404s, tested)


@pytest.fixture(scope="module")
def api_schema(fake_assistant):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(fake_assistant))


def run_operation(api_schema, method: str, path: str, mode: GenerationMode) -> list[int]:
    statuses: list[int] = []

    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case):
        response = case.call_and_validate()
        statuses.append(response.status_code)

    check()
    return statuses


def test_every_operation_is_fuzzed(api_schema):
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_valid_requests_meet_the_schema(api_schema, method, path):
    statuses = run_operation(api_schema, method, path, GenerationMode.POSITIVE)
    assert statuses and max(statuses) < 500


@pytest.mark.parametrize(("method", "path"), WITH_INPUTS, ids=[f"{m} {p}" for m, p in WITH_INPUTS])
def test_invalid_requests_get_a_documented_4xx(api_schema, method, path):
    statuses = run_operation(api_schema, method, path, GenerationMode.NEGATIVE)
    assert statuses and all(400 <= s < 500 for s in statuses)
