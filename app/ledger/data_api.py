"""A thin client of the RDS Data API: typed parameters in, plain Python values out.

Every statement is sent as `ExecuteStatement` with named `:parameters` and typed `SqlParameter`s, exactly
what the tests' PostgreSQL adapter receives. Values are plain: SQL casts what is not text or a whole number
(`CAST(:price AS numeric)`), so no Data API type hint (with its own date formats) is needed, and results are
selected as text or bigint so every field comes back as `stringValue`, `longValue` or `isNull`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Value = str | int | bool | None

# Data API answers that say "not now" rather than "never": the same call can succeed later. A paused
# Serverless v2 cluster answers DatabaseResumingException while it wakes up.
RETRYABLE_ERROR_CODES = frozenset(
    {
        "DatabaseResumingException",
        "DatabaseUnavailableException",
        "ServiceUnavailableError",
        "StatementTimeoutException",
        "InternalServerErrorException",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)


@dataclass(frozen=True)
class Result:
    """Rows of plain values (in the statement's column order) and the number of rows the statement changed."""

    rows: list[list[Value]]
    updated: int


def sql_parameters(values: Mapping[str, Value]) -> list[dict[str, Any]]:
    """The `parameters` of ExecuteStatement for `values`: one typed SqlParameter per name."""
    parameters = []
    for name, value in values.items():
        if value is None:
            field: dict[str, Any] = {"isNull": True}
        elif isinstance(value, bool):
            field = {"booleanValue": value}
        elif isinstance(value, int):
            field = {"longValue": value}
        elif isinstance(value, str):
            field = {"stringValue": value}
        else:
            raise TypeError(f"parameter {name} is a {type(value).__name__}: pass text, an integer or None")
        parameters.append({"name": name, "value": field})
    return parameters


def field_value(field: Mapping[str, Any]) -> Value:
    """The plain value of one Data API `Field`."""
    if field.get("isNull"):
        return None
    for kind in ("stringValue", "longValue", "booleanValue"):
        if kind in field:
            return field[kind]
    raise ValueError(f"unexpected Data API field {sorted(field)}: select the column as text or bigint")


class DataApi:
    """Runs statements on one database of one cluster, as the identity in one Secrets Manager secret."""

    def __init__(self, client: Any, cluster_arn: str, secret_arn: str, database: str) -> None:
        self._client = client
        self._target = {"resourceArn": cluster_arn, "secretArn": secret_arn}
        self._database = database

    def execute(
        self, sql: str, values: Mapping[str, Value] | None = None, transaction_id: str | None = None
    ) -> Result:
        """Run one statement (the Data API runs exactly one per call on PostgreSQL)."""
        request: dict[str, Any] = {**self._target, "database": self._database, "sql": sql}
        if values:
            request["parameters"] = sql_parameters(values)
        if transaction_id is not None:
            request["transactionId"] = transaction_id
        response = self._client.execute_statement(**request)
        rows = [[field_value(field) for field in record] for record in response.get("records") or []]
        return Result(rows=rows, updated=int(response.get("numberOfRecordsUpdated") or 0))

    def begin(self) -> str:
        """Start a transaction; pass its id to `execute`, then `commit` or `rollback` it."""
        return self._client.begin_transaction(**self._target, database=self._database)["transactionId"]

    def commit(self, transaction_id: str) -> None:
        self._client.commit_transaction(**self._target, transactionId=transaction_id)

    def rollback(self, transaction_id: str) -> None:
        self._client.rollback_transaction(**self._target, transactionId=transaction_id)
