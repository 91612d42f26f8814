"""Migration function (`ledger.migrate.handler`): brings the ledger's schema to the version in this code,
and rotates the application secret.

Pulumi invokes it at deploy whenever the migrations change (an `aws.lambda_.Invocation` keyed on their
digest). It alone uses the cluster's master secret. It applies each pending migration in its own
transaction and records it in `schema_version`; refuses a migration that was edited after it was applied;
then gives the application user the password kept in the application secret (creating the value on first
run). Any failure raises, so the invocation, and with it `pulumi up`, fails with the message.

Secrets Manager invokes the same function, with its `Step`, `SecretId` and `ClientRequestToken`, to rotate
the application secret (`credentials.rotate`); it refuses any other secret.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from orders_api.clock import SYSTEM_CLOCK, Clock
from orders_api.logs import log

from .credentials import CredentialsError, ensure_credentials, rotate
from .data_api import RETRYABLE_ERROR_CODES, DataApi
from .runtime import CALL_BUDGET_MS, ConfigError, client, database_target, json_logger, required
from .schema import Migration, MigrationFileError, load_migrations

MASTER_SECRET_ARN_VAR = "DB_MASTER_SECRET_ARN"
APP_SECRET_ARN_VAR = "DB_APP_SECRET_ARN"
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


def rotate_secret(
    environ: Mapping[str, str],
    event: Mapping[str, Any],
    remaining_ms: Callable[[], int],
    data_api_client: Any,
    secrets_client: Any,
    clock: Clock = SYSTEM_CLOCK,
) -> dict[str, Any]:
    """One step of Secrets Manager's rotation of the application secret; the invocation's summary."""
    target = database_target(environ, MASTER_SECRET_ARN_VAR)
    app_secret = required(environ, APP_SECRET_ARN_VAR, "arn:")
    if event.get("SecretId") != app_secret:
        raise CredentialsError(
            f"this function rotates only the ledger's application secret {app_secret}, not "
            f"{event.get('SecretId')!r}: point the other secret's rotation at its own function"
        )
    token = event.get("ClientRequestToken")
    if not isinstance(token, str) or not token:
        raise CredentialsError(
            "the rotation event has no ClientRequestToken: only Secrets Manager invokes this"
        )
    api = DataApi(data_api_client, target.cluster_arn, target.secret_arn, target.database)
    step = str(event.get("Step"))
    if step in ("setSecret", "testSecret"):
        wait_for_database(api, remaining_ms, clock)
    return {"step": step, "outcome": rotate(api, secrets_client, app_secret, target.database, step, token)}


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler: Pulumi's invocation (its input names the migrations' digest) migrates; Secrets
    Manager's (with a `Step`) rotates the application secret."""
    started = _clock.monotonic()
    rotation = isinstance(event, Mapping) and "Step" in event
    task, failure = ("rotation", CredentialsError) if rotation else ("migration", MigrationError)
    fields: dict[str, Any] = {"requestId": getattr(context, "aws_request_id", None)}
    if rotation:
        fields["rotationStep"] = event["Step"] if isinstance(event["Step"], str) else None
    else:
        fields["migrationsDigest"] = event.get("migrationsDigest") if isinstance(event, Mapping) else None
    clients = (client("rds-data"), client("secretsmanager"), _clock)
    try:
        if rotation:
            summary = rotate_secret(os.environ, event, context.get_remaining_time_in_millis, *clients)
        else:
            summary = run(os.environ, context.get_remaining_time_in_millis, *clients)
    except (ConfigError, MigrationFileError, MigrationError, CredentialsError) as error:
        log(_LOGGER, logging.ERROR, f"{task} failed: {error}", errorCode=type(error).__name__, **fields)
        raise
    except (ClientError, BotoCoreError) as error:
        code = _code(error) if isinstance(error, ClientError) else type(error).__name__
        log(_LOGGER, logging.ERROR, f"{task} failed: an AWS call failed", errorCode=code, **fields)
        raise failure(f"an AWS call failed ({code}): {error}") from None
    log(
        _LOGGER,
        logging.INFO,
        "rotation step done" if rotation else "schema up to date",
        latencyMs=round((_clock.monotonic() - started) * 1000, 1),
        **summary,
        **fields,
    )
    return summary
