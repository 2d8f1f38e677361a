import pytest

from videocreator import settings
from videocreator.errors import InputError
from videocreator.project import StageChoice


def test_layers_apply_in_order(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(
        'aspect = "16:9"\nmusic = "none"\n[captions]\nsize = 0.07\n[voice]\nbackend = "piper"\n'
    )
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(config))
    assert settings.resolve().aspect == "16:9"
    assert settings.resolve().captions.size == 0.07
    env = {"VIDEOCREATOR_ASPECT": "1:1", "VIDEOCREATOR_SCRIPT": "template"}
    chosen = settings.resolve(environ=env)
    assert (chosen.aspect, chosen.script.backend, chosen.music) == ("1:1", "template", "none")
    assert settings.resolve({"aspect": "9:16"}, environ=env).aspect == "9:16"


def test_changing_backend_drops_the_other_backends_options(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[script]\nbackend = "local"\noptions = {temperature = 0.5}\n')
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(config))
    assert settings.resolve().script.options == {"temperature": 0.5}
    assert settings.resolve({"script": {"backend": "template"}}).script.options == {}


def test_config_and_environment_written_before_the_stage_was_named_script_still_count(tmp_path, monkeypatch):
    """Version 2 called the script's setting "writer" (``[writer]``, ``VIDEOCREATOR_WRITER``)."""
    config = tmp_path / "config.toml"
    config.write_text('[writer]\nbackend = "local"\noptions = {temperature = 0.5}\n')
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(config))
    assert settings.resolve().script == StageChoice("local", {"temperature": 0.5})
    assert settings.resolve(environ={"VIDEOCREATOR_WRITER": "template"}).script.backend == "template"
    both = {"VIDEOCREATOR_WRITER": "template", "VIDEOCREATOR_SCRIPT": "openai"}
    assert settings.resolve(environ=both).script.backend == "openai", "the name now wins"
    assert settings.resolve({"writer": {"backend": "template"}}).script.backend == "template"


def test_bad_values_name_the_setting(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="setting aspect"):
        settings.resolve({"aspect": "4:3"})
    config = tmp_path / "config.toml"
    config.write_text("aspect = ")
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(config))
    with pytest.raises(InputError, match="not valid TOML"):
        settings.resolve()
