"""Binds every Gherkin feature in this folder; the steps live in conftest.py."""

from pytest_bdd import scenarios

scenarios(".")
