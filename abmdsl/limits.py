"""Bounds on the work a playbook may ask for: playbooks are untrusted text from pull requests.

Each bound turns input that would otherwise exhaust memory, time or the Python stack into a
diagnostic. ``tests/unit/test_robustness.py`` feeds each one its pathological input.
"""

MAX_FILE_BYTES = 2_000_000
"""A playbook file (or text) larger than this is refused before it is parsed (ABM102)."""

MAX_NESTING = 64
"""Brackets and blocks nest at most this deep (ABM106), counted on the text before parsing."""

MAX_EXPR_DEPTH = 100
"""Operations nest at most this deep inside one expression (ABM106).

The parser itself is a loop, but every later stage (type checking, evaluation, formatting,
pydantic's ``model_dump``, which stops at 255 levels) recurses over expressions. A long flat
chain ``a + a + … + a`` is as deep as it is long, because the grammar's operators are
left-recursive, so this bounds chains as well as nesting. We bound the depth rather than
catch ``RecursionError``: where that error strikes depends on how deep the caller's stack
already is, so the same playbook could pass in one program and fail in another, and it could
strike in any later stage, not only in the parser. 100 is far above any real expression (an
``else if`` chain of 100 branches) and far below the 255 levels ``model_dump`` allows.
"""

MAX_NUMBER_DIGITS = 28
"""A number literal has at most this many digits (ABM110).

28 is the precision of Python's default decimal context: arithmetic would round any digit
beyond it. Without a bound, ``int()`` refuses literals of more than 4,300 digits with an
exception.
"""

MAX_IMPORTS = 200
"""At most this many files joined by ``import`` into one playbook."""

MAX_DIAGNOSTICS = 200
"""Output stops after this many diagnostics (with a count of the rest)."""
