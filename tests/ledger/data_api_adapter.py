"""A stand-in for the RDS Data API client that runs the very requests it receives on a real PostgreSQL.

It takes the keyword arguments boto3's `rds-data` client would send (checked against botocore's own model
of the API), resolves `secretArn` through Secrets Manager (moto) to a user and password (the secret's
AWSCURRENT version, named explicitly: moto's default version does not follow a rotation) and connects as that
user, as the Data API does; binds each typed SqlParameter with the type the Data API gives it (text as
varchar, longValue as bigint, ...); and answers in the Data API's shape, raising `ClientError` with its
error codes. Only what the ledger uses is supported; anything else is refused loudly.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import botocore.session
import pg8000.native
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

_MODEL = botocore.session.get_session().get_service_model("rds-data")
# PostgreSQL type OIDs for the parameter kinds the Data API sends.
_OIDS = {"stringValue": 1043, "longValue": 20, "booleanValue": 16, "doubleValue": 701}
_UNSUPPORTED = (
    "schema",
    "resultSetOptions",
    "formatRecordsAs",
    "includeResultMetadata",
    "continueAfterTimeout",
)


def _error(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class PostgresDataApi:
    """The `rds-data` client's statement and transaction calls, answered by PostgreSQL."""

    def __init__(self, socket_path: str, secrets_client: Any, cluster_arn: str) -> None:
        self._socket_path = socket_path
        self._secrets = secrets_client
        self._cluster_arn = cluster_arn
        self._connections: dict[tuple[str, str], pg8000.native.Connection] = {}
        self._transactions: dict[str, pg8000.native.Connection] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def _validate(self, operation: str, params: dict[str, Any]) -> None:
        self.requests.append((operation, params))
        report = ParamValidator().validate(params, _MODEL.operation_model(operation).input_shape)
        if report.has_errors():
            raise AssertionError(f"{operation} would be refused by botocore: {report.generate_report()}")
        if params["resourceArn"] != self._cluster_arn:
            raise _error(operation, "BadRequestException", "the resource is not this cluster")

    def _connect(self, operation: str, secret_arn: str, database: str) -> pg8000.native.Connection:
        try:
            stored = self._secrets.get_secret_value(SecretId=secret_arn, VersionStage="AWSCURRENT")
            secret = json.loads(stored["SecretString"])
        except ClientError as error:
            raise _error(operation, "BadRequestException", f"Error fetching secret: {error}") from None
        try:
            return pg8000.native.Connection(
                secret["username"],
                password=secret["password"],
                unix_sock=self._socket_path,
                database=database,
                # A local socket: no TLS to ask for. pg8000 otherwise builds a default SSL context (loading
                # the system's CA bundle, about 70 ms) on every connection, only to be told "no".
                ssl_context=False,
            )
        except pg8000.native.DatabaseError as error:
            raise _error(operation, "BadRequestException", f"FATAL: {error.args[0].get('M')}") from None

    def _connection(self, operation: str, params: dict[str, Any]) -> pg8000.native.Connection:
        transaction = params.get("transactionId")
        if transaction is not None:
            if transaction not in self._transactions:
                raise _error(operation, "BadRequestException", "Transaction is not found")
            return self._transactions[transaction]
        key = (params["secretArn"], params.get("database", ""))
        if key not in self._connections:
            self._connections[key] = self._connect(operation, *key)
        return self._connections[key]

    def execute_statement(self, **params: Any) -> dict[str, Any]:
        self._validate("ExecuteStatement", params)
        for name in _UNSUPPORTED:
            if name in params:
                raise AssertionError(f"the adapter does not support {name}")
        connection = self._connection("ExecuteStatement", params)
        values: dict[str, Any] = {}
        types: dict[str, int] = {}
        for parameter in params.get("parameters", []):
            if "typeHint" in parameter:
                raise AssertionError("the adapter does not support typeHint: CAST in the SQL instead")
            ((kind, value),) = parameter["value"].items()
            values[parameter["name"]] = None if kind == "isNull" else value
            if kind != "isNull":
                types[parameter["name"]] = _OIDS[kind]
        statement, make_values = pg8000.native.to_statement(params["sql"])
        try:
            arguments = make_values(values)
        except pg8000.native.InterfaceError as error:
            raise _error("ExecuteStatement", "BadRequestException", str(error)) from None
        oids = make_values({name: types.get(name) for name in values})
        try:
            # The extended protocol, like the Data API: one statement per call, several are an error.
            context = connection.execute_unnamed(statement, arguments, oids=oids)
        except pg8000.native.DatabaseError as error:
            details = error.args[0]
            raise _error(
                "ExecuteStatement",
                "DatabaseErrorException",
                f"ERROR: {details.get('M')}; SQLState: {details.get('C')}",
            ) from None
        if context.rows is None:
            return {"numberOfRecordsUpdated": max(context.row_count, 0), "generatedFields": []}
        return {
            "records": [[_field(value) for value in row] for row in context.rows],
            "numberOfRecordsUpdated": 0,
        }

    def begin_transaction(self, **params: Any) -> dict[str, Any]:
        self._validate("BeginTransaction", params)
        connection = self._connect("BeginTransaction", params["secretArn"], params.get("database", ""))
        connection.run("BEGIN")
        transaction = str(uuid.uuid4())
        self._transactions[transaction] = connection
        return {"transactionId": transaction}

    def _end(self, operation: str, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        self._validate(operation, params)
        connection = self._transactions.pop(params["transactionId"], None)
        if connection is None:
            raise _error(operation, "NotFoundException", "Transaction is not found")
        connection.run(sql)
        connection.close()
        return {"transactionStatus": "Transaction Committed" if sql == "COMMIT" else "Rollback Complete"}

    def commit_transaction(self, **params: Any) -> dict[str, Any]:
        return self._end("CommitTransaction", "COMMIT", params)

    def rollback_transaction(self, **params: Any) -> dict[str, Any]:
        return self._end("RollbackTransaction", "ROLLBACK", params)

    def close(self) -> None:
        for connection in [*self._connections.values(), *self._transactions.values()]:
            connection.close()
        self._connections.clear()
        self._transactions.clear()


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    raise AssertionError(f"a {type(value).__name__} column: select it as text or bigint")
