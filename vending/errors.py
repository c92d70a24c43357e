"""The error every check at the edge raises, apart from the configuration model so that raising
it (settings, parallel workers, main.py) does not import pydantic."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """Invalid configuration: ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
