"""Root Invoke collection: `invoke --list` shows the `flux` namespace.

Run outside the project's virtualenv (an `invoke` installed on its own, without PyYAML, sh
or jsonschema, or on a Python older than 3.11), every task would end in a traceback. This
file checks first, without importing them, and says in one line how to set up the
environment (exit 2: a required tool is missing). It keeps to syntax Python 3.6 reads.
"""

import importlib.util
import sys
from pathlib import Path

from invoke import Collection

ROOT = Path(__file__).resolve().parent
SETUP = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/invoke --list"
# distribution name (pyproject.toml) -> the module it installs, when they differ
MODULES = {"pyyaml": "yaml"}


def _requirements():
    """The runtime dependencies pyproject.toml names (none when it is not beside us)."""
    try:
        import tomllib

        with open(ROOT / "pyproject.toml", "rb") as handle:
            project = tomllib.load(handle).get("project", {})
    except (ImportError, OSError, ValueError):
        return []
    names = []
    for requirement in project.get("dependencies", []):
        name = requirement
        for stop in "<>=!~[; ":
            name = name.split(stop)[0]
        names.append(name.strip())
    return names


def _not_installed():
    if sys.version_info < (3, 11):  # noqa: UP036  (an older Python may run this file)
        return f"Python 3.11 or newer (this invoke runs Python {sys.version_info[0]}.{sys.version_info[1]})"
    missing = [
        name
        for name in [*_requirements(), "fluxtasks"]
        if importlib.util.find_spec(MODULES.get(name.lower(), name.lower().replace("-", "_")))
        is None
    ]
    return "the Python packages " + ", ".join(missing) if missing else None


_problem = _not_installed()
if _problem is not None:
    sys.stderr.write(
        f"fluxtasks needs {_problem}, which this invoke ({sys.executable}) does not have: "
        f"run the project's own virtualenv: {SETUP}\n"
    )
    raise SystemExit(2)

from fluxtasks.tasks import flux  # noqa: E402  (after the check above)
from fluxtasks.tasks._invoke_compat import (  # noqa: E402
    exit_input_on_parse_errors,
    quiet_broken_pipe,
)

exit_input_on_parse_errors()
quiet_broken_pipe()
ns = Collection()
# Paths in the config are relative to the folder that holds config/; the default
# config sits next to this file. INVOKE_FLUX_CONFIG=path overrides it.
flux.configure({"flux": {"config": str(ROOT / "config" / "flux.yaml")}})
ns.add_collection(flux)
