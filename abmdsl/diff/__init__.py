"""`abm diff`: what a change to a playbook does to the accounts, the budget and the workload.

Input: two versions of a playbook (files, or ``REV:PATH`` read from git) and the accounts
(and optionally contacts) to run both on. Output: a :class:`~abmdsl.diff.compare.Diff`: the
definitions that changed (the graph's impact analysis), the accounts that move tier and why,
score deltas, research hours and budget per tier, cadence changes and touches per role and
week, rendered by :mod:`.report` as text, Markdown (a pull-request comment) or JSON.

Modules: :mod:`.revisions` (a playbook from a file or a git revision), :mod:`.accounts` (the
two runs joined in DuckDB), :mod:`.cadences` (steps added, removed, changed), :mod:`.compare`
(all of it together) and :mod:`.report`.
"""

FORMATS = ("text", "markdown", "json")
"""The output formats of `abm diff`."""
