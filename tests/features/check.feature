Feature: Checking a playbook before it is merged
  A strategist runs `abm check` on the playbooks of the repository and either sees that
  nothing is wrong, or sees each mistake where it is, with a hint how to fix it.

  Scenario: The seed pilot playbook is correct
    Given the seed playbook "pharma_pilot.abm"
    When the strategist runs "abm check pharma_pilot.abm"
    Then the command succeeds
    And the output mentions "0 errors, 0 warnings"

  Scenario: A misspelt score is found and the right name suggested
    Given the seed playbook "pharma_pilot.abm" with "when attractiveness >= 4 and potential >= 4" changed to "when attractiveness >= 4 and potental >= 4"
    When the strategist runs "abm check pharma_pilot.abm"
    Then the command fails with exit code 1
    And the output mentions "error[ABM201]: unknown name `potental`"
    And the caret points at "potental"
    And the output mentions "did you mean `potential`?"

  Scenario: Weights that do not add up to 100% are refused
    Given a playbook "weights.abm":
      """
      playbook "Weights" { horizon 90 days }
      accounts { key id: text  has_budget: bool }
      score attractiveness scale 1..5 {
        budget weight 40% = if has_budget then 5 else 1
        fit weight 40% = 3
      }
      tier top when attractiveness >= 4
      tier rest otherwise
      """
    When the strategist runs "abm check weights.abm"
    Then the command fails with exit code 1
    And the output mentions "add up to 80%, not 100%"

  Scenario: Every broken statement is reported in one run
    Given a playbook "broken.abm":
      """
      playbook "Broken" { horizon 90 days }
      score s scale 1..5 { c weight 40 = 1 }
      tier a when s >= 3 and
      tier b when s == 2
      tier rest otherwise
      """
    When the strategist runs "abm check broken.abm"
    Then the command fails with exit code 1
    And 3 syntax errors are reported
    And the output mentions "a weight is a percentage"
    And the output mentions "compare with a single `=`"
    And the output does not mention "RBRACE"

  Scenario: A tier that an earlier tier always takes first is pointed out
    Given a playbook "order.abm":
      """
      playbook "Order" { horizon 90 days }
      accounts { key id: text  fit: int 1..5 }
      score s scale 1..5 { fit weight 100% = fit }
      tier broad when s >= 3
      tier narrow when s >= 4
      tier rest otherwise
      """
    When the strategist runs "abm check order.abm"
    Then the command fails with exit code 1
    And diagnostic ABM208 is reported at line 5, column 6
    And the output mentions "put the narrower tier first"

  Scenario: A missing file is a usage error, not a crash
    When the strategist runs "abm check nowhere.abm"
    Then the command fails with exit code 2
    And the output mentions "no such file"
