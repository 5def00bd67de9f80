Feature: One layout for every playbook
  Two strategists who lay out a playbook differently should not argue about it in review:
  `abm fmt` puts any playbook in the one canonical layout, keeping every comment.

  Scenario: A messy playbook is put in the canonical layout, comments and all
    Given a playbook "messy.abm":
      """
      playbook "Messy"{horizon 90 days   currency USD}
      # who we target
      accounts{key id:text fit:int 1..5}
      score s scale 1..5{fit weight 100%=fit}   # one criterion is enough here
      tier top when s>=4
      tier rest otherwise
      """
    When the strategist runs "abm fmt messy.abm"
    Then the command succeeds
    And the file "messy.abm" now reads:
      """
      playbook "Messy" {
        horizon 90 days
        currency USD
      }

      # who we target
      accounts {
        key id: text
        fit: int 1..5
      }

      score s scale 1..5 {
        fit weight 100% = fit
      }  # one criterion is enough here

      tier top when s >= 4

      tier rest otherwise
      """

  Scenario: CI can ask whether a playbook is formatted without changing it
    Given a playbook "messy.abm":
      """
      tier   rest    otherwise
      """
    When the strategist runs "abm fmt --check messy.abm"
    Then the command fails with exit code 1
    And the output mentions "would reformat messy.abm"
    And the file "messy.abm" is unchanged

  Scenario: The seed playbook is already in the canonical layout
    Given the seed playbook "pharma_pilot.abm"
    When the strategist runs "abm fmt --check pharma_pilot.abm"
    Then the command succeeds
    And the file "pharma_pilot.abm" is unchanged

  Scenario: A playbook that does not parse is left alone
    Given a playbook "broken.abm":
      """
      tier top when s >=
      """
    When the strategist runs "abm fmt broken.abm"
    Then the command fails with exit code 1
    And the output mentions "error[ABM105]"
    And the file "broken.abm" is unchanged
