"""Read endpoints of API v1 with personal tokens: a brand's token reads only its own
factories, and every table's CSV is byte for byte the file in the brand report's CSV
download (suppressed cells included); JSON holds the same cells; revoked, expired and
deactivated tokens are refused; reads are audited and rate-limited."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from limits import parse
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from score_impact import web
from score_impact.config import load_settings
from score_impact.db.models import AuditEvent, Enterprise, User
from score_impact.reports.export import display_tables, frame_csv, results_csv_zip
from score_impact.reports.impact import ImpactFilters, build_impact_for
from score_impact.runtime import shared, start
from score_impact.services.scope import scope_of
from score_impact.services.tokens import create_token, list_tokens, revoke_token
from score_impact.web import api_impact
from score_impact.web.api import reset_rate_limits
from tests.reports.test_data_version import submit_workers

K = 55  # the demo's Dong Nai Green Footwear (50 workers) falls below it: suppressed rows
OTHER_BRANDS_FACTORIES = ("Shenzhen Brightway Components", "Binh Duong Precision Parts",
                          "Long An Star Electronics")  # fmt: skip


@pytest.fixture
def demo(database_url, monkeypatch):
    monkeypatch.setenv("SCORE_MIN_GROUP_SIZE", str(K))
    runtime = start(load_settings(), demo=True)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def client() -> TestClient:
    reset_rate_limits()
    api_impact.clear_cache()
    return TestClient(Starlette(routes=web.routes()))


def token_for(username: str, days: int = 90, now: datetime | None = None) -> str:
    with shared().session() as s:
        user = s.scalar(select(User).where(User.username == username))
        token, _ = create_token(s, scope_of(s, user), "test", days, now or datetime.now(UTC))
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_brand_token_reads_its_own_factories_exactly_as_the_csv_download(demo, client):
    """The API's CSV is the download's table byte for byte, with machine column names (the
    download for people carries the same cells under labelled headers)."""
    headers = bearer(token_for("northwind"))
    me = client.get("/api/v1/me", headers=headers).json()
    with shared().session() as s:
        brand = s.scalar(select(User).where(User.username == "northwind"))
        scope = scope_of(s, brand)
        own = set(s.scalars(select(Enterprise.name).where(Enterprise.id.in_(scope.enterprise_ids))))
        result = build_impact_for(s, scope, ImpactFilters(), K)
    download = results_csv_zip(result)
    machine = {name: frame_csv(frame) for name, frame in display_tables(result)}
    assert {e["name"] for e in me["enterprises"]} == own and me["role"] == "brand"
    files = zipfile.ZipFile(io.BytesIO(download))
    tables = client.get("/api/v1/impact", headers=headers).json()
    assert {t["name"] for t in tables} == {n.removesuffix(".csv") for n in files.namelist()} - {
        "summary",
        "codebook",
        "method",
    }
    suppressed_cells = 0
    for table in tables:
        api_csv = client.get(table["csv_url"], headers=headers)
        assert api_csv.status_code == 200 and api_csv.headers["content-type"].startswith("text/csv")
        assert api_csv.content == machine[table["name"]], table["name"]
        people = files.read(f"{table['name']}.csv").decode("utf-8-sig")
        machine_rows = list(csv.reader(io.StringIO(api_csv.content.decode("utf-8-sig"))))
        assert len(list(csv.reader(io.StringIO(people)))) == len(machine_rows)  # labelled
        text = api_csv.content.decode("utf-8-sig")
        suppressed_cells += text.count("suppressed")
        for other in OTHER_BRANDS_FACTORIES:
            assert other not in text
    assert suppressed_cells > 0  # the small factory's cells, hidden in both
    # JSON: the same rows and cells as the CSV (suppressed cells are the word, not a number).
    for name in ("response_counts", "constructs"):
        body = client.get(f"/api/v1/impact/{name}", headers=headers).json()
        rows = list(csv.DictReader(io.StringIO(machine[name].decode("utf-8-sig"))))
        assert len(body["rows"]) == len(rows) and body["min_group_size"] == K
        assert [c["name"] for c in body["columns"]] == list(rows[0])
        for got, want in zip(body["rows"], rows, strict=True):
            assert {k for k, v in got.items() if v == "suppressed"} == {
                k for k, v in want.items() if v == "suppressed"
            }
    with shared().session() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.action == "api.read")).all()
    assert len(reads) == len(tables) + 2 and {r.username for r in reads} == {"northwind"}


def test_a_brand_cannot_filter_to_another_brands_factory(demo, client):
    headers = bearer(token_for("northwind"))
    with shared().session() as s:
        other = s.scalar(select(Enterprise.id).where(Enterprise.name == OTHER_BRANDS_FACTORIES[0]))
    response = client.get(f"/api/v1/impact/constructs?enterprise_id={other}", headers=headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


@pytest.fixture
def plain(rt, world, accounts, client) -> TestClient:
    return client


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer sit_" + "x" * 43, "Basic a"])
def test_missing_or_unknown_tokens_are_refused(plain, header):
    response = plain.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_invalid"
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_refused(plain, accounts):
    token = token_for(accounts.brand)
    assert plain.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with shared().session() as s:
        user = s.scalar(select(User).where(User.username == accounts.brand))
        [info] = list_tokens(s, scope_of(s, user))
        revoke_token(s, scope_of(s, user), info.id, datetime.now(UTC))
    response = plain.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"


def test_expired_token_is_refused(plain, accounts):
    token = token_for(accounts.trainer, days=30, now=datetime.now(UTC) - timedelta(days=31))
    response = plain.get("/api/v1/impact/constructs.csv", headers=bearer(token))
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"


def test_deactivated_account_token_is_refused(plain, accounts):
    token = token_for(accounts.admin)
    with shared().session() as s:
        s.scalar(select(User).where(User.username == accounts.admin)).is_active = False
        s.commit()
    assert plain.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_reads_are_rate_limited_per_token(plain, accounts, monkeypatch):
    monkeypatch.setattr("score_impact.web.api.TOKEN_RATE", parse("3/minute"))
    headers = bearer(token_for(accounts.brand))
    assert [plain.get("/api/v1/me", headers=headers).status_code for _ in range(4)] == [
        200, 200, 200, 429,
    ]  # fmt: skip
    other = bearer(token_for(accounts.trainer))  # another token has its own allowance
    assert plain.get("/api/v1/me", headers=other).status_code == 200


def test_unknown_table_and_bad_filters_answer_in_the_error_shape(plain, accounts):
    headers = bearer(token_for(accounts.brand))
    response = plain.get("/api/v1/impact/passwords", headers=headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    response = plain.get("/api/v1/impact/constructs?baseline=yesterday", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["where"] == "query.baseline"


def _alpha_responses(client: TestClient, headers: dict[str, str]) -> list:
    body = client.get("/api/v1/impact/response_counts", headers=headers).json()
    return [
        r["responses"]
        for r in body["rows"]
        if r["enterprise"] == "Alpha Garments" and r["phase"] == "baseline"
    ]


def test_a_read_sees_a_response_submitted_after_the_cached_one(plain, rt, world, accounts):
    headers = bearer(token_for(accounts.brand))
    submit_workers(rt, world, world.enterprise_ids[0], n=5)
    assert _alpha_responses(plain, headers) == [5]
    submit_workers(rt, world, world.enterprise_ids[0])
    assert _alpha_responses(plain, headers) == [6]  # no cache lifetime to wait out
