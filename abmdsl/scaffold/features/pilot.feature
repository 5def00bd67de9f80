# Scenarios of the sample pilot, in the words of the strategy: what the playbook must do with
# real-looking accounts and activities. `pytest` runs them (the steps come with abmdsl[testing];
# see https://pypi.org/project/abmdsl/). Change them along with the playbook.
Feature: The pharma pilot

  Scenario: An open pharma company with budget and an insider gets a one-to-one programme
    Given the playbook "pharma_pilot.abm"
    And an account with:
      | field                 | value  |
      | account_id            | PH-01  |
      | industry              | pharma |
      | has_budget            | yes    |
      | strategic_initiatives | 5      |
      | complementary_tech    | 4      |
      | case_studies          | 5      |
      | insider               | yes    |
      | info_openness         | 4      |
    Then its tier is "tailored"
    And its attractiveness score is 4.7

  Scenario: The tailored tier keeps its best five; the next good account is worked as a cluster
    Given the playbook "pharma_pilot.abm"
    And the accounts "data/accounts.csv"
    Then 5 accounts are in tier "tailored"
    And account "ACC-0068" is in tier "cluster"

  Scenario: The sample activities bring the tender invitations the pilot aims for
    Given the playbook "pharma_pilot.abm"
    And the accounts "data/accounts.csv"
    Then KPI "tender_invitations" passes on "data/activities.csv"
