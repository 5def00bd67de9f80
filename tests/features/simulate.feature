Feature: Simulating the pilot before launch
  Before the budget is spent, the strategist plays the pilot many times on the playbook's own
  assumptions and sees how likely each KPI is to pass, and which assumption moves the odds.

  Scenario: A strategist sees that raising the gift reply rate from 15% to 25% lifts P(pass) of engagement
    # The seed's engagement counts C-level conversations only, which a gift to a c_minus_1
    # contact cannot reach; here it counts every level's.
    Given the seed playbook "pharma_pilot.abm" with " and level = "c_level")" changed to ")"
    And the bundled sample data in "data"
    When the strategist runs "abm simulate pharma_pilot.abm --accounts data/accounts.csv --contacts data/contacts.csv --runs 400 --seed 7 --no-sensitivity -o before.json"
    And the strategist changes "reply gift to c_minus_1 15%" to "reply gift to c_minus_1 25%" in "pharma_pilot.abm"
    And the strategist runs "abm simulate pharma_pilot.abm --accounts data/accounts.csv --contacts data/contacts.csv --runs 400 --seed 7 --no-sensitivity -o after.json"
    Then the command succeeds
    And P(pass) of "engagement" is higher in "after.json" than in "before.json"

  Scenario: The sensitivity analysis ranks the uncertain email reply rate
    Given the seed playbook "pharma_pilot.abm"
    And the bundled sample data in "data"
    When the strategist runs "abm simulate pharma_pilot.abm --accounts data/accounts.csv --contacts data/contacts.csv --runs 200 --seed 7 -o sim.json"
    Then the command succeeds
    And the output mentions "Sensitivity: 200 runs per end"
    And the output mentions "reply email 2%..6%"
    And in "sim.json" raising "reply email 2%..6%" from its low to its high end lifts P(pass) of "pipeline"
