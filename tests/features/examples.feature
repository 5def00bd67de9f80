Feature: Examples written inside a playbook
  A strategist pins down how the playbook should treat known accounts with `example`
  blocks; `abm test` says which hold.

  Scenario: The seed's examples hold, the closed miner among them
    Given the seed playbook "pharma_pilot.abm"
    When the strategist runs "abm test pharma_pilot.abm"
    Then the command succeeds
    And the output mentions "ok   The seed's closed TOP-20 miner goes to cluster, not tailored"
    And the output mentions "4 examples: 4 passed, 0 failed"

  Scenario: An example that no longer holds fails and says why
    Given the seed playbook "pharma_pilot.abm" with "expect tier tailored" changed to "expect tier cluster"
    When the strategist runs "abm test pharma_pilot.abm"
    Then the command fails with exit code 1
    And the output mentions "expected tier cluster, got tailored (attractiveness = 5, potential = 4.3)"

  Scenario: Coverage shows a condition no example exercises
    Given a playbook "cover.abm":
      """
      playbook "Cover" { horizon 90 days }
      accounts { key id: text  fit: int 1..5 }
      score s scale 1..5 { fit weight 100% = fit }
      tier top when s >= 4
      tier rest otherwise
      example "a strong account" {
        given account { id: "A"  fit: 5 }
        expect tier top
      }
      """
    When the strategist runs "abm test --coverage cover.abm"
    Then the command succeeds
    And the output mentions "coverage: 1 of 2 condition outcomes exercised (50%)"
    And the output mentions "tier top: condition never false"
