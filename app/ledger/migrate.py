"""Migration function (`ledger.migrate.handler`): brings the ledger's schema to the version in this code.

Pulumi invokes it at deploy whenever the migrations change (an `aws.lambda_.Invocation` keyed on their
digest). It alone uses the cluster's master secret. It applies each pending migration in its own
transaction and records it in `schema_version`; refuses a migration that was edited after it was applied;
then gives the application role the password kept in the application secret (creating both on first run).
Any failure raises, so the invocation, and with it `pulumi up`, fails with the message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from orders_api.clock import SYSTEM_CLOCK, Clock
from orders_api.logs import log

from .data_api import RETRYABLE_ERROR_CODES, DataApi
from .runtime import CALL_BUDGET_MS, ConfigError, client, database_target, json_logger, required
from .schema import Migration, MigrationFileError, load_migrations

MASTER_SECRET_ARN_VAR = "DB_MASTER_SECRET_ARN"
APP_SECRET_ARN_VAR = "DB_APP_SECRET_ARN"
APP_ROLE = "trading_app"  # created by migration 0002
SCRAM_ITERATIONS = 4096
RESUME_POLL_SECONDS = 5

SCHEMA_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
APPLIED = "SELECT version, name, checksum FROM schema_version ORDER BY version"
RECORD_VERSION = "INSERT INTO schema_version (version, name, checksum) VALUES (:version, :name, :checksum)"


class MigrationError(Exception):
    """The schema could not be brought up to date; the message says which migration and why."""


def wait_for_database(api: DataApi, remaining_ms: Callable[[], int], clock: Clock = SYSTEM_CLOCK) -> None:
    """Return once the database answers, waiting on `clock` while a paused cluster resumes (within the time
    left)."""
    while True:
        try:
            api.execute("SELECT 1")
            return
        except ClientError as error:
            code = _code(error)
            if (
                code not in RETRYABLE_ERROR_CODES
                or remaining_ms() < CALL_BUDGET_MS + RESUME_POLL_SECONDS * 1000
            ):
                raise MigrationError(f"the database is not reachable ({code}): {_message(error)}") from None
        clock.sleep(RESUME_POLL_SECONDS)


def migrate(api: DataApi, migrations: list[Migration]) -> list[str]:
    """Apply the migrations the database lacks, in order; the names of those applied."""
    api.execute(SCHEMA_VERSION_TABLE)
    applied = {int(version): (name, checksum) for version, name, checksum in api.execute(APPLIED).rows}
    known = {migration.version: migration for migration in migrations}
    for version, (name, checksum) in applied.items():
        if version not in known:
            raise MigrationError(
                f"the database has migration {name}, which this code does not: deploy the code that has it"
            )
        if known[version].checksum != checksum:
            raise MigrationError(
                f"migration {name} was changed after it was applied: restore it and put the change in a new "
                "migration"
            )
    newest = max(applied, default=0)
    pending = [migration for migration in migrations if migration.version not in applied]
    for migration in pending:
        if migration.version < newest:
            raise MigrationError(
                f"migration {migration.name} is older than the applied {applied[newest][0]}: renumber it "
                "after the newest one"
            )
        _apply(api, migration)
    return [migration.name for migration in pending]


def _apply(api: DataApi, migration: Migration) -> None:
    transaction = api.begin()
    number = 0
    try:
        for statement in migration.statements:
            number += 1
            api.execute(statement, transaction_id=transaction)
        number += 1
        api.execute(
            RECORD_VERSION,
            {"version": migration.version, "name": migration.name, "checksum": migration.checksum},
            transaction,
        )
        api.commit(transaction)
    except ClientError as error:
        api.rollback(transaction)
        where = f"statement {number} of {len(migration.statements)}"
        if number > len(migration.statements):
            where = "recording it in schema_version"
        raise MigrationError(
            f"migration {migration.name} failed at {where} and was rolled back: {_message(error)}"
        ) from None


def scram_verifier(password: str, salt: bytes, iterations: int = SCRAM_ITERATIONS) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of `password` (RFC 5802/7677), as `ALTER ROLE ... PASSWORD` takes.

    Sending the verifier, not the password, keeps the password out of the statement and any log of it.
    """
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def ensure_credentials(api: DataApi, secrets_client: Any, secret_arn: str, database: str) -> str:
    """Give the application role LOGIN and the password in its secret, creating the secret's value first if
    it has none. Re-applying the password each run also heals a role whose password was lost.
    Returns "created" or "kept"."""
    try:
        stored = secrets_client.get_secret_value(SecretId=secret_arn).get("SecretString", "")
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        password, state = secrets.token_urlsafe(32), "created"
    else:
        password, state = _stored_password(stored), "kept"
    verifier = scram_verifier(password, secrets.token_bytes(16))
    # Utility statements take no parameters; the verifier is base64 and '$', ':' only, so quoting is safe.
    api.execute(f"ALTER ROLE {APP_ROLE} WITH LOGIN PASSWORD '{verifier}'")
    if state == "created":
        value = {"username": APP_ROLE, "password": password, "engine": "postgres", "dbname": database}
        secrets_client.put_secret_value(SecretId=secret_arn, SecretString=json.dumps(value))
    return state


def _stored_password(stored: str) -> str:
    try:
        current = json.loads(stored)
    except ValueError:
        current = None
    password = current.get("password") if isinstance(current, dict) else None
    if not isinstance(current, dict) or current.get("username") != APP_ROLE or not isinstance(password, str):
        raise MigrationError(
            f"the application secret must be JSON with username {APP_ROLE} and a password: delete its value "
            "(or the secret) and deploy again to have a new one made"
        )
    return password


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "Unknown")


def _message(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Message", "") or _code(error)


_LOGGER = json_logger("ledger.migrate")
_LOGGER.setLevel(logging.INFO)
# Waits for a resuming cluster and the logged latency are read from this clock (a fake one in tests).
_clock: Clock = SYSTEM_CLOCK


def run(
    environ: Mapping[str, str],
    remaining_ms: Callable[[], int],
    data_api_client: Any,
    secrets_client: Any,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[str, Any]:
    """Migrate and provision credentials; the summary the invocation returns."""
    target = database_target(environ, MASTER_SECRET_ARN_VAR)
    app_secret = required(environ, APP_SECRET_ARN_VAR, "arn:")
    api = DataApi(data_api_client, target.cluster_arn, target.secret_arn, target.database)
    migrations = load_migrations()
    wait_for_database(api, remaining_ms, clock)
    applied = migrate(api, migrations)
    credentials = ensure_credentials(api, secrets_client, app_secret, target.database)
    return {
        "applied": applied,
        "schemaVersion": migrations[-1].version if migrations else 0,
        "credentials": credentials,
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler; the event (Pulumi's invocation input) only names the digest it was invoked for."""
    started = _clock.monotonic()
    fields = {
        "requestId": getattr(context, "aws_request_id", None),
        "migrationsDigest": event.get("migrationsDigest") if isinstance(event, Mapping) else None,
    }
    try:
        summary = run(
            os.environ,
            context.get_remaining_time_in_millis,
            client("rds-data"),
            client("secretsmanager"),
            _clock,
        )
    except (ConfigError, MigrationFileError, MigrationError) as error:
        log(_LOGGER, logging.ERROR, f"migration failed: {error}", errorCode=type(error).__name__, **fields)
        raise
    except (ClientError, BotoCoreError) as error:
        code = _code(error) if isinstance(error, ClientError) else type(error).__name__
        log(_LOGGER, logging.ERROR, "migration failed: an AWS call failed", errorCode=code, **fields)
        raise MigrationError(f"an AWS call failed ({code}): {error}") from None
    log(
        _LOGGER,
        logging.INFO,
        "schema up to date",
        latencyMs=round((_clock.monotonic() - started) * 1000, 1),
        **summary,
        **fields,
    )
    return summary
