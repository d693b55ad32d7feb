"""Enough of FreeSWITCH's XML preprocessor (src/switch_xml.c) to check freeswitch-conf/.

Rules followed: the preprocessor works line by line before XML parsing, so an
``X-PRE-PROCESS`` line runs even inside a comment; ``cmd="set"`` defines a
global (``$${name}`` is expanded in later lines, including set data);
``cmd="include"`` pastes the files a glob matches, relative to the including
file's folder; lines holding ``<include>``, ``</include>`` or ``<?`` are dropped.
"""

import dataclasses
import glob
import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "freeswitch-conf"
DIRECTIVE = re.compile(r'<X-PRE-PROCESS\s+cmd="([^"]+)"\s+data="([^"]*)"\s*/>')
GLOBAL = re.compile(r"\$\$\{([^}]+)\}")
# Globals FreeSWITCH sets itself at start-up (switch_core.c switch_core_set_globals etc.).
BUILT_IN = frozenset({
    "hostname", "local_ip_v4", "local_mask_v4", "local_ip_v6", "base_dir", "conf_dir",
    "log_dir", "run_dir", "db_dir", "mod_dir", "htdocs_dir", "script_dir", "temp_dir",
    "grammar_dir", "fonts_dir", "images_dir", "certs_dir", "storage_dir", "cache_dir",
    "recordings_dir", "sounds_dir", "data_dir", "localstate_dir", "core_uuid",
})


@dataclasses.dataclass
class Preprocessed:
    text: str = ""
    variables: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)
    files: list = dataclasses.field(default_factory=list)


def preprocess(path=CONF / "freeswitch.xml"):
    """The whole configuration as FreeSWITCH would parse it, with what went wrong."""
    result = Preprocessed()
    result.text = _file(path, result)
    return result


def _file(path, result):
    result.files.append(path)
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        where = f"{path.relative_to(CONF)}:{number}"
        directive = DIRECTIVE.search(line)
        if directive:
            _run(directive.group(1), _expand(directive.group(2), result, where), path, result,
                 where, lines)
        elif not any(token in line for token in ("<include>", "</include>", "<?")):
            lines.append(_expand(line, result, where))
    return "\n".join(lines)


def _run(command, data, path, result, where, lines):
    if command == "set":
        name, _, value = data.partition("=")
        result.variables[name] = value
    elif command == "include":
        matches = sorted(glob.glob(str(path.parent / data)))
        if not matches:
            result.problems.append(f"{where}: include {data!r} matches no file")
        lines.extend(_file(Path(m).resolve(), result) for m in matches)
    else:
        result.problems.append(f"{where}: unexpected X-PRE-PROCESS cmd {command!r}")


def _expand(line, result, where):
    def value(match):
        name = match.group(1)
        if name in result.variables:
            return result.variables[name]
        if name not in BUILT_IN:
            result.problems.append(f"{where}: $${{{name}}} is not defined")
        return f"[built-in {name}]"
    return GLOBAL.sub(value, line)
