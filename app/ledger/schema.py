"""The versioned SQL migrations in `migrations/`: `NNNN_name.sql`, applied in order, each exactly once.

A file is split into statements because the Data API runs one statement per call on PostgreSQL. The split
knows about quotes and `--` comments; dollar quoting (function bodies) is refused rather than guessed at.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE_NAME = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")


class MigrationFileError(ValueError):
    """A migration file breaks the naming or statement rules; the message names the file and the fix."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    checksum: str
    statements: tuple[str, ...]


def split_statements(sql: str, source: str = "<sql>") -> list[str]:
    """The statements of `sql`, without comments, each without its final semicolon."""
    statements: list[str] = []
    current: list[str] = []
    index, length = 0, len(sql)
    while index < length:
        char = sql[index]
        if sql.startswith("--", index):
            end = sql.find("\n", index)
            index = length if end == -1 else end
            continue
        if sql.startswith("/*", index):
            raise MigrationFileError(f"{source}: block comments are not supported: use -- comments")
        if char == "$" and re.match(r"\$[A-Za-z_]*\$", sql[index:]):
            raise MigrationFileError(
                f"{source}: dollar-quoted text is not supported: use a quoted string or a plain statement"
            )
        if char in "'\"":
            end = index + 1
            while True:
                end = sql.find(char, end)
                if end == -1:
                    raise MigrationFileError(f"{source}: a {char} quote is never closed")
                if sql.startswith(char * 2, end):
                    end += 2
                    continue
                break
            current.append(sql[index : end + 1])
            index = end + 1
            continue
        if char == ";":
            statement = "".join(current).strip()
            if statement:
                statements.append(statement)
            current = []
        else:
            current.append(char)
        index += 1
    if "".join(current).strip():
        raise MigrationFileError(f"{source}: the last statement does not end with a semicolon")
    return statements


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration in `directory`, ordered by version, with a checksum of its exact text."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationFileError(
                f"{path.name}: name migrations NNNN_lowercase_words.sql, e.g. 0003_add_fills.sql"
            )
        text = path.read_text(encoding="utf-8")
        statements = split_statements(text, path.name)
        if not statements:
            raise MigrationFileError(f"{path.name}: the file has no statement")
        migrations.append(
            Migration(
                version=int(match["version"]),
                name=path.stem,
                checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                statements=tuple(statements),
            )
        )
    versions = [migration.version for migration in migrations]
    duplicates = sorted({version for version in versions if versions.count(version) > 1})
    if duplicates:
        raise MigrationFileError(f"two migrations share version {duplicates[0]:04d}: renumber one of them")
    return migrations
