"""Fixtures for the ledger tests: one real PostgreSQL per test session (per xdist worker), a fresh database
per test, moto for Secrets Manager and SQS, and the Data API adapter that runs requests on PostgreSQL."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import boto3
import pg8000.native
import pytest
from data_api_adapter import PostgresDataApi
from ledger_fixtures import CLUSTER_ARN, REGION
from moto import mock_aws
from postgres_server import SUPERUSER, RunningServer, postgres_server

APP_DIR = Path(__file__).resolve().parents[2] / "app"
# The app tests' fake clock (tests/app/fake_clock.py) stands in for the functions' clock here too.
APP_TESTS_DIR = Path(__file__).resolve().parents[1] / "app"
for directory in (APP_DIR, APP_TESTS_DIR):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))

from ledger.credentials import ensure_credentials  # noqa: E402
from ledger.data_api import DataApi  # noqa: E402 - needs app/ on sys.path, as in the Lambda runtime
from ledger.migrate import migrate  # noqa: E402
from ledger.schema import load_migrations  # noqa: E402


@pytest.fixture(scope="session")
def postgres() -> Iterator[RunningServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def admin(postgres: RunningServer) -> Iterator[pg8000.native.Connection]:
    connection = pg8000.native.Connection(
        SUPERUSER, unix_sock=postgres.socket_path, database="postgres", ssl_context=False
    )
    yield connection
    connection.close()


@pytest.fixture
def database(admin: pg8000.native.Connection) -> Iterator[str]:
    """A new empty database; the cluster-wide application role and users are dropped with it."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    admin.run(f"CREATE DATABASE {name} STRATEGY FILE_COPY")
    yield name
    admin.run(f"DROP DATABASE {name} WITH (FORCE)")
    admin.run("DROP ROLE IF EXISTS trading_app_a, trading_app_b, trading_app")


@pytest.fixture
def aws_region() -> str:
    """The region of this folder's mocked AWS (tests/conftest.py's aws_credentials sets it)."""
    return REGION


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[SimpleNamespace]:
    """moto's Secrets Manager (the master secret and an empty application secret) and SQS (the DLQ)."""
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        master = secrets.create_secret(
            Name="rds!cluster-test", SecretString=json.dumps({"username": SUPERUSER, "password": "unused"})
        )["ARN"]
        app = secrets.create_secret(Name="trading-ledger-app-test")["ARN"]
        queue_url = sqs.create_queue(QueueName="trading-ledger-dlq-test")["QueueUrl"]
        yield SimpleNamespace(
            secrets=secrets, sqs=sqs, master_secret=master, app_secret=app, queue_url=queue_url
        )


@pytest.fixture
def data_api_client(
    postgres: RunningServer, aws: SimpleNamespace, database: str
) -> Iterator[PostgresDataApi]:
    client = PostgresDataApi(postgres.socket_path, aws.secrets, CLUSTER_ARN)
    yield client
    client.close()


@pytest.fixture
def master_api(data_api_client: PostgresDataApi, aws: SimpleNamespace, database: str) -> DataApi:
    """The Data API as the migration function uses it: with the master secret."""
    return DataApi(data_api_client, CLUSTER_ARN, aws.master_secret, database)


@pytest.fixture
def ledger_api(
    master_api: DataApi, data_api_client: PostgresDataApi, aws: SimpleNamespace, database: str
) -> DataApi:
    """A migrated ledger, and the Data API as the writer and the orders API use it: the application secret."""
    migrate(master_api, load_migrations())
    ensure_credentials(master_api, aws.secrets, aws.app_secret, database)
    return DataApi(data_api_client, CLUSTER_ARN, aws.app_secret, database)
