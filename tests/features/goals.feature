Feature: Goals cascaded down to what the pilot can reach
  The company's goal is split between directions and pushed down through conversion rates
  until it becomes a pre-sale metric the pilot can reach in 90 days. `abm goals` shows the
  tree with the targets the strategist wrote and those derived from them; `abm check` says
  when the directions cannot add up to the goal, or a goal cannot be measured in time.

  Scenario: Two new contracts at a 50% tender conversion need four tender invitations
    Given the seed playbook "pharma_pilot.abm"
    When the strategist runs "abm goals pharma_pilot.abm"
    Then the command succeeds
    And goal "pharma_growth" declares "revenue_growth >= 30%"
    And goal "new_clients" declares "contracts >= 2"
    And goal "new_clients" derives "tender_invitations >= 4" by "2 ÷ 50%, rounded up"
    And goal "new_clients" derives "revenue_growth >= 18%" by "60% of 30%"
    And goal "expansion" derives "revenue_growth >= 12%" by "40% of 30%"
    And the output mentions "measured by tender_invitations: reachable from day 64 of 90"

  Scenario: A lower conversion needs more invitations, and the KPI is told to aim higher
    Given the seed playbook "pharma_pilot.abm" with "via tender_invitations at 50%" changed to "via tender_invitations at 30%"
    When the strategist runs "abm goals pharma_pilot.abm"
    Then goal "new_clients" derives "tender_invitations >= 7" by "2 ÷ 30%, rounded up"
    When the strategist runs "abm check pharma_pilot.abm"
    Then the command succeeds
    And the output mentions "`tender_invitations` aims at 4, but `new_clients` needs 7 of them"

  Scenario: Amounts split the company's target between the directions
    Given a playbook "split.abm":
      """
      playbook "Split" { horizon 90 days  currency USD }
      accounts { key account_id: text }
      activities { key activity_id: text  account_id: text references accounts  type: text }

      goal grow "Grow pharma revenue by 500,000 USD" {
        target revenue >= 500000 USD
        goal new_clients { contributes 300000 USD  measured by tender_invitations }
        goal expansion { contributes 200000 USD  measured by engagement }
      }

      kpi tender_invitations = count(activities where type = "tender_invitation")  target >= 4
      kpi engagement = count(activities where type = "discussion")  target >= 10
      verdict pass when tender_invitations and engagement
      tier everyone otherwise
      """
    When the strategist runs "abm goals split.abm"
    Then the command succeeds
    And goal "new_clients" derives "revenue >= 300000 USD" by "60% of 500000 USD"
    And goal "expansion" derives "revenue >= 200000 USD" by "40% of 500000 USD"

  Scenario: A direction given in money when the goal has no target in money is an error
    Given the seed playbook "pharma_pilot.abm" with "contributes 40%" changed to "contributes 200000 USD"
    When the strategist runs "abm check pharma_pilot.abm"
    Then the command fails with exit code 1
    And the output mentions "error[ABM303]: `expansion` contributes 200000 USD, but `pharma_growth` has no target in money to take it from"

  Scenario: A goal measured only by what comes after the pilot is pointed out
    Given the seed playbook "pharma_pilot.abm" with "convert opportunity to tender_invitation 50% after 15 days" changed to "convert opportunity to tender_invitation 50% after 60 days"
    When the strategist runs "abm check pharma_pilot.abm"
    Then the command succeeds
    And the output mentions "warning[ABM302]: the goal `new_clients` is measured only by `tender_invitations`, which the pilot cannot reach within 90 days"
    And the output mentions "the earliest `tender_invitation` comes on day 109"
