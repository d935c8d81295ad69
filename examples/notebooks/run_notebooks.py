"""Executes notebooks headless on the tslab kernel (nbclient) and prints, per notebook, its outputs as JSON lines.

Usage: python run_notebooks.py NOTEBOOK... ; ASTRA_URL and ASTRA_TOKEN reach the kernel through the environment.
"""

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path):
    """The outputs of every cell, and the reason execution stopped early (a cell timing out), if it did."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="tslab", timeout=180, allow_errors=True)
    stopped = None
    try:
        client.execute(cwd=str(Path(path).parent))
    except Exception as error:  # a timeout or a dead kernel: report it with what the cells showed so far
        stopped = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return [cell.get("outputs", []) for cell in nb.cells], stopped


if __name__ == "__main__":
    for path in sys.argv[1:]:
        cells, stopped = run(path)
        print(json.dumps({"notebook": Path(path).name, "cells": cells, "stopped": stopped}), flush=True)
