"""`abmdsl.testing`: Gherkin steps for a playbook repository, as a pytest plugin.

A repository of playbooks writes scenarios in a strategist's words and runs them with pytest::

    Feature: The pharma pilot
      Scenario: A closed mining company is worked as a cluster
        Given the playbook "pharma_pilot.abm"
        And an account with:
          | account_id | MINE-01 |
          | industry   | mining  |
          ...
        Then its tier is "cluster"

The steps and the ``abm_workspace`` fixture are found by pytest-bdd in every test session of an
environment where ``abmdsl[testing]`` is installed: the package registers this module under the
``pytest11`` entry point, so no ``conftest.py`` has to import anything. ``docs/testing.md`` lists
every step. ``pytest -p no:abmdsl`` switches the plugin off.
"""

from __future__ import annotations

from importlib.util import find_spec

# pytest loads this module in every environment abmdsl is installed in, also where nobody asked
# for the steps; without pytest-bdd (the `testing` extra) they could not be defined, and a
# failed import here would stop the user's unrelated test session.
pytest_plugins: list[str] = (
    [
        "abmdsl.testing.workspace",
        "abmdsl.testing.files",
        "abmdsl.testing.commands",
        "abmdsl.testing.accounts",
        "abmdsl.testing.kpis",
        "abmdsl.testing.schedule",
        "abmdsl.testing.goals",
    ]
    if find_spec("pytest_bdd") is not None
    else []
)
