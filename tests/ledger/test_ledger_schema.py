"""The migration files' rules: names, statement splitting, checksums (pure, no database)."""

from pathlib import Path

import pytest
from ledger.schema import MIGRATIONS_DIR, MigrationFileError, load_migrations, split_statements


def test_statements_are_split_on_semicolons_outside_quotes_and_comments():
    sql = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (a text DEFAULT 'x;y', \"b;c\" int);\n"
        "INSERT INTO t VALUES ('it''s; fine'); -- trailing\n"
    )
    assert split_statements(sql) == [
        "CREATE TABLE t (a text DEFAULT 'x;y', \"b;c\" int)",
        "INSERT INTO t VALUES ('it''s; fine')",
    ]


def test_empty_statements_and_a_final_comment_are_ignored():
    assert split_statements(";;\nSELECT 1;\n-- the end") == ["SELECT 1"]


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT 1", "the last statement does not end with a semicolon"),
        ("SELECT 'open;", "a ' quote is never closed"),
        ("/* block */ SELECT 1;", "block comments are not supported"),
        ("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql;", "dollar-quoted"),
        ("SELECT $$x$$;", "dollar-quoted"),
    ],
)
def test_unsupported_sql_is_refused_with_the_file_name(sql, problem):
    with pytest.raises(MigrationFileError, match=problem) as raised:
        split_statements(sql, "0009_x.sql")
    assert str(raised.value).startswith("0009_x.sql: ")


def test_a_positional_parameter_is_not_mistaken_for_dollar_quoting():
    assert split_statements("SELECT $1;") == ["SELECT $1"]


def test_the_shipped_migrations_load_in_order_with_checksums():
    migrations = load_migrations()
    assert [migration.name for migration in migrations] == [
        "0001_orders_ledger",
        "0002_application_role",
        "0003_application_users",
    ]
    assert [migration.version for migration in migrations] == [1, 2, 3]
    assert all(len(migration.checksum) == 64 for migration in migrations)
    assert migrations[0].statements[0].startswith("CREATE TABLE orders_ledger")
    assert MIGRATIONS_DIR.name == "migrations"


def _write(directory: Path, name: str, text: str = "SELECT 1;\n") -> None:
    (directory / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", ["1_short.sql", "0001-dash.sql", "0001_Upper.sql"])
def test_a_badly_named_migration_is_refused(tmp_path, name):
    _write(tmp_path, name)
    with pytest.raises(MigrationFileError, match=r"name migrations NNNN_lowercase_words\.sql"):
        load_migrations(tmp_path)


def test_two_migrations_with_one_version_are_refused(tmp_path):
    _write(tmp_path, "0001_a.sql")
    _write(tmp_path, "0001_b.sql")
    with pytest.raises(MigrationFileError, match="two migrations share version 0001: renumber one of them"):
        load_migrations(tmp_path)


def test_a_migration_without_statements_is_refused(tmp_path):
    _write(tmp_path, "0001_empty.sql", "-- nothing yet\n")
    with pytest.raises(MigrationFileError, match=r"0001_empty\.sql: the file has no statement"):
        load_migrations(tmp_path)


def test_the_checksum_follows_the_exact_text(tmp_path):
    _write(tmp_path, "0001_a.sql", "SELECT 1;\n")
    first = load_migrations(tmp_path)[0].checksum
    _write(tmp_path, "0001_a.sql", "SELECT 1; \n")
    assert load_migrations(tmp_path)[0].checksum != first
