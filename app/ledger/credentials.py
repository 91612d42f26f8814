"""The application's database credentials: two login users, the application secret that names one of them,
and its rotation by Secrets Manager (the alternating-users strategy), all run by the migration function, the
one function that may use the master secret.

The NOLOGIN role `trading_app` holds the ledger's privileges (migration 0002); the login users
`trading_app_a` and `trading_app_b` (migration 0003) have them only through membership in it. The secret
names one user and its password. A rotation gives the *other* user a new password and then makes that the
secret's current version, so the user the writer and the orders API are still connected as keeps working
until the next rotation: rotating never locks them out.

A password reaches the database only as a SCRAM-SHA-256 verifier, so it is in no statement and no log. Every
read of the secret names the AWSCURRENT stage, the version the Data API itself uses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .data_api import DataApi

Stages = dict[str, list[str]]  # DescribeSecret's VersionIdsToStages: version id -> its staging labels
APP_ROLE = "trading_app"  # migration 0002: the ledger's privileges, no login
APP_USERS = ("trading_app_a", "trading_app_b")  # migration 0003: members of APP_ROLE, they take turns
SCRAM_ITERATIONS = 4096
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
# What the database says about a user: whether it may log in, and whether it holds the ledger's privileges.
_USER_STATE = (
    "SELECT CAST(rolcanlogin AS text), CAST(pg_has_role(rolname, :role, 'USAGE') AS text) "
    "FROM pg_roles WHERE rolname = :user"
)


class CredentialsError(Exception):
    """The application secret or a rotation request is not what this function can act on; the message says
    what to do."""


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
    """Give the user the application secret names LOGIN and the secret's password, first writing a value
    for `trading_app_a` if the secret has none. Re-applying the password each run also heals a user whose
    password was lost. Returns "created" or "kept"."""
    try:
        current = _read(secrets_client, secret_arn, CURRENT)
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        value, state = _credentials(APP_USERS[0], database), "created"
    else:
        value, state = current, "kept"
    _set_password(api, value)
    if state == "created":
        secrets_client.put_secret_value(SecretId=secret_arn, SecretString=json.dumps(value))
    return state


def rotate(api: DataApi, secrets_client: Any, secret_arn: str, database: str, step: str, token: str) -> str:
    """Run one step of a Secrets Manager rotation of the application secret; what it did, for the log."""
    if step not in ROTATION_STEPS:
        raise CredentialsError(
            f"unknown rotation step {step!r}: Secrets Manager sends {', '.join(ROTATION_STEPS)}"
        )
    stages = secrets_client.describe_secret(SecretId=secret_arn).get("VersionIdsToStages", {})
    if token not in stages:
        raise CredentialsError(f"version {token} is not a version of the application secret")
    if CURRENT in stages[token]:
        return "already current"  # a repeated step of a rotation that has finished
    if PENDING not in stages[token]:
        raise CredentialsError(f"version {token} of the application secret is not pending rotation")
    return _STEPS[step](api, secrets_client, secret_arn, database, token, stages)


def _create(
    _api: DataApi, secrets_client: Any, secret_arn: str, database: str, token: str, _stages: Stages
) -> str:
    """The pending version: the other user, with a new password (kept if this step already ran)."""
    try:
        _read(secrets_client, secret_arn, PENDING, token)
        return "pending kept"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
    current = _read(secrets_client, secret_arn, CURRENT)
    other = APP_USERS[1 - APP_USERS.index(current["username"])]
    secrets_client.put_secret_value(
        SecretId=secret_arn,
        ClientRequestToken=token,
        SecretString=json.dumps(_credentials(other, database)),
        VersionStages=[PENDING],
    )
    return f"pending {other}"


def _set(
    api: DataApi, secrets_client: Any, secret_arn: str, _database: str, token: str, _stages: Stages
) -> str:
    """The pending user gets the pending password (and LOGIN); the current user is left alone."""
    pending = _read(secrets_client, secret_arn, PENDING, token)
    _set_password(api, pending)
    return f"password set for {pending['username']}"


def _test(
    api: DataApi, secrets_client: Any, secret_arn: str, _database: str, token: str, _stages: Stages
) -> str:
    """What can be checked before the pending version is current: the pending user may log in and holds the
    ledger's privileges. (The Data API always uses a secret's current version, so it cannot log in with the
    pending password; the password was set from this very value, and the next call after finishSecret uses
    it.)"""
    pending = _read(secrets_client, secret_arn, PENDING, token)
    rows = api.execute(_USER_STATE, {"user": pending["username"], "role": APP_ROLE}).rows
    if rows != [["true", "true"]]:
        raise CredentialsError(
            f"user {pending['username']} cannot log in with the ledger's privileges (setSecret did not run, "
            "or migration 0003 is missing): run the migrations, then rotate again"
        )
    return f"{pending['username']} may log in"


def _finish(
    _api: DataApi, secrets_client: Any, secret_arn: str, _database: str, token: str, stages: Stages
) -> str:
    """The pending version becomes current; Secrets Manager labels the old one AWSPREVIOUS."""
    (current,) = [version for version, labels in stages.items() if CURRENT in labels]
    secrets_client.update_secret_version_stage(
        SecretId=secret_arn, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current
    )
    return "finished"


_STEPS: dict[str, Callable[..., str]] = {
    "createSecret": _create,
    "setSecret": _set,
    "testSecret": _test,
    "finishSecret": _finish,
}


def _credentials(username: str, database: str) -> dict[str, str]:
    return {
        "username": username,
        "password": secrets.token_urlsafe(32),
        "engine": "postgres",
        "dbname": database,
    }


def _set_password(api: DataApi, value: dict[str, str]) -> None:
    verifier = scram_verifier(value["password"], secrets.token_bytes(16))
    # Utility statements take no parameters. The user is one of APP_USERS (checked when the secret was read)
    # and the verifier is base64 with '$' and ':' only, so neither needs quoting.
    api.execute(f"ALTER ROLE {value['username']} WITH LOGIN PASSWORD '{verifier}'")


def _read(secrets_client: Any, secret_arn: str, stage: str, version: str | None = None) -> dict[str, str]:
    """One version of the application secret, which must name one of APP_USERS and a password."""
    request: dict[str, str] = {"SecretId": secret_arn, "VersionStage": stage}
    if version is not None:
        request["VersionId"] = version
    stored = secrets_client.get_secret_value(**request).get("SecretString", "")
    try:
        value = json.loads(stored)
    except ValueError:
        value = None
    if (
        not isinstance(value, dict)
        or value.get("username") not in APP_USERS
        or not isinstance(value.get("password"), str)
    ):
        raise CredentialsError(
            f"the application secret ({stage}) must be JSON with a username of {' or '.join(APP_USERS)} and "
            "a password: delete its value (or the secret) and deploy again to have a new one made"
        )
    return value


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "Unknown")
