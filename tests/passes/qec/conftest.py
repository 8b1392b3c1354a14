import importlib.util

import pytest


def pytest_collection_modifyitems(config, items):
    """Skip tests that need qiskit-ibm-runtime / qiskit-aer / stim when they are missing."""
    for mod, mark in (("qiskit_ibm_runtime", "needs_ibm"), ("qiskit_aer", "needs_aer"), ("stim", "needs_stim")):
        if importlib.util.find_spec(mod) is None:
            for item in items:
                if mark in item.keywords:
                    item.add_marker(pytest.mark.skip(reason=f"{mod} is not installed"))


def pytest_configure(config):
    for mark in ("needs_ibm", "needs_aer", "needs_stim"):
        config.addinivalue_line("markers", f"{mark}: skipped when the optional package is missing")
