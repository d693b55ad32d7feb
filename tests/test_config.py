import ipaddress

import pytest

from switchctl import config


def test_defaults_are_loopback_and_sqlite_under_data(tmp_path):
    settings = config.load({"SWITCHCTL_DATA": str(tmp_path)})
    assert str(settings.http) == "127.0.0.1:8080"
    assert str(settings.esl) == "127.0.0.1:8021"
    assert str(settings.outbound) == "127.0.0.1:8084"
    assert settings.domain == "pbx.local"
    assert settings.database == f"sqlite:///{tmp_path.resolve() / 'switchctl.sqlite3'}"
    assert ipaddress.ip_address("127.0.0.1") in settings.xml_curl_allow[0]


def test_environment_wins_over_the_file(tmp_path):
    path = tmp_path / "switchctl.ini"
    path.write_text("[switchctl]\ndomain = file.example\nhttp = 0.0.0.0:9000\n")
    settings = config.load({"SWITCHCTL_CONFIG": str(path), "SWITCHCTL_DOMAIN": "Env.Example"})
    assert settings.domain == "env.example"
    assert settings.http == config.HostPort("0.0.0.0", 9000)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SWITCHCTL_HTTP", "8080", "HOST:PORT"),
    ("SWITCHCTL_ESL", "localhost:99999", "HOST:PORT"),
    ("SWITCHCTL_DOMAIN", "bad domain!", "SIP domain"),
    ("SWITCHCTL_XML_CURL_ALLOW", "10.0.0.0/33", "xml_curl_allow"),
    ("SWITCHCTL_HTTP_CREDENTIALS", "nocolon", "USER:PASSWORD"),
    ("SWITCHCTL_PORTAL_PROXIES", "yes", "portal_proxies"),
    ("SWITCHCTL_SWITCH_HTTP", "8081", "switch_http"),
    ("SWITCHCTL_SWITCH_HTTP", "0.0.0.0:8080", "port of its own"),
    ("SWITCHCTL_SWITCH_HTTP", "127.0.0.1:8080", "port of its own"),
    ("SWITCHCTL_PORTAL_PROXIES", "9", "portal_proxies"),
    # Other scripts' digits are digits to str.isdigit and int(): never to a setting.
    ("SWITCHCTL_PORTAL_PROXIES", "\u0663", "portal_proxies"),
    ("SWITCHCTL_PORTAL_PROXIES", "\u00b2", "portal_proxies"),
    ("SWITCHCTL_HTTP", "127.0.0.1:\u0668\u0660\u0668\u0660", "HOST:PORT"),
    ("SWITCHCTL_ESL", "127.0.0.1:\u00b2", "HOST:PORT"),
    ("SWITCHCTL_OUTBOUND", "127.0.0.1:99999999999999999999", "HOST:PORT"),
    ("SWITCHCTL_SWITCH_HTTP", "127.0.0.1:\uff18\uff10\uff18\uff15", "switch_http"),
    ("SWITCHCTL_DATABASE", "postgresql://u@db.example:\u0665\u0664/pbx", "database"),
    ("SWITCHCTL_DATABASE", "postgresql://u@db.example:99999/pbx", "database"),
    ("SWITCHCTL_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR"),
    ("SWITCHCTL_LOG_LEVEL", "\u0131nfo", "log_level"),
    ("SWITCHCTL_HEADER_SECONDS", "0", "header_seconds"),
    ("SWITCHCTL_HEADER_SECONDS", "1.5", "header_seconds"),
    ("SWITCHCTL_VERTO_URL", "https://pbx.example.com:8082", "verto_url"),
    ("SWITCHCTL_VERTO_URL", "wss://", "verto_url"),
    ("SWITCHCTL_VERTO_URL", "wss://user:pw@pbx.example.com", "verto_url"),
    ("SWITCHCTL_VERTO_URL", "wss://pbx.example.com:\u0665\u0665", "verto_url"),
    ("SWITCHCTL_VERTO_URL", "wss://pbx.example.com:99999", "verto_url"),
])
def test_bad_values_are_named(name, value, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load({name: value})


def test_the_verto_address_is_the_portals_host_unless_set():
    assert config.load({}).verto_url == ""
    assert config.load({"SWITCHCTL_VERTO_URL": " wss://pbx.example.com/verto "}).verto_url == \
        "wss://pbx.example.com/verto"


def test_the_header_limit_is_ten_seconds_unless_set():
    assert config.load({}).header_seconds == 10
    assert config.load({"SWITCHCTL_HEADER_SECONDS": "2"}).header_seconds == 2


def test_log_levels_are_read_in_any_case():
    assert config.load({"SWITCHCTL_LOG_LEVEL": " debug"}).log_level == "DEBUG"
    assert config.load({}).log_level == "INFO"


def test_file_with_unknown_settings_is_refused(tmp_path):
    path = tmp_path / "c.ini"
    path.write_text("[switchctl]\ndomian = typo.example\n")
    with pytest.raises(config.ConfigError, match="domian"):
        config.load({"SWITCHCTL_CONFIG": str(path)})


def test_secrets_never_show_in_repr():
    settings = config.load({"SWITCHCTL_ESL_PASSWORD": "hunter2-esl",
                            "SWITCHCTL_HTTP_CREDENTIALS": "fs:hunter2-http",
                            "SWITCHCTL_SECRET_KEY": "hunter2-key"})
    text = repr(settings)
    assert "hunter2" not in text
    assert "esl_password" in text
    url = config.load({"SWITCHCTL_DATABASE": "postgresql://pbx:hunter2-db@db.example/pbx"})
    assert "hunter2" not in repr(url) and "postgresql://pbx:***@db.example/pbx" in repr(url)


def test_secret_key_is_generated_once_and_private(tmp_path):
    settings = config.load({"SWITCHCTL_DATA": str(tmp_path)})
    first = config.secret_key(settings)
    assert config.secret_key(settings) == first and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_switch_side_may_use_the_same_port_on_another_address():
    settings = config.load({"SWITCHCTL_HTTP": "127.0.0.1:8080",
                            "SWITCHCTL_SWITCH_HTTP": "10.0.0.5:8080"})
    assert str(settings.switch_address) == "10.0.0.5:8080"
