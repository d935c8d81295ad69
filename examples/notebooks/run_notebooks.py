"""Executes notebooks headless on the tslab kernel (nbclient) and prints, per notebook, its outputs as JSON lines.

Usage: python run_notebooks.py NOTEBOOK... ; ASTRA_URL and ASTRA_TOKEN reach the kernel through the environment.
"""

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="tslab", timeout=240, allow_errors=True)
    client.execute(cwd=str(Path(path).parent))
    return [cell.get("outputs", []) for cell in nb.cells]


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(json.dumps({"notebook": Path(path).name, "cells": run(path)}), flush=True)
