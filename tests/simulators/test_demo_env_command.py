from django.core.management import call_command


def _parse(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_the_demo_env_points_the_wms_at_the_simulators_on_its_port(capsys):
    call_command("simulator_demo_env", port=8123)
    values = _parse(capsys.readouterr().out)
    assert values["SIMULATORS_ENABLED"] == "true" and values["SIMULATOR_WMS_BASE_URL"] == "http://127.0.0.1:8123"
    assert values["ONEWAREHOUSE_SANDBOX_BASE_URL"] == "http://127.0.0.1:8123/simulators/onewarehouse"
    assert values["ONE_BASE_URL"] == "http://127.0.0.1:8123/simulators/one"
    # The simulator's label_url is on 127.0.0.1: the demo allows it (off by default everywhere else).
    assert values["ONEWAREHOUSE_LABEL_ALLOW_PRIVATE"] == "true"
    assert all(values[k] for k in ("ONEWAREHOUSE_SANDBOX_PUSH_APP_SECRET", "ONEWAREHOUSE_SANDBOX_APP_SECRET",
                                   "ONE_API_KEY"))


def test_the_demo_env_file_keeps_its_keys_across_runs_and_follows_the_port(tmp_path, capsys):
    path = tmp_path / "simulators.env"
    call_command("simulator_demo_env", port=8000, write=str(path))
    first = _parse(path.read_text())
    call_command("simulator_demo_env", port=9000, write=str(path))
    second = _parse(path.read_text())
    assert second["ONE_API_KEY"] == first["ONE_API_KEY"]
    assert second["ONEWAREHOUSE_SANDBOX_APP_SECRET"] == first["ONEWAREHOUSE_SANDBOX_APP_SECRET"]
    assert second["ONE_BASE_URL"] == "http://127.0.0.1:9000/simulators/one"
    assert first["ONE_API_KEY"] not in capsys.readouterr().out
    assert path.stat().st_mode & 0o077 == 0
