Feature: Scheduling the pilot on the calendar
  A strategist turns the playbook into a dated plan: every touch of every cadence on a real
  working day of the playbook's country, for each contact of each account in the programme,
  with the role that owns it; the pilot's stages with their dates; and the team's workload.

  Background:
    Given the seed playbook "pharma_pilot.abm"
    And accounts in "accounts.csv":
      | account_id | industry      | has_budget | strategic_initiatives | complementary_tech | case_studies | insider | info_openness |
      | PH-01      | pharma        | yes        | 5                     | 5                  | 5            | yes     | 5             |
      | PH-02      | pharma        | yes        | 5                     | 5                  | 4            | yes     | 5             |
      | MFG-12     | manufacturing | no         | 1                     | 2                  | 1            | no      | 2             |
    And contacts in "contacts.csv":
      | contact_id | account_id | level     | role        |
      | C-1        | PH-01      | c_level   | CEO         |
      | C-2        | PH-01      | c_minus_1 | Head of IT  |
      | C-3        | PH-01      | c_minus_1 | Deputy CFO  |
      | C-4        | PH-02      | c_level   | CIO         |
      | C-5        | MFG-12     | c_level   | CEO         |

  Scenario: The seed's C-1 contacts get the gift at touch 7 on the 8th business day of the cadence
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And contact "C-1" gets a gift at touch 1 on 2027-02-15
    And contact "C-2" gets an email at touch 2 on 2027-02-15
    And contact "C-2" gets a gift at touch 7 on 2027-02-25
    And touch 7 falls on business day 8 of the cadence
    And the c_minus_1 contacts get touch 7 as a gift on 2027-02-25
    And every touch after the first refers back to touch 1

  Scenario: Russian holidays move the touches, and a working Saturday counts
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And no touch falls on a weekend or public holiday of "RU"
    And no touch is dated 2027-02-23
    And contact "C-2" gets an email at touch 6 on 2027-02-24
    And touch 6 falls on business day 7 of the cadence

  Scenario: Only accounts in a tier with a cadence get touches
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And 18 touches are scheduled
    And account "MFG-12" gets no touches
    And the output mentions "18 touches to 4 contacts at 2 accounts"

  Scenario: An account without deputies is reported, not skipped silently
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And the output mentions "1 account lacks a contact their cadence targets"
    And the output mentions "PH-02 (tailored): no c_minus_1; touches 2, 4, 6, 7 reach nobody"

  Scenario: The plan's stages get dates, week 1 starting on the playbook's start
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv --plan plan.csv"
    Then the command succeeds
    And stage "preparation" runs from 2027-01-11 to 2027-01-24
    And stage "cadences" runs from 2027-02-15 to 2027-03-14
    And stage "wrap_up" runs from 2027-03-29 to 2027-04-10
    And the output mentions "cadences start on 2027-02-15 (stage `cadences` starts in week 6)"

  Scenario: The team's calendar has one event per touch, or one per role and day
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    And the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.ics"
    And the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o days.ics --ics-per owner-day"
    Then the command succeeds
    And the calendar "touches.ics" has 18 touch events, each on a touch's day, and 8 stage events
    And the calendar "days.ics" has 8 touch events, each on a touch's day, and 8 stage events

  Scenario: The control group gets no touches
    Given the bundled sample data in "data"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts data/accounts.csv --contacts data/contacts.csv -o touches.csv"
    Then the command succeeds
    And account "ACC-0220" gets no touches
    And the output mentions "1 holdout account gets no touches: the control group"
    And no touch falls on a weekend or public holiday of "RU"

  Scenario: Cadences need the contacts they go to
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv -o touches.csv"
    Then the command fails with exit code 2
    And the output mentions "give the contacts file with `--contacts contacts.csv`"
    And no file "touches.csv" was written

  Scenario: A playbook without a start date cannot be put on a calendar
    Given the seed playbook "pharma_pilot.abm" with "start 2027-01-11" changed to "# start to be agreed"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv"
    Then the command fails with exit code 2
    And the output mentions "add the pilot's first day to its header, e.g. `start 2027-01-11`"
    And the output does not mention "Traceback"

  Scenario: A cadence that would start on 3 May waits for the next working day in Poland
    Given a playbook "pl.abm":
      """
      playbook "Klaster IT" {
        start 2027-03-29
        horizon 90 days
        calendar PL
        currency PLN
      }

      accounts {
        key nip: text
      }

      contacts {
        key id_kontaktu: text
        nip: text references accounts
        poziom: enum(zarząd, zastępca)
      }

      tier wszystkie otherwise {
        cadence krótka
      }

      cadence krótka over 3 business days {
        day 1: email to zarząd by sdr
        day 3: call to zarząd refers to touch 1 by sdr
      }

      plan {
        roles kierownik, sdr
        stage start_kadencji "Uruchomienie kadencji" weeks 6..9 {
          accountable kierownik
          responsible sdr
        }
      }
      """
    And a data file "konta.csv":
      """
      nip
      525-000-00-01
      """
    And a data file "kontakty.csv":
      """
      id_kontaktu;nip;poziom
      K-1;525-000-00-01;zarząd
      """
    When the strategist runs "abm schedule pl.abm --accounts konta.csv --contacts kontakty.csv -o touches.csv"
    Then the command succeeds
    And no touch is dated 2027-05-03
    And contact "K-1" gets an email at touch 1 on 2027-05-04
    And contact "K-1" gets a call at touch 2 on 2027-05-06

  Scenario: A role's daily touch limit moves the overflow to the next business days
    Given the seed playbook "pharma_pilot.abm" with "capacity bdr 60 touches per day" changed to "capacity bdr 1 touches per day"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And 18 touches are scheduled
    And contact "C-2" gets an email at touch 2 on 2027-02-15
    And contact "C-3" gets an email at touch 2 on 2027-02-16
    And contact "C-4" gets a call at touch 8 on 2027-03-05
    And the output mentions "12 touches moved to later business days to keep within the daily limits (bdr 1 touches a day): by 4 at most, 2.1 on average"

  Scenario: A pilot whose tiers spend more than the plan's budget is warned about
    Given the seed playbook "pharma_pilot.abm" with "budget 25000 USD" changed to "budget 1500 USD"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv"
    Then the command succeeds
    And the output mentions "warning: the tiers' budgets come to 2000 USD, over the plan's budget of 1500 USD"
    And the output does not mention "moved to later business days"

  Scenario: A re-contact window keeps a contact's touches apart, in their order
    Given the seed playbook "pharma_pilot.abm" with "stop on reply" changed to "recontact after 2 business days stop on reply"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And 18 touches are scheduled
    And contact "C-2" gets an email at touch 6 on 2027-02-24
    And contact "C-2" gets a gift at touch 7 on 2027-02-26
    And contact "C-2" gets a call at touch 8 on 2027-03-02
    And contact "C-1" gets a call at touch 8 on 2027-03-01

  Scenario: A/B variants of a step split the contacts by a hash of their key
    Given the seed playbook "pharma_pilot.abm" with "pain" refers to touch 1 by bdr" changed to "pain" refers to touch 1 by bdr variants { a 50% "Problem first" b 50% "Case first" }"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv -o touches.csv"
    Then the command succeeds
    And 18 touches are scheduled
    And the output mentions "A/B test of executive_warmup touch 3: a 1, b 1 touches"

  Scenario: A reply stops the contact's cadence; a meeting pauses the account
    Given activities in "activities.csv":
      | activity_id | account_id | contact_id | type    | level     | channel | cost | on         |
      | A-1         | PH-01      | C-2        | reply   | c_minus_1 | email   |      | 2027-02-17 |
      | A-2         | PH-02      |            | meeting |           |         |      | 2027-02-18 |
      | A-3         | PH-01      | C-1        | touch   | c_level   | gift    | 120  | 2027-02-15 |
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv --activities activities.csv -o touches.csv"
    Then the command succeeds
    And 18 touches are scheduled
    And touch 2 of contact "C-2" is planned
    And touch 4 of contact "C-2" is stopped: "reply from C-2 on 2027-02-17"
    And touch 8 of contact "C-2" is stopped: "reply from C-2 on 2027-02-17"
    And touch 8 of contact "C-3" is planned
    And touch 3 of contact "C-4" is planned
    And touch 5 of contact "C-4" is paused: "meeting at PH-02 on 2027-02-18"
    And touch 8 of contact "C-4" is paused: "meeting at PH-02 on 2027-02-18"
    And the output mentions "executive_warmup: `stop on reply` stopped 4 touches of 1 contact"
    And the output mentions "executive_warmup: `pause account on meeting` paused 2 touches of 1 account"
    When the strategist runs "abm schedule pharma_pilot.abm --accounts accounts.csv --contacts contacts.csv --activities activities.csv -o touches.ics"
    Then the command succeeds
    And the output mentions "left out 4 stopped and 2 paused touches"
    And the calendar "touches.ics" has 12 touch events, each on a touch's day, and 8 stage events
