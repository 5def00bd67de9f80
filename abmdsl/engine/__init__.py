"""The compiled path: a checked playbook as SQL (SQLGlot trees), run on DuckDB by default.

Modules in pipeline order: :mod:`.sqlgen` (expressions), :mod:`.fastpath` (exact 64-bit
integer arithmetic where provable), :mod:`.steps` (the query as CTEs), :mod:`.scoring`
(points and scores), :mod:`.names` (what the tiering CTEs share), :mod:`.populations` (who
is eligible for a capped or clustered tier, ranks), :mod:`.clusters` (groups, members),
:mod:`.tiering` (first match, the joins back, reasons, holdout), :mod:`.run` (load data,
execute, input order, provenance).
"""
