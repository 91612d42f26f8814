"""The migration function against a real PostgreSQL, through the Data API adapter."""

import json
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from fake_clock import FakeClock
from ledger import migrate as migrate_module
from ledger.data_api import DataApi
from ledger.migrate import RESUME_POLL_SECONDS, MigrationError, migrate, run, wait_for_database
from ledger.orders import record_order
from ledger.schema import MigrationFileError, load_migrations
from ledger_fixtures import CLUSTER_ARN, order_item

PLENTY_MS = 300_000
MIGRATIONS = ("0001_orders_ledger", "0002_application_role", "0003_application_users")


def _migrations(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_migrations(tmp_path)


def _environ(aws, database):
    return {
        "DB_CLUSTER_ARN": CLUSTER_ARN,
        "DB_MASTER_SECRET_ARN": aws.master_secret,
        "DB_APP_SECRET_ARN": aws.app_secret,
        "DB_NAME": database,
    }


def test_a_fresh_database_gets_every_migration_recorded_once(master_api):
    assert migrate(master_api, load_migrations()) == list(MIGRATIONS)
    rows = master_api.execute("SELECT version, name, checksum FROM schema_version ORDER BY version").rows
    assert [(version, name) for version, name, _ in rows] == list(enumerate(MIGRATIONS, start=1))
    assert [checksum for *_, checksum in rows] == [migration.checksum for migration in load_migrations()]
    assert migrate(master_api, load_migrations()) == []


def test_only_pending_migrations_are_applied(master_api, tmp_path):
    first = _migrations(tmp_path, {"0001_a.sql": "CREATE TABLE a (x int);\n"})
    assert migrate(master_api, first) == ["0001_a"]
    both = _migrations(tmp_path, {"0002_b.sql": "CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\n"})
    assert migrate(master_api, both) == ["0002_b"]
    assert master_api.execute("SELECT CAST(count(*) AS bigint) FROM b").rows == [[1]]


def test_a_failing_migration_is_rolled_back_whole_and_named(master_api, tmp_path):
    broken = _migrations(
        tmp_path, {"0001_broken.sql": "CREATE TABLE made (x int);\nSELECT * FROM missing;\n"}
    )
    with pytest.raises(MigrationError) as raised:
        migrate(master_api, broken)
    message = str(raised.value)
    assert message.startswith("migration 0001_broken failed at statement 2 of 2 and was rolled back: ")
    assert 'relation "missing" does not exist' in message
    tables = master_api.execute("SELECT CAST(to_regclass('made') AS text)").rows
    assert tables == [[None]]
    assert master_api.execute("SELECT CAST(count(*) AS bigint) FROM schema_version").rows == [[0]]


def test_a_migration_that_records_a_taken_version_fails_at_recording(master_api, tmp_path):
    migrations = _migrations(
        tmp_path, {"0001_sneaky.sql": "INSERT INTO schema_version VALUES (1, 'x', 'y');\n"}
    )
    with pytest.raises(MigrationError, match="failed at recording it in schema_version and was rolled back"):
        migrate(master_api, migrations)


def test_an_edited_migration_is_refused(master_api, tmp_path):
    migrate(master_api, _migrations(tmp_path, {"0001_a.sql": "CREATE TABLE a (x int);\n"}))
    edited = _migrations(tmp_path, {"0001_a.sql": "CREATE TABLE a (x bigint);\n"})
    with pytest.raises(MigrationError, match="migration 0001_a was changed after it was applied: restore it"):
        migrate(master_api, edited)


def test_a_database_ahead_of_the_code_is_refused(master_api, tmp_path):
    migrate(master_api, _migrations(tmp_path, {"0001_a.sql": "SELECT 1;\n", "0002_b.sql": "SELECT 2;\n"}))
    (tmp_path / "0002_b.sql").unlink()
    with pytest.raises(MigrationError, match="the database has migration 0002_b, which this code does not"):
        migrate(master_api, load_migrations(tmp_path))


def test_a_migration_numbered_before_the_newest_applied_is_refused(master_api, tmp_path):
    migrate(master_api, _migrations(tmp_path, {"0002_b.sql": "SELECT 2;\n"}))
    late = _migrations(tmp_path, {"0001_a.sql": "SELECT 1;\n"})
    with pytest.raises(
        MigrationError, match="migration 0001_a is older than the applied 0002_b: renumber it"
    ):
        migrate(master_api, late)


def test_the_application_role_may_add_and_read_orders_and_nothing_else(ledger_api):
    assert record_order(ledger_api, order_item()) is True
    assert ledger_api.execute("SELECT CAST(count(*) AS bigint) FROM orders_ledger").rows == [[1]]
    for statement in (
        "DELETE FROM orders_ledger",
        "UPDATE orders_ledger SET status = 'CANCELLED'",
        "TRUNCATE orders_ledger",
        "DROP TABLE orders_ledger",
        "SELECT * FROM schema_version",
        "CREATE TABLE mine (x int)",
    ):
        with pytest.raises(Exception, match=r"permission denied|must be owner"):
            ledger_api.execute(statement)


class FlakyDataApi:
    """The adapter behind a cluster that answers `code` to the first `times` calls (a paused cluster)."""

    def __init__(self, inner, code, times):
        self.inner, self.code, self.times = inner, code, times

    def execute_statement(self, **params):

        if self.times:
            self.times -= 1
            raise ClientError({"Error": {"Code": self.code, "Message": "resuming"}}, "ExecuteStatement")
        return self.inner.execute_statement(**params)


def test_a_resuming_cluster_is_waited_for_within_the_time_left(data_api_client, aws, database):
    flaky = FlakyDataApi(data_api_client, "DatabaseResumingException", 2)
    api = DataApi(flaky, CLUSTER_ARN, aws.master_secret, database)
    clock = FakeClock()
    wait_for_database(api, lambda: PLENTY_MS, clock)
    assert clock.pauses == [RESUME_POLL_SECONDS, RESUME_POLL_SECONDS]


def test_waiting_stops_before_the_deadline(data_api_client, aws, database):
    api = DataApi(
        FlakyDataApi(data_api_client, "DatabaseResumingException", 99),
        CLUSTER_ARN,
        aws.master_secret,
        database,
    )
    clock = FakeClock()
    deadline = clock.monotonic() + 60  # the function's timeout, counted down on the same clock as the waits

    def remaining_ms():
        return int((deadline - clock.monotonic()) * 1000)

    with pytest.raises(MigrationError, match=r"the database is not reachable \(DatabaseResumingException\)"):
        wait_for_database(api, remaining_ms, clock)
    # It waited while a poll and one more call fitted (20 s), and gave up with time left to report it.
    assert clock.pauses == [RESUME_POLL_SECONDS] * 9
    assert remaining_ms() == 15_000


def test_a_lasting_error_is_not_waited_for(data_api_client, aws, database):
    api = DataApi(
        FlakyDataApi(data_api_client, "AccessDeniedException", 1), CLUSTER_ARN, aws.master_secret, database
    )
    with pytest.raises(MigrationError, match=r"not reachable \(AccessDeniedException\): resuming"):
        wait_for_database(api, lambda: PLENTY_MS, FakeClock())


def test_run_migrates_and_provisions(data_api_client, aws, database):
    summary = run(_environ(aws, database), lambda: PLENTY_MS, data_api_client, aws.secrets)
    assert summary == {"applied": list(MIGRATIONS), "schemaVersion": 3, "credentials": "created"}
    again = run(_environ(aws, database), lambda: PLENTY_MS, data_api_client, aws.secrets)
    assert again == {"applied": [], "schemaVersion": 3, "credentials": "kept"}


def _context():
    return SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: PLENTY_MS)


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_handler_logs_one_line_and_returns_the_summary(
    monkeypatch, data_api_client, aws, database, capsys
):
    for name, value in _environ(aws, database).items():
        monkeypatch.setenv(name, value)
    clients = {"rds-data": data_api_client, "secretsmanager": aws.secrets}
    monkeypatch.setattr(migrate_module, "client", clients.__getitem__)
    monkeypatch.setattr(migrate_module, "_clock", FakeClock())
    summary = migrate_module.handler({"migrationsDigest": "abc"}, _context())
    assert summary["schemaVersion"] == 3
    (line,) = _lines(capsys)
    assert line["message"] == "schema up to date"
    assert line["level"] == "INFO"
    assert line["latencyMs"] == 0.0  # measured on the injected clock, which nothing moved
    assert line["migrationsDigest"] == "abc"
    assert line["applied"] == list(MIGRATIONS)


@pytest.mark.parametrize(
    ("remove", "error", "message"),
    [
        ("DB_APP_SECRET_ARN", "ConfigError", "DB_APP_SECRET_ARN='' is not usable"),
        ("DB_NAME", "ConfigError", "DB_NAME='' is not usable"),
    ],
)
def test_the_handler_fails_with_one_line_on_a_bad_environment(
    monkeypatch, aws, database, capsys, remove, error, message
):
    for name, value in _environ(aws, database).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(remove)
    monkeypatch.setattr(migrate_module, "client", lambda service: None)
    with pytest.raises(Exception, match=message):
        migrate_module.handler("not a mapping", _context())
    (line,) = _lines(capsys)
    assert line["errorCode"] == error
    assert message in line["message"]


def test_the_handler_turns_an_aws_failure_into_a_migration_error(
    monkeypatch, data_api_client, aws, database, capsys
):
    environ = {**_environ(aws, database), "DB_APP_SECRET_ARN": aws.app_secret + "-gone"}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    clients = {"rds-data": data_api_client, "secretsmanager": aws.secrets}
    monkeypatch.setattr(migrate_module, "client", clients.__getitem__)
    with pytest.raises(MigrationError, match=r"an AWS call failed \(ResourceNotFoundException\)"):
        migrate_module.handler({}, _context())
    (line,) = _lines(capsys)
    assert line["errorCode"] == "ResourceNotFoundException"


def test_the_handler_reports_a_transport_failure(monkeypatch, aws, database, capsys):
    from botocore.exceptions import EndpointConnectionError

    class Unreachable:
        def execute_statement(self, **params):
            raise EndpointConnectionError(endpoint_url="https://rds-data.eu-west-1.amazonaws.com")

    for name, value in _environ(aws, database).items():
        monkeypatch.setenv(name, value)
    clients = {"rds-data": Unreachable(), "secretsmanager": aws.secrets}
    monkeypatch.setattr(migrate_module, "client", clients.__getitem__)
    with pytest.raises(MigrationError, match=r"an AWS call failed \(EndpointConnectionError\)"):
        migrate_module.handler({}, _context())
    assert _lines(capsys)[0]["errorCode"] == "EndpointConnectionError"


def test_a_bad_migration_file_fails_the_handler(
    monkeypatch, data_api_client, aws, database, tmp_path, capsys
):
    (tmp_path / "bad.sql").write_text("SELECT 1;\n", encoding="utf-8")
    for name, value in _environ(aws, database).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(migrate_module, "load_migrations", lambda: load_migrations(tmp_path))
    clients = {"rds-data": data_api_client, "secretsmanager": aws.secrets}
    monkeypatch.setattr(migrate_module, "client", clients.__getitem__)
    with pytest.raises(MigrationFileError):
        migrate_module.handler({}, _context())
    assert _lines(capsys)[0]["errorCode"] == "MigrationFileError"
