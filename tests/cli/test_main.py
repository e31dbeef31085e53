"""The command dispatcher: only the module of the command being run is imported."""

from __future__ import annotations

import importlib

import pytest

from loadwatch.cli import main as cli


@pytest.mark.parametrize(("argv", "command"), [
    (["activities", "--format", "json"], "activities"),
    (["--db", "sqlite:///x.db", "risk"], "risk"),
    (["--as", "coach", "--db", "u", "strava", "status"], "strava"),
    (["--help"], None),
    ([], None),
])
def test_command_of(argv: list[str], command: str | None) -> None:
    assert cli.command_of(argv) == command


def test_known_command_imports_only_its_module() -> None:
    assert cli.modules_for("dashboard") == ("loadwatch.cli.demo_cmds",)
    assert cli.modules_for("flags") == ("loadwatch.cli.flags_cmds",)
    assert cli.modules_for(None) == cli.COMMAND_MODULES
    assert cli.modules_for("no-such-command") == cli.COMMAND_MODULES


def test_every_mapped_command_is_registered_by_its_module() -> None:
    for module_name, commands in cli.COMMANDS.items():
        parser = cli.build_parser((module_name,))
        registered = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        assert set(commands) <= set(registered), module_name
        assert module_name in cli.COMMAND_MODULES
        importlib.import_module(module_name)


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["no-such-command"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
