Feature: Tiering accounts from a CRM export
  A strategist runs the playbook on the accounts exported from the CRM and gets each
  account's scores and tier, with the reason for any account that did not get the tier it
  qualified for.

  Background:
    Given the seed playbook "pharma_pilot.abm"

  Scenario: The seed's closed mining company goes to cluster, not tailored
    Given accounts in "accounts.csv":
      | account_id | industry | has_budget | strategic_initiatives | complementary_tech | case_studies | insider | info_openness |
      | MINE-01    | mining   | yes        | 4                     | 5                  | 5            | no      | 1             |
      | MINE-02    | mining   | yes        | 4                     | 4                  | 4            | no      | 2             |
      | MINE-03    | mining   | yes        | 3                     | 4                  | 4            | no      | 3             |
      | MINE-04    | mining   | yes        | 4                     | 3                  | 4            | no      | 2             |
      | MINE-05    | mining   | yes        | 5                     | 3                  | 4            | no      | 3             |
      | MINE-06    | mining   | yes        | 3                     | 5                  | 4            | no      | 2             |
      | MINE-07    | mining   | yes        | 4                     | 4                  | 3            | no      | 4             |
      | MINE-08    | mining   | yes        | 5                     | 4                  | 4            | no      | 2             |
    When the strategist runs "abm run pharma_pilot.abm --accounts accounts.csv -o tiers.csv"
    Then the command succeeds
    And account "MINE-01" has attractiveness 4.6 and potential 3
    And account "MINE-01" is in tier "cluster"
    And account "MINE-01" is in cluster "mining"

  Scenario: Six accounts qualify for tailored; the weakest falls to cluster
    Given accounts in "accounts.csv":
      | account_id | industry | has_budget | strategic_initiatives | complementary_tech | case_studies | insider | info_openness |
      | PH-01      | pharma   | yes        | 5                     | 5                  | 5            | yes     | 5             |
      | PH-02      | pharma   | yes        | 5                     | 5                  | 5            | yes     | 4             |
      | PH-03      | pharma   | yes        | 5                     | 5                  | 4            | yes     | 5             |
      | PH-04      | pharma   | yes        | 5                     | 4                  | 5            | yes     | 5             |
      | PH-05      | pharma   | yes        | 4                     | 5                  | 5            | yes     | 4             |
      | PH-06      | pharma   | yes        | 4                     | 4                  | 4            | yes     | 4             |
      | PH-07      | pharma   | yes        | 4                     | 3                  | 4            | no      | 3             |
      | PH-08      | pharma   | yes        | 3                     | 4                  | 4            | no      | 3             |
      | PH-09      | pharma   | yes        | 4                     | 4                  | 4            | no      | 2             |
      | PH-10      | pharma   | yes        | 3                     | 3                  | 4            | no      | 3             |
      | PH-11      | pharma   | yes        | 5                     | 3                  | 3            | no      | 4             |
      | PH-12      | pharma   | yes        | 3                     | 5                  | 3            | no      | 4             |
      | PH-13      | pharma   | yes        | 4                     | 4                  | 4            | no      | 1             |
    When the strategist runs "abm run pharma_pilot.abm --accounts accounts.csv -o tiers.csv"
    Then the command succeeds
    And 5 accounts are in tier "tailored"
    And account "PH-06" is in tier "cluster"
    And account "PH-06" was demoted from "tailored" because "tailored is full: at most 5 accounts, this one ranks 6"
    And 8 accounts are in tier "cluster"

  Scenario: A bad CSV gets an error naming the row and the column
    Given a data file "accounts.csv":
      """
      account_id;industry;has_budget;strategic_initiatives;complementary_tech;case_studies;insider;info_openness
      A-1;pharma;yes;5;5;5;yes;5
      A-2;pharma;perhaps;5;5;5;yes;5
      A-3;pharma;yes;5;5;9;yes;5
      """
    When the strategist runs "abm run pharma_pilot.abm --accounts accounts.csv -o tiers.csv"
    Then the command fails with exit code 2
    And the output mentions "row 2"
    And the output mentions "has_budget"
    And the output mentions "row 3"
    And the output mentions "case_studies"
    And no file "tiers.csv" was written

  Scenario: Explaining an account names the comparison that failed and by how much
    Given accounts in "accounts.csv":
      | account_id | industry | has_budget | strategic_initiatives | complementary_tech | case_studies | insider | info_openness |
      | MINE-01    | mining   | yes        | 4                     | 5                  | 5            | no      | 1             |
    When the strategist runs "abm explain pharma_pilot.abm MINE-01 --accounts accounts.csv"
    Then the command succeeds
    And the output mentions "potential = 3, needs >= 4 (short by 1)"
    And the output mentions "its industry group "mining" has 1 accounts, fewer than the 8 a cluster of cluster needs"
