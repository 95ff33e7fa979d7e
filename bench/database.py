"""The benchmarks' own PostgreSQL databases, created on first use."""

from collections.abc import Mapping


def database_ensure(config: Mapping) -> bool:
    """Create the database that `config` (Django's DATABASES form) names if it does not
    exist yet; True if it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    return not exists
