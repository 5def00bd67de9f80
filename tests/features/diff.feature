Feature: Reviewing a change to a playbook
  A reviewer of a pull request that edits a playbook sees which accounts change tier, why, and
  what the change does to budget and research time, before it is merged; CI can fail the
  pull request when too many accounts move.

  Background:
    Given the seed playbook "pharma_pilot.abm"
    And the bundled sample data in "data"
    And everything in the workspace is committed to git

  Scenario: A reviewer sees which accounts change tier when the tailored threshold is raised
    Given the seed playbook "pharma_pilot.abm" with "attractiveness >= 4 and potential >= 4 {" changed to "attractiveness >= 4 and potential >= 5 {"
    When the strategist runs "abm diff main:pharma_pilot.abm pharma_pilot.abm --accounts data/accounts.csv --format markdown"
    Then the command succeeds
    And the output mentions "**4 of 300 accounts change tier; budget -2000 USD"
    And the output mentions "| `tailored` | tier | changed |"
    And the output mentions "| tailored | cluster | 2 |"
    And the output mentions "| `ACC-0133` | tailored | cluster | 4.7 | 4.8 | tier rules changed: tailored |"
    And the output mentions "| tailored | 5 → 3 (-2) | 15 → 9 (-6) |"

  Scenario: CI fails the pull request when more accounts move than it allows
    Given the seed playbook "pharma_pilot.abm" with "attractiveness >= 4 and potential >= 4 {" changed to "attractiveness >= 4 and potential >= 5 {"
    When the strategist runs "abm diff main:pharma_pilot.abm pharma_pilot.abm --accounts data/accounts.csv --fail-on-moves 3"
    Then the command fails with exit code 1
    And the output mentions "4 accounts change tier, more than the 3 --fail-on-moves allows"

  Scenario: An unknown base branch is bad input
    When the strategist runs "abm diff develop:pharma_pilot.abm pharma_pilot.abm --accounts data/accounts.csv"
    Then the command fails with exit code 2
    And the output mentions "unknown git revision: develop"
