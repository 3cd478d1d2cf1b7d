"""What every command prints with: one console, progress bars, tables, warnings."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# Wide enough for the tables when the output is a log rather than a terminal.
console = Console(width=None if sys.stdout.isatty() else 110)


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def table(title: str, columns: list[str], caption: str | None = None) -> Table:
    """A table whose first column is left-aligned and the others right-aligned (numbers)."""
    result = Table(title=title, caption=caption)
    for i, column in enumerate(columns):
        result.add_column(column, justify="left" if i == 0 else "right", no_wrap=i == 0)
    return result


def warn(message: str) -> None:
    console.print(f"[bold yellow]warning:[/] {message}", soft_wrap=True)


def error(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, paths intact
