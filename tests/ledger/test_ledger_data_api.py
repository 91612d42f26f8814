"""The Data API client's requests and answers through real botocore, against moto's rds-data."""

import pytest
from ledger import runtime
from ledger.data_api import DataApi, field_value, sql_parameters
from ledger_fixtures import CLUSTER_ARN, REGION
from moto.moto_api._internal.models import moto_api_backend

ACCOUNT = "123456789012"


def test_parameters_are_typed_for_the_data_api():
    assert sql_parameters({"a": "x", "b": 5, "c": True, "d": None}) == [
        {"name": "a", "value": {"stringValue": "x"}},
        {"name": "b", "value": {"longValue": 5}},
        {"name": "c", "value": {"booleanValue": True}},
        {"name": "d", "value": {"isNull": True}},
    ]
    with pytest.raises(TypeError, match="parameter p is a float: pass text, an integer or None"):
        sql_parameters({"p": 1.5})


def test_fields_become_plain_values():
    assert [
        field_value(f)
        for f in ({"isNull": True}, {"stringValue": "s"}, {"longValue": 3}, {"booleanValue": False})
    ] == [
        None,
        "s",
        3,
        False,
    ]
    with pytest.raises(
        ValueError, match=r"unexpected Data API field \['doubleValue'\]: select the column as text"
    ):
        field_value({"doubleValue": 1.0})


def test_a_statement_goes_through_botocore_and_its_records_come_back(aws):
    moto_api_backend.set_rds_data_result(
        records=[[{"stringValue": "AAPL"}, {"longValue": 3}], [{"isNull": True}, {"longValue": 4}]],
        column_metadata=None,
        nr_of_records_updated=0,
        generated_fields=None,
        formatted_records=None,
        account_id=ACCOUNT,
        region=REGION,
    )
    api = DataApi(runtime.client("rds-data"), CLUSTER_ARN, aws.app_secret, "trading")
    result = api.execute("SELECT symbol, n FROM t WHERE owner = :owner", {"owner": "me"})
    assert result.rows == [["AAPL", 3], [None, 4]]
    assert result.updated == 0


def test_an_update_count_is_read(aws):
    api = DataApi(runtime.client("rds-data"), CLUSTER_ARN, aws.app_secret, "trading")
    assert api.execute("SELECT 1").rows == []


def test_the_runtime_client_fits_the_call_budget(aws_credentials):
    client = runtime.client("rds-data")
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 5)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert runtime.CALL_BUDGET_MS == 15_000


def test_transactions_run_through_the_client(data_api_client, aws, database):
    api = DataApi(data_api_client, CLUSTER_ARN, aws.master_secret, database)
    transaction = api.begin()
    api.execute("CREATE TABLE t (x int)", transaction_id=transaction)
    api.rollback(transaction)
    assert api.execute("SELECT CAST(to_regclass('t') AS text)").rows == [[None]]
    transaction = api.begin()
    api.execute("CREATE TABLE t (x int)", transaction_id=transaction)
    api.commit(transaction)
    assert api.execute("SELECT CAST(to_regclass('t') AS text)").rows == [["t"]]
    operations = [operation for operation, _ in data_api_client.requests]
    assert operations.count("BeginTransaction") == 2
    assert {"CommitTransaction", "RollbackTransaction"} <= set(operations)


def test_a_logger_gets_its_handler_once():
    assert runtime.json_logger("ledger.test").handlers == runtime.json_logger("ledger.test").handlers
    assert len(runtime.json_logger("ledger.test").handlers) == 1
