"""Bounds on the work a playbook may ask for: playbooks are untrusted text from pull requests."""

MAX_FILE_BYTES = 2_000_000
"""A playbook file larger than this is refused before it is parsed."""

MAX_NESTING = 64
"""Brackets and blocks nest at most this deep."""

MAX_IMPORTS = 200
"""At most this many files joined by ``import`` into one playbook."""

MAX_DIAGNOSTICS = 200
"""Output stops after this many diagnostics (with a count of the rest)."""
