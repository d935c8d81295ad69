"""Executes notebooks headless on the tslab kernel (nbclient) and prints, per notebook, its outputs and each cell's seconds as JSON lines.

Usage: python run_notebooks.py NOTEBOOK... ; ASTRA_URL and ASTRA_TOKEN reach the kernel through the environment.
"""

import json
import os
import sys
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path):
    """The outputs of every cell, and the reason execution stopped early (a cell timing out), if it did."""
    nb = nbformat.read(path, as_version=4)
    # Per cell; a cell that follows a training run to its end may need longer (NOTEBOOK_CELL_TIMEOUT, seconds).
    client = NotebookClient(nb, kernel_name="tslab", timeout=int(os.environ.get("NOTEBOOK_CELL_TIMEOUT", "180")), allow_errors=True)
    stopped = None
    try:
        client.execute(cwd=str(Path(path).parent))
    except Exception as error:  # a timeout or a dead kernel: report it with what the cells showed so far
        stopped = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return [cell.get("outputs", []) for cell in nb.cells], [seconds(cell) for cell in nb.cells], stopped


def seconds(cell):
    """How long the kernel was busy with the cell (nbclient records the times), or None where it never ran."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.status.busy"), timing.get("iopub.status.idle")
    if not start or not end:
        return None
    return round((datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds(), 2)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        cells, timings, stopped = run(path)
        print(json.dumps({"notebook": Path(path).name, "cells": cells, "seconds": timings, "stopped": stopped}), flush=True)
