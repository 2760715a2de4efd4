"""Layering inside the core: evaluation judges trained models (it may import training), training never
imports evaluation (the metrics both need live in ``dataops.metrics``), so there is no import cycle."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import dataops.training


def test_no_training_module_imports_evaluation():
    names = sorted(f"dataops.training.{m.name}" for m in pkgutil.iter_modules(dataops.training.__path__))
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('dataops.evaluation'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
