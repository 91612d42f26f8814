"""The application's credentials against a real PostgreSQL and moto's Secrets Manager: the first value of the
application secret, and its rotation between the two application users, step by step as Secrets Manager runs
it, with the users' logins and privileges checked on the server."""

import json
import time
import uuid
from types import SimpleNamespace

import pg8000.native
import pytest
from botocore.exceptions import ClientError
from data_api_adapter import PostgresDataApi
from fake_clock import FakeClock
from ledger import migrate as migrate_module
from ledger.credentials import ROTATION_STEPS, CredentialsError, ensure_credentials, rotate, scram_verifier
from ledger.data_api import DataApi
from ledger.migrate import migrate
from ledger.orders import record_order
from ledger.schema import load_migrations
from ledger_fixtures import CLUSTER_ARN, REGION, order_item
from moto.core import DEFAULT_ACCOUNT_ID
from moto.secretsmanager.models import secretsmanager_backends
from postgres_server import APP_USERS

FIRST, SECOND = APP_USERS


def secret(aws, stage="AWSCURRENT"):
    return json.loads(
        aws.secrets.get_secret_value(SecretId=aws.app_secret, VersionStage=stage)["SecretString"]
    )


def log_in(postgres, database, username, password):
    connection = pg8000.native.Connection(
        username, password=password, unix_sock=postgres.socket_path, database=database, ssl_context=False
    )
    try:
        return connection.run("SELECT current_user")[0][0]
    finally:
        connection.close()


def assert_refused(postgres, database, username, password):
    """The server refuses the password (pg8000 raises it directly or wrapped, depending on the attempt)."""
    with pytest.raises((pg8000.native.InterfaceError, pg8000.native.DatabaseError)) as refused:
        log_in(postgres, database, username, password)
    chain, error = [], refused.value
    while error is not None:
        chain.append(str(error))
        error = error.__context__
    assert any("password authentication failed" in text for text in chain), chain


def start_rotation(aws):
    """What RotateSecret does before it first invokes the function: a new version labelled AWSPENDING, with
    no value yet (moto does the same, then invokes the function through its Lambda emulation: Docker)."""
    token = str(uuid.uuid4())
    stored = secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets[aws.app_secret]
    stored.versions[token] = {
        "createdate": int(time.time()),
        "version_id": token,
        "version_stages": ["AWSPENDING"],
    }
    return token


def rotate_fully(master_api, aws, database):
    token = start_rotation(aws)
    return [rotate(master_api, aws.secrets, aws.app_secret, database, step, token) for step in ROTATION_STEPS]


@pytest.fixture
def provisioned(master_api, aws, database):
    """A migrated ledger whose application secret has its first value."""
    migrate(master_api, load_migrations())
    assert ensure_credentials(master_api, aws.secrets, aws.app_secret, database) == "created"
    return master_api


def test_the_scram_verifier_matches_the_known_answer():
    # PostgreSQL's own verifier for password "secret" with this salt (computed by the server's algorithm).
    verifier = scram_verifier("secret", b"0123456789abcdef", 4096)
    assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
    assert len(verifier.split("$")[2].split(":")) == 2


def test_credentials_are_created_once_and_let_the_first_user_log_in(provisioned, aws, database, postgres):
    value = secret(aws)
    assert (value["username"], value["engine"], value["dbname"]) == (FIRST, "postgres", database)
    assert len(value["password"]) >= 40
    # The server checks the password with SCRAM: the verifier the function sent is right.
    assert log_in(postgres, database, FIRST, value["password"]) == FIRST
    assert_refused(postgres, database, FIRST, "wrong")
    stored = provisioned.execute("SELECT rolpassword FROM pg_authid WHERE rolname = :user", {"user": FIRST})
    assert str(stored.rows[0][0]).startswith("SCRAM-SHA-256$4096:")
    # The other user exists but cannot log in until a rotation gives it a password.
    states = provisioned.execute(
        "SELECT rolname, CAST(rolcanlogin AS text) FROM pg_roles WHERE rolname LIKE 'trading%' ORDER BY 1"
    )
    assert states.rows == [["trading_app", "false"], [FIRST, "true"], [SECOND, "false"]]
    assert ensure_credentials(provisioned, aws.secrets, aws.app_secret, database) == "kept"
    assert secret(aws)["password"] == value["password"]


def test_a_rotation_moves_the_secret_to_the_other_user_while_the_first_keeps_working(
    provisioned, aws, database, postgres
):
    before = secret(aws)
    assert rotate_fully(provisioned, aws, database) == [
        f"pending {SECOND}",
        f"password set for {SECOND}",
        f"{SECOND} may log in",
        "finished",
    ]
    after = secret(aws)
    assert (after["username"], after["dbname"]) == (SECOND, database)
    assert after["password"] != before["password"]
    assert secret(aws, "AWSPREVIOUS") == before
    # Connections made with the previous version (the writer's, the API's) still log in...
    assert log_in(postgres, database, FIRST, before["password"]) == FIRST
    # ...and new ones, as the Data API makes them from the current version, are the second user, with the
    # ledger's privileges through trading_app.
    fresh = PostgresDataApi(postgres.socket_path, aws.secrets, CLUSTER_ARN)
    try:
        api = DataApi(fresh, CLUSTER_ARN, aws.app_secret, database)
        assert api.execute("SELECT CAST(current_user AS text)").rows == [[SECOND]]
        assert record_order(api, order_item()) is True
        with pytest.raises(ClientError, match="permission denied"):
            api.execute("DELETE FROM orders_ledger")
    finally:
        fresh.close()

    # The next rotation returns to the first user, with a new password; the second keeps its own.
    rotate_fully(provisioned, aws, database)
    again = secret(aws)
    assert again["username"] == FIRST
    assert again["password"] not in (before["password"], after["password"])
    assert log_in(postgres, database, FIRST, again["password"]) == FIRST
    assert log_in(postgres, database, SECOND, after["password"]) == SECOND
    assert_refused(postgres, database, FIRST, before["password"])


def test_repeated_steps_change_nothing(provisioned, aws, database):
    token = start_rotation(aws)
    assert (
        rotate(provisioned, aws.secrets, aws.app_secret, database, "createSecret", token)
        == f"pending {SECOND}"
    )
    pending = secret(aws, "AWSPENDING")
    assert rotate(provisioned, aws.secrets, aws.app_secret, database, "createSecret", token) == "pending kept"
    assert secret(aws, "AWSPENDING") == pending
    for step in ROTATION_STEPS[1:]:
        rotate(provisioned, aws.secrets, aws.app_secret, database, step, token)
    assert (
        rotate(provisioned, aws.secrets, aws.app_secret, database, "finishSecret", token) == "already current"
    )
    assert secret(aws) == pending


def test_the_test_step_fails_when_the_pending_user_cannot_log_in(provisioned, aws, database):
    token = start_rotation(aws)
    rotate(provisioned, aws.secrets, aws.app_secret, database, "createSecret", token)
    with pytest.raises(CredentialsError, match=f"user {SECOND} cannot log in with the ledger's privileges"):
        rotate(provisioned, aws.secrets, aws.app_secret, database, "testSecret", token)


def test_requests_for_other_versions_or_steps_are_refused(provisioned, aws, database):
    first_version = aws.secrets.describe_secret(SecretId=aws.app_secret)["VersionIdsToStages"]
    rotate_fully(provisioned, aws, database)
    (previous,) = first_version  # now labelled AWSPREVIOUS only
    with pytest.raises(
        CredentialsError, match=f"version {previous} of the application secret is not pending"
    ):
        rotate(provisioned, aws.secrets, aws.app_secret, database, "setSecret", previous)
    with pytest.raises(CredentialsError, match="version nope is not a version of the application secret"):
        rotate(provisioned, aws.secrets, aws.app_secret, database, "setSecret", "nope")
    with pytest.raises(
        CredentialsError, match="unknown rotation step 'dropSecret': Secrets Manager sends createSecret"
    ):
        rotate(provisioned, aws.secrets, aws.app_secret, database, "dropSecret", previous)


def test_a_failure_reading_the_pending_version_is_raised(provisioned, aws, database):
    token = start_rotation(aws)
    aws.secrets.delete_secret(SecretId=aws.app_secret)
    with pytest.raises(ClientError):
        rotate(provisioned, aws.secrets, aws.app_secret, database, "createSecret", token)


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        json.dumps(["a"]),
        json.dumps({"username": "someone", "password": "x"}),
        json.dumps({"username": "trading_app", "password": "x"}),
        json.dumps({"username": FIRST}),
    ],
)
def test_an_application_secret_in_the_wrong_shape_is_refused(master_api, aws, database, stored):
    migrate(master_api, load_migrations())
    aws.secrets.put_secret_value(SecretId=aws.app_secret, SecretString=stored)
    message = (
        r"the application secret \(AWSCURRENT\) must be JSON with a username of "
        "trading_app_a or trading_app_b"
    )
    with pytest.raises(CredentialsError, match=message):
        ensure_credentials(master_api, aws.secrets, aws.app_secret, database)


def test_a_secrets_manager_failure_other_than_no_value_is_raised(provisioned, aws, database):
    aws.secrets.delete_secret(SecretId=aws.app_secret)  # scheduled for deletion: refused, not "no value"
    with pytest.raises(ClientError) as raised:
        ensure_credentials(provisioned, aws.secrets, aws.app_secret, database)
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"


def _rotation_event(aws, step, token, **overrides):
    return {"Step": step, "SecretId": aws.app_secret, "ClientRequestToken": token, **overrides}


@pytest.fixture
def rotation_handler(monkeypatch, provisioned, data_api_client, aws, database):
    """The migration function as Secrets Manager invokes it, with the stack's environment."""
    environ = {
        "DB_CLUSTER_ARN": CLUSTER_ARN,
        "DB_MASTER_SECRET_ARN": aws.master_secret,
        "DB_APP_SECRET_ARN": aws.app_secret,
        "DB_NAME": database,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    clients = {"rds-data": data_api_client, "secretsmanager": aws.secrets}
    monkeypatch.setattr(migrate_module, "client", clients.__getitem__)
    monkeypatch.setattr(migrate_module, "_clock", FakeClock())
    context = SimpleNamespace(aws_request_id="req-7", get_remaining_time_in_millis=lambda: 300_000)
    return lambda event: migrate_module.handler(event, context)


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_secrets_manager_rotates_through_the_migration_function_one_line_a_step(
    rotation_handler, aws, capsys
):
    token = start_rotation(aws)
    summaries = [rotation_handler(_rotation_event(aws, step, token)) for step in ROTATION_STEPS]
    assert [summary["step"] for summary in summaries] == list(ROTATION_STEPS)
    assert summaries[-1]["outcome"] == "finished"
    assert secret(aws)["username"] == SECOND
    lines = _lines(capsys)
    assert [(line["message"], line["rotationStep"], line["level"]) for line in lines] == [
        ("rotation step done", step, "INFO") for step in ROTATION_STEPS
    ]
    passwords = {secret(aws, stage)["password"] for stage in ("AWSCURRENT", "AWSPREVIOUS")}
    assert not any(password in json.dumps(line) for line in lines for password in passwords)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other"},
            "rotates only the ledger's",
        ),
        ({"ClientRequestToken": None}, "the rotation event has no ClientRequestToken"),
        ({"Step": 5}, "unknown rotation step '5'"),
    ],
)
def test_a_rotation_request_it_cannot_serve_fails_with_one_line(
    rotation_handler, aws, capsys, overrides, message
):
    with pytest.raises(CredentialsError, match=message):
        rotation_handler(_rotation_event(aws, "createSecret", start_rotation(aws), **overrides))
    (line,) = _lines(capsys)
    assert (line["errorCode"], line["level"]) == ("CredentialsError", "ERROR")
    assert line["message"].startswith("rotation failed: ")
    assert line.get("rotationStep") == (None if overrides.get("Step") == 5 else "createSecret")


def test_an_aws_failure_during_a_rotation_is_a_credentials_error(rotation_handler, aws, capsys):
    token = start_rotation(aws)
    aws.secrets.delete_secret(SecretId=aws.app_secret)
    with pytest.raises(CredentialsError, match=r"an AWS call failed \(InvalidRequestException\)"):
        rotation_handler(_rotation_event(aws, "setSecret", token))
    (line,) = _lines(capsys)
    assert (line["message"], line["errorCode"]) == (
        "rotation failed: an AWS call failed",
        "InvalidRequestException",
    )
