"""The API's OpenAPI document is valid OpenAPI 3.1, documents every route, the token
security and the one error shape, and real answers validate against its schemas."""

from __future__ import annotations

import jsonschema
import pytest
from fastapi.routing import APIRoute
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.web import api_impact, api_tablet
from score_impact.web.api import create_api, reset_rate_limits
from tests.conftest import WORKER_CODE


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_api().openapi()


def test_the_document_is_valid_openapi(spec):
    validate(spec)  # raises with the first problem
    assert spec["openapi"].startswith("3.1")


def test_every_route_is_documented(spec):
    routes = {
        (route.path, method.lower())
        for router in (api_tablet.router, api_impact.router)
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes == documented and len(routes) >= 6


def test_read_endpoints_need_a_bearer_token_and_errors_have_one_shape(spec):
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert bool(op.get("security")) == (not path.startswith("/tablet/")), path
            for status in ("422", "429"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorResponse"


def schema_of(spec: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def test_real_answers_validate_against_the_documented_schemas(rt, world, spec):
    reset_rate_limits()
    client = TestClient(Starlette(routes=web.routes()))
    served = client.get("/api/v1/openapi.json").json()
    assert served["servers"] == [{"url": "/api/v1"}]  # paths are relative to the mount
    bundle = client.get(f"/api/v1/tablet/rounds/{WORKER_CODE}").json()
    jsonschema.validate(bundle, schema_of(spec, "RoundBundle"))
    error = client.get("/api/v1/tablet/rounds/NOSUCH").json()
    jsonschema.validate(error, schema_of(spec, "ErrorResponse"))
    page = client.get("/api/v1/docs").text
    for path in spec["paths"]:
        assert f"/api/v1{path}" in page
