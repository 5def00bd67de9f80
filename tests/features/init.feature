Feature: Starting a playbook repository
  A strategist starts a repository of playbooks with `abm init`: a sample playbook with its data,
  a README, a CI workflow and a pre-commit hook. It passes its own checks from the first commit,
  and nothing the strategist already wrote is ever replaced.

  Scenario: A new repository passes its own checks
    When the strategist runs "abm init pilots"
    Then the command succeeds
    And the output mentions "created pilots/playbooks/pharma_pilot.abm"
    And the output mentions "created pilots/.github/workflows/playbooks.yml"
    And the output mentions "created pilots/.pre-commit-config.yaml"
    When the strategist runs "abm check --format github pilots/playbooks/"
    Then the command succeeds
    When the strategist runs "abm fmt --check pilots/playbooks/"
    Then the command succeeds
    When the strategist runs "abm test pilots/playbooks/"
    Then the command succeeds
    And the output mentions "passed, 0 failed"

  Scenario: A folder with files in it is left alone
    Given a data file "pilots/notes.txt":
      """
      Our own notes on the pilot.
      """
    When the strategist runs "abm init pilots"
    Then the command fails with exit code 2
    And the output mentions "pilots is not empty"
    And the output mentions "--force"
    And the file "pilots/notes.txt" is unchanged
    And no file "pilots/README.md" was written

  Scenario: With --force the missing files are added and the ones there are kept
    Given a data file "pilots/README.md":
      """
      # Our pilots
      """
    When the strategist runs "abm init --force pilots"
    Then the command succeeds
    And the output mentions "kept pilots/README.md"
    And the file "pilots/README.md" is unchanged
    When the strategist runs "abm check pilots/playbooks/"
    Then the command succeeds
