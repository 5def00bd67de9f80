Feature: The goal/decision graph
  `abm` compiles a playbook into one graph of what depends on what: fields, criteria, scores,
  tiers, cadences, the plan, goals, KPIs and the verdict. The graph orders the evaluation,
  finds definitions that depend on each other in a circle, and draws the picture.

  Scenario: Scores that depend on each other in a circle are refused, naming the whole circle
    Given a playbook "circle.abm":
      """
      playbook "Circle" { horizon 90 days }
      accounts { key account_id: text  has_budget: bool  case_studies: int 0..5 }

      score attractiveness scale 1..5 {
        budget weight 60% = if has_budget then 5 else 1
        fit weight 40% = potential
      }
      score potential scale 1..5 {
        cases weight 70% = clamp(case_studies, 1, 5)
        interest weight 30% = attractiveness
      }

      tier tailored when attractiveness >= 4 and potential >= 4
      tier bulk otherwise
      """
    When the strategist runs "abm check circle.abm"
    Then the command fails with exit code 1
    And diagnostic ABM212 is reported at line 10, column 25
    And the caret points at "attractiveness"
    And the output mentions "these scores depend on each other in a circle: `attractiveness` → `potential` → `attractiveness`"
    And the output mentions "note: `attractiveness` uses `potential` here (circle.abm:6:20)"
    And the output mentions "note: `potential` uses `attractiveness` here (circle.abm:10:25)"

  Scenario: KPIs in a circle are refused too
    Given a playbook "kpis.abm":
      """
      playbook "KPIs" { horizon 90 days }
      accounts { key account_id: text }
      activities { key activity_id: text  account_id: text references accounts  type: text }
      kpi meetings = count(activities where type = "meeting") + later_meetings
      kpi later_meetings = meetings / 2
      tier everyone otherwise
      """
    When the strategist runs "abm check kpis.abm"
    Then the command fails with exit code 1
    And the output mentions "these KPIs depend on each other in a circle: `later_meetings` → `meetings` → `later_meetings`"

  Scenario: The picture of one tier and what it depends on
    Given the seed playbook "pharma_pilot.abm"
    When the strategist runs "abm graph pharma_pilot.abm --format mermaid --focus tailored"
    Then the command succeeds
    And the output mentions "flowchart LR"
    And the output mentions "attractiveness<br/>score: How attractive the client is to us"
    And the output does not mention "executive_warmup"
