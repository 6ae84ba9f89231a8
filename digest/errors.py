"""Every error the user can act on, on one page.

A stage collects Problems (file, line, column, message, what to do) and raises one SiteError that
carries them all at the end of the stage. The CLI prints each as ``path:line:col: severity: message``
and exits 1. Warnings are Problems too; ``--strict`` turns them into errors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: str = ERROR

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class SiteError(Exception):
    """Raised at the end of a stage that found errors; carries every Problem of that stage."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def problem(path: Path | str, line: int, col: int, message: str, hint: str = "",
            severity: str = ERROR) -> Problem:
    return Problem(str(path), line, col, message, hint, severity)


def warning(path: Path | str, line: int, col: int, message: str, hint: str = "") -> Problem:
    return Problem(str(path), line, col, message, hint, WARNING)


def strict(problems: list[Problem]) -> list[Problem]:
    """--strict: every warning becomes an error."""
    return [replace(p, severity=ERROR) for p in problems]


def raise_errors(problems: list[Problem]) -> None:
    """End of a stage: raise if any Problem is an error (warnings ride along in the exception)."""
    if any(p.is_error for p in problems):
        raise SiteError(problems)
