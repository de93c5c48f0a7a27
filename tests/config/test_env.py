"""Settings parsing for each environment variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    parse_bool,
    parse_database_url,
    parse_int,
    parse_list,
    parse_public_url,
    require_secret,
)

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_defaults_to_sqlite(tmp_path):
    db = parse_database_url(None, tmp_path / "db.sqlite3")
    assert db == {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}


def test_database_url_postgres():
    db = parse_database_url("postgres://u:p%40ss@db.example:6543/latchkey?sslmode=require", None)
    assert db["ENGINE"] == "config.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u",
        "p@ss",
        "db.example",
        "6543",
        "latchkey",
    )
    assert db["CONN_MAX_AGE"] > 0
    assert db["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "sslmode": "require",
    }


def test_database_prepared_statements_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "false")
    db = parse_database_url("postgres://db.example/latchkey", None)
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": None}
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_PREPARED_STATEMENTS"):
        parse_database_url("postgres://db.example/latchkey", None)


def test_database_url_rejects_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("mysql://x/y", None)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True)])
def test_parse_bool(raw, expected):
    assert parse_bool("DEBUG", raw, default=False) is expected


def test_parse_bool_rejects_nonsense():
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        parse_bool("DEBUG", "maybe", default=False)


def test_parse_list_and_int():
    assert parse_list("a.example, b.example,", []) == ["a.example", "b.example"]
    assert parse_list(None, ["x"]) == ["x"]
    assert parse_int("EMAIL_PORT", "587", 25) == 587
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        parse_int("EMAIL_PORT", "abc", 25)


def test_public_url():
    assert parse_public_url("https://id.example.com/", "x") == "https://id.example.com"
    with pytest.raises(ImproperlyConfigured, match="PUBLIC_URL"):
        parse_public_url("id.example.com", "x")


def test_dev_secret_is_generated_once(tmp_path):
    first = require_secret("SECRET_KEY", None, False, tmp_path / "secret")
    assert first == require_secret("SECRET_KEY", None, False, tmp_path / "secret")
    assert len(first) >= 40


def test_missing_secret_in_production_names_the_variable(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        require_secret("SECRET_KEY", None, True, tmp_path / "secret")


def _start(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "KEY_ENCRYPTION_KEY")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_start_up_stops_on_missing_secret(tmp_path):
    result = _start(
        {
            "LATCHKEY_ENV": "production",
            "LATCHKEY_VAR_DIR": str(tmp_path),
            "PUBLIC_URL": "https://id.example.com",
        }
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_start_up_needs_public_url(tmp_path):
    result = _start(
        {
            "LATCHKEY_ENV": "production",
            "LATCHKEY_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "s" * 50,
            "KEY_ENCRYPTION_KEY": "k" * 50,
            "PUBLIC_URL": "",
        }
    )
    assert result.returncode != 0
    assert "PUBLIC_URL" in result.stderr
