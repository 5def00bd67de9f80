"""The compiled path: a checked playbook as SQL (SQLGlot trees), run on DuckDB by default.

Modules in pipeline order: :mod:`.sqlgen` (expressions), :mod:`.fastpath` (exact 64-bit
integer arithmetic where provable), :mod:`.steps` (the query as CTEs), :mod:`.scoring`
(points and scores), :mod:`.tiering` (tiers, capacity, clusters, holdout), :mod:`.run`
(load data, execute, provenance).
"""
