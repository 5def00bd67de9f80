"""Recovery from syntax errors: each broken statement reported once, nothing else."""

from abmdsl.parser import parse


def test_nested_goals_and_tier_cadences_at_line_start_are_not_statements() -> None:
    text = (
        'playbook "x" { horizon 90 days }\n'
        'goal a "A" {\ngoal b "B" {\ntarget x >= 2\n}\n}\n'
        "tier t when s >= 1 {\ncadence warm\n}\n"
        "tier u when s >=\n"
        "tier r otherwise\n"
    )
    _, diagnostics = parse(text)
    assert [(d.code, d.span.line if d.span else None) for d in diagnostics] == [("ABM105", 10)]


def test_a_missing_brace_does_not_hide_the_statements_after_it() -> None:
    text = (
        'playbook "x" { horizon 90 days\n'  # the header's `}` is missing
        "score s scale 1..5 { a weight 100% = 1 }\n"
        "tier t when s >=\n"
        "tier r otherwise\n"
    )
    _, diagnostics = parse(text)
    assert len(diagnostics) == 2
    assert [d.span.line for d in diagnostics if d.span] == [1, 3]


def test_a_keyword_where_only_a_name_fits_is_the_name() -> None:
    module, diagnostics = parse(
        "accounts { key id: text  reach: int 1..5  segment: text  budget: money }\n"
        "score s scale 1..5 { reach weight 50% = 5  segment weight 50% = 1 }\n"
    )
    assert diagnostics == []
    assert module is not None
    assert [f.name.name for f in module.statements[0].fields] == [
        "id",
        "reach",
        "segment",
        "budget",
    ]
    assert [c.name.name for c in module.statements[1].criteria] == ["reach", "segment"]
