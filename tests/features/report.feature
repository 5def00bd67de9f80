Feature: The pilot's report
  The strategist sends one page to the team and the sponsor: where the accounts sit on the
  matrix, which tier each landed in and why, the goals, the plan and whether the pilot passes.
  It opens from the file, with nothing to install and nothing fetched from the network.

  Background:
    Given the seed playbook "pharma_pilot.abm"
    And the bundled sample data in "data"

  Scenario: The report shows each tier's accounts and the verdict
    When the strategist runs "abm report pharma_pilot.abm --accounts data/accounts.csv --contacts data/contacts.csv --activities data/activities.csv -o report.html"
    Then the command succeeds
    And the report "report.html" shows tier "tailored" with 5 accounts
    And the report "report.html" shows tier "cluster" with 45 accounts
    And the report "report.html" lists account "ACC-0068" in tier "cluster" because "tailored is full"
    And the report "report.html" gives the verdict "fail"
    And the report "report.html" draws the matrix, the plan and the cadence calendar

  Scenario: Without activities, the Markdown report says how to add the scorecard
    When the strategist runs "abm report pharma_pilot.abm --accounts data/accounts.csv -o report.md"
    Then the command succeeds
    And the report "report.md" says "Not measured: give what happened with `--activities FILE`"
    And the report "report.md" says "tender_invitations >= 4"

  Scenario: A simulation needs the contacts the cadences go to
    When the strategist runs "abm report pharma_pilot.abm --accounts data/accounts.csv --simulate 100 -o report.html"
    Then the command fails with exit code 2
    And the output mentions "--simulate needs the contacts"
    And no file "report.html" was written
