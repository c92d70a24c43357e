"""The environment Vending gives terraform and cdktf, checked with the real terraform CLI."""

import json

import pytest

from vending.ops import terraform

REAL_MIRROR = terraform.mirror_path(str(terraform.DEFAULT_CLI_CONFIG))
pytestmark = pytest.mark.skipif(REAL_MIRROR is None, reason="no provider mirror configured (make setup)")


@pytest.fixture
def mirror_as_plugin_cache(tmp_path):
    """A machine whose provider mirror is also its plugin cache (~/.terraform.d/plugin-cache):
    a mirror linking the real provider, a CLI config naming it, TF_PLUGIN_CACHE_DIR pointing at it."""
    provider = next(REAL_MIRROR.glob("registry.terraform.io/hashicorp/aws/*/*"))
    linked = tmp_path / "plugin-cache" / provider.relative_to(REAL_MIRROR)
    linked.parent.mkdir(parents=True)
    linked.symlink_to(provider)
    config = tmp_path / "terraformrc"
    config.write_text(terraform.cli_config_text(str(tmp_path / "plugin-cache")))
    stack = tmp_path / "stack"
    stack.mkdir()
    version = provider.parent.name
    required = {"aws": {"source": "hashicorp/aws", "version": version}}
    (stack / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": required}}))
    return stack, {"TF_CLI_CONFIG_FILE": str(config), "TF_PLUGIN_CACHE_DIR": str(tmp_path / "plugin-cache")}


def init(stack, env):
    return terraform.run(["init", "-backend=false", "-no-color"], stack, env)


def test_the_mirror_as_plugin_cache_breaks_a_plain_init(mirror_as_plugin_cache):
    stack, settings = mirror_as_plugin_cache
    result = init(stack, {"PATH": "/usr/bin:/bin:/usr/local/bin", "CHECKPOINT_DISABLE": "1", **settings})
    assert result.returncode != 0
    assert "to itself" in result.stdout + result.stderr


def test_vending_environment_installs_from_a_mirror_that_is_the_plugin_cache(mirror_as_plugin_cache):
    stack, settings = mirror_as_plugin_cache
    env = terraform.environment({"PATH": "/usr/bin:/bin:/usr/local/bin", **settings})
    assert "TF_PLUGIN_CACHE_DIR" not in env
    assert env["CDKTF_DISABLE_PLUGIN_CACHE_ENV"] == "1"  # cdktf would otherwise set the cache again
    result = init(stack, env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_separate_plugin_cache_is_left_alone(tmp_path):
    config = tmp_path / "terraformrc"
    config.write_text(terraform.cli_config_text("/srv/mirror"))
    env = terraform.environment({"TF_CLI_CONFIG_FILE": str(config), "TF_PLUGIN_CACHE_DIR": str(tmp_path / "cache")})
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "cache")
    assert terraform.mirror_path(str(config)).as_posix() == "/srv/mirror"


def test_without_a_mirror_the_plugin_cache_stays(tmp_path):
    config = tmp_path / "terraformrc"
    config.write_text(terraform.cli_config_text(None))
    env = terraform.environment({"TF_CLI_CONFIG_FILE": str(config), "TF_PLUGIN_CACHE_DIR": str(tmp_path)})
    assert terraform.mirror_path(str(config)) is None
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path)
    assert "CDKTF_DISABLE_PLUGIN_CACHE_ENV" not in env
