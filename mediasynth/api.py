"""The public Python API's import path (`import mediasynth.api`, `from mediasynth import api`):
the functions live in mediasynth/commands/api.py, the layer of the CLI's subcommands, which
sits above the engine, the report and the evaluation they call."""

from mediasynth.commands.api import *  # noqa: F403 - the public surface, re-exported
from mediasynth.commands.api import __all__  # noqa: F401
