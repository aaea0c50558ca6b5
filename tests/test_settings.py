"""Settings from flags, environment, TOML and the Python API (spec/harness.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_infobip.core.settings import Settings, SettingsError, describe_settings, from_sources


def test_defaults_are_the_documented_ones():
    s = Settings()
    assert (s.host, s.port, s.db, s.clock, s.speed) == ("127.0.0.1", 8080, "./mock-infobip.db", "real", 1.0)
    assert (s.rate_limit_create, s.rate_limit_add, s.rate_limit_remove) == (2.0, 10.0, 5.0)
    assert s.max_body_bytes == 16 * 1024 * 1024


def test_precedence_flag_over_env_over_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('port = 1\nseed = 5\nclock = "manual"\nrate_limit_add = 3\napi_keys = ["a", "b"]\n')
    s = from_sources(
        flags={"port": "3"}, environ={"MOCK_INFOBIP_PORT": "2", "MOCK_INFOBIP_SEED": "6"}, config_file=config
    )
    assert (s.port, s.seed, s.clock, s.rate_limit_add, s.api_keys) == (3, 6, "manual", 3.0, ("a", "b"))


def test_env_api_keys_split_on_spaces_and_commas():
    assert from_sources(environ={"MOCK_INFOBIP_API_KEYS": "k1, k2 k3"}).api_keys == ("k1", "k2", "k3")


def test_start_needs_an_offset_and_parses_z():
    assert from_sources(flags={"start": "2026-11-22T10:00:00Z"}).start == datetime(
        2026, 11, 22, 10, tzinfo=UTC
    )
    with pytest.raises(SettingsError, match="--start"):
        from_sources(flags={"start": "2026-11-22T10:00:00"})


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        ({"port": "70000"}, "--port"),
        ({"port": "x"}, "--port"),
        ({"clock": "fast"}, "--clock"),
        ({"speed": "0"}, "--speed"),
        ({"speed": "nan"}, "--speed"),
        ({"seed": "1.5"}, "--seed"),
        ({"threads": "0"}, "--threads"),
        ({"api_keys": ["has space"]}, "--api-key"),
    ],
)
def test_bad_values_name_the_setting(flags, fragment):
    with pytest.raises(SettingsError, match=fragment):
        from_sources(flags=flags)


def test_unknown_and_broken_config_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("port = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        from_sources(config_file=bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'red'\n")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        from_sources(config_file=unknown)
    with pytest.raises(SettingsError, match="does not exist"):
        from_sources(config_file=tmp_path / "missing.toml")


def test_replace_checks_like_every_source():
    assert Settings().replace(rate_limit_add=0).rate_limit_add == 0.0
    with pytest.raises(SettingsError):
        Settings().replace(rate_limit_add=-1)


def test_an_unknown_setting_name_suggests_the_closest():
    with pytest.raises(
        SettingsError, match=r"unknown setting 'rate_limit_creat' \(did you mean rate_limit_create\?\)"
    ):
        Settings().replace(rate_limit_creat=1)
    with pytest.raises(SettingsError) as raised:
        Settings().replace(zzz=1)
    assert "did you mean" not in str(raised.value)


def test_an_unknown_environment_variable_is_an_error_as_in_the_toml_file():
    """One rule for both sources: a misspelled MOCK_INFOBIP_ variable is refused with the closest
    variable, spelled as a variable."""
    with pytest.raises(
        SettingsError,
        match=r"^unknown setting MOCK_INFOBIP_RATE_LIMIT_CREAT "
        r"\(did you mean MOCK_INFOBIP_RATE_LIMIT_CREATE\?\)$",
    ):
        from_sources(environ={"MOCK_INFOBIP_RATE_LIMIT_CREAT": "0"})
    with pytest.raises(SettingsError, match=r"^unknown setting MOCK_INFOBIP_ZZZ$"):
        from_sources(environ={"MOCK_INFOBIP_ZZZ": "1"})
    # the config file's own variable, and variables without the prefix, are not settings
    assert from_sources(environ={"MOCK_INFOBIP_CONFIG": "x.toml", "MOCK_INFOBIPX": "1"}) == Settings()
    assert from_sources(environ={"MOCK_INFOBIP_API_KEYS": "k1,k2"}).api_keys == ("k1", "k2")


def test_serve_refuses_a_misspelled_variable_before_it_starts():
    from tests.servers import run_cli

    result = run_cli("serve", "--port", "0", env={"MOCK_INFOBIP_RATE_LIMT_ADD": "0"})
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "unknown setting MOCK_INFOBIP_RATE_LIMT_ADD (did you mean MOCK_INFOBIP_RATE_LIMIT_ADD?)"
    )


def test_database_url_names_a_postgresql_database_below_the_fakes_own_variable():
    url = "postgresql://ops:s3cret@db.internal:5432/fake"
    assert from_sources(environ={"DATABASE_URL": url}).db == url
    assert from_sources(environ={"DATABASE_URL": url, "MOCK_INFOBIP_DB": "x.db"}).db == "x.db"
    assert from_sources(flags={"db": "y.db"}, environ={"DATABASE_URL": url}).db == "y.db"
    # another engine's URL (an application's own database) is not the fake's
    assert from_sources(environ={"DATABASE_URL": "mysql://app@db/app"}).db == Settings().db
    shown = {s["name"]: s["value"] for s in describe_settings(from_sources(environ={"DATABASE_URL": url}))}
    assert shown["db"] == "postgresql://ops:***@db.internal:5432/fake"
