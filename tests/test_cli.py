"""The `stance` command through its real entry point: one success and one failure per command."""

import subprocess
import sys

from click.testing import CliRunner

from stance.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_ingest_status(tmp_path, seed_file):
    proj = str(tmp_path / "p")
    assert run("init", proj).exit_code == 0
    result = run("ingest", str(seed_file), "--project", proj, "--split-docs", "--meta", "outlet=Responsible Statecraft")
    assert result.exit_code == 0, result.output
    assert "Imported 4 documents (54 passages) from 1 files." in result.output
    result = run("status", "--project", proj, "--by-label")
    assert result.exit_code == 0 and "documents          4" in result.output and "posture" in result.output


def test_errors_are_one_line_without_traceback(tmp_path):
    proj = str(tmp_path / "p")
    run("init", proj)
    bad = tmp_path / "export.csv"
    bad.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(bad), "--project", proj])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {bad}: no column 'text'; columns are: id, body. Use --text-col body")
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["status", "--project", str(tmp_path / "none")])
    assert result.exit_code == 1 and "is not a project" in result.output
    result = CliRunner().invoke(main, ["init", proj])
    assert result.exit_code == 1 and "already a project" in result.output
    result = CliRunner().invoke(main, ["ingest", str(bad), "--project", proj, "--meta", "novalue"])
    assert result.exit_code == 2 and "expected key=value" in result.output


def test_codebook_show_and_render(tmp_path):
    result = run("codebook", "show")
    assert result.exit_code == 0 and "[r] restraint" in result.output
    out = tmp_path / "g.html"
    assert run("codebook", "render", "-o", str(out)).exit_code == 0
    assert "<kbd>r</kbd> <b>restraint</b>" in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\ndimensions:\n  - name: x\n    values: [{name: a, key: a}]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["codebook", "show", "--file", str(bad)])
    assert result.exit_code == 1 and "needs a list of at least two 'values'" in result.output


def test_every_command_has_help_with_an_example():
    def walk(group, prefix=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, (*prefix, name))
            else:
                yield (*prefix, name), command
    for path, _command in walk(main):
        result = run(*path, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output and "stance " in result.output, f"stance {' '.join(path)} has no example"


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "stance", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "stance" in result.stdout


def test_every_command_is_documented():
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    docs = (repo / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((repo / "docs").glob("*.md")))
    missing = [name for name in main.commands if f"stance {name}" not in docs]
    assert not missing, f"commands not in README.md or docs/: {missing}"


def test_every_command_module_is_registered_and_options_are_defined_once():
    """A command module left out of COMMAND_MODULES would silently lose its commands."""
    import ast
    from pathlib import Path

    import stance.cli as cli

    folder = Path(cli.__file__).parent
    with_commands = {p.stem for p in folder.glob("*.py")
                     if any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "COMMANDS" for t in n.targets)
                            for n in ast.parse(p.read_text(encoding="utf-8")).body)}
    assert with_commands == {m.__name__.rsplit(".", 1)[1] for m in cli.COMMAND_MODULES}
    defined = [p.name for p in folder.glob("*.py") if "project_option = " in p.read_text(encoding="utf-8")]
    assert defined == ["options.py"]
    for module in cli.COMMAND_MODULES:
        for command in module.COMMANDS:
            assert main.commands[command.name] is command
