Feature: Evaluating the pilot
  After 90 days (or earlier, to see whether it is on track) the strategist measures the KPIs the
  playbook declares on what really happened, and gets each KPI's value against its target and the
  verdict; CI can gate on the exit code.

  Background:
    Given a playbook "pilot.abm":
      """
      abm 1
      playbook "Cold email or ABM" {
        start 2027-01-11
        horizon 90 days
        currency USD
      }

      accounts {
        key account_id: text
        fit: int 0..5
      }

      activities {
        key activity_id: text
        account_id: text references accounts
        type: enum(touch, reply, discussion, opportunity)
        channel: text optional
        cost: money optional
        on: date
      }

      tier pilot "The ABM programme" when fit >= 3
      tier rest "Standard sales: cold email" otherwise

      kpi opportunities "Opportunities opened" =
        count(activities where type = "opportunity")
        target >= 6
        warn >= 4

      # Cold email is measured in the same data: the standard accounts outside the programme.
      kpi cost_per_opportunity "Cost per opportunity" =
        sum(activities.cost) / count(activities where type = "opportunity")
        target <= cost_per_opportunity of outside * 3

      kpi lift "Opportunities over the control group" =
        opportunities / opportunities of control
        target >= 1.5

      verdict "ABM pays off" pass when opportunities and cost_per_opportunity
      """
    Given accounts in "accounts.csv":
      | account_id | fit |
      | P-1        | 5   |
      | P-2        | 4   |
      | P-3        | 4   |
      | P-4        | 3   |
      | B-1        | 1   |
      | B-2        | 2   |

  Scenario: ABM brings more opportunities than cold email, at several times the cost
    Given a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      ABM-01;P-1;touch;gift;100;2027-02-01
      ABM-02;P-2;touch;gift;100;2027-02-02
      ABM-03;P-3;touch;gift;100;2027-02-03
      ABM-04;P-4;touch;gift;100;2027-02-04
      ABM-05;P-1;touch;gift;100;2027-02-05
      ABM-06;P-2;touch;gift;100;2027-02-06
      ABM-07;P-3;touch;gift;100;2027-02-07
      ABM-08;P-4;touch;gift;100;2027-02-08
      ABM-09;P-1;touch;gift;100;2027-02-09
      ABM-10;P-2;touch;gift;100;2027-02-10
      ABM-11;P-3;touch;gift;100;2027-02-11
      ABM-12;P-4;touch;gift;100;2027-02-12
      ABM-13;P-1;touch;gift;100;2027-02-13
      ABM-14;P-2;touch;gift;100;2027-02-14
      ABM-15;P-3;touch;gift;100;2027-02-15
      ABM-16;P-4;touch;gift;100;2027-02-16
      ABM-17;P-1;touch;gift;100;2027-02-17
      ABM-18;P-2;touch;gift;100;2027-02-18
      ABM-19;P-3;touch;gift;100;2027-02-19
      ABM-20;P-4;touch;gift;100;2027-02-20
      ABM-21;P-1;touch;gift;100;2027-02-01
      ABM-22;P-1;opportunity;gift;;2027-03-01
      ABM-23;P-2;opportunity;gift;;2027-03-02
      ABM-24;P-3;opportunity;gift;;2027-03-03
      ABM-25;P-4;opportunity;gift;;2027-03-04
      ABM-26;P-1;opportunity;gift;;2027-03-05
      ABM-27;P-2;opportunity;gift;;2027-03-06
      ABM-28;P-3;opportunity;gift;;2027-03-07
      CE-01;B-1;touch;cold_email;2;2027-02-01
      CE-02;B-2;touch;cold_email;2;2027-02-02
      CE-03;B-1;touch;cold_email;2;2027-02-03
      CE-04;B-2;touch;cold_email;2;2027-02-04
      CE-05;B-1;touch;cold_email;2;2027-02-05
      CE-06;B-2;touch;cold_email;2;2027-02-06
      CE-07;B-1;touch;cold_email;2;2027-02-07
      CE-08;B-2;touch;cold_email;2;2027-02-08
      CE-09;B-1;touch;cold_email;2;2027-02-09
      CE-10;B-2;touch;cold_email;2;2027-02-10
      CE-11;B-1;touch;cold_email;2;2027-02-11
      CE-12;B-2;touch;cold_email;2;2027-02-12
      CE-13;B-1;touch;cold_email;2;2027-02-13
      CE-14;B-2;touch;cold_email;2;2027-02-14
      CE-15;B-1;touch;cold_email;2;2027-02-15
      CE-16;B-2;touch;cold_email;2;2027-02-16
      CE-17;B-1;touch;cold_email;2;2027-02-17
      CE-18;B-2;touch;cold_email;2;2027-02-18
      CE-19;B-1;touch;cold_email;2;2027-02-19
      CE-20;B-2;touch;cold_email;2;2027-02-20
      CE-21;B-1;opportunity;cold_email;;2027-03-01
      CE-22;B-2;opportunity;cold_email;;2027-03-02
      CE-23;B-1;opportunity;cold_email;;2027-03-03
      CE-24;B-2;opportunity;cold_email;;2027-03-04
      CE-25;B-1;opportunity;cold_email;;2027-03-05
      """
    When the strategist runs "abm evaluate pilot.abm --accounts accounts.csv --activities activities.csv"
    Then the command fails with exit code 1
    And the output mentions "opportunities        │          7 │ >= 6"
    And the output mentions "cost_per_opportunity fails (300.00 USD, target <= 24.00 USD)"
    And the output mentions "activities counted: 53 (28 of the programme, 0 of the control group, 25 outside)"

  Scenario: A pilot that passes
    Given a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      ABM-01;P-1;touch;email;1;2027-02-01
      ABM-02;P-2;touch;email;1;2027-02-02
      ABM-03;P-3;touch;email;1;2027-02-03
      ABM-04;P-4;touch;email;1;2027-02-04
      ABM-05;P-1;touch;email;1;2027-02-05
      ABM-06;P-2;touch;email;1;2027-02-06
      ABM-07;P-3;touch;email;1;2027-02-07
      ABM-08;P-4;touch;email;1;2027-02-08
      ABM-09;P-1;touch;email;1;2027-02-09
      ABM-10;P-2;touch;email;1;2027-02-10
      ABM-11;P-3;touch;email;1;2027-02-11
      ABM-12;P-4;touch;email;1;2027-02-12
      ABM-13;P-1;touch;email;1;2027-02-13
      ABM-14;P-2;touch;email;1;2027-02-14
      ABM-15;P-3;touch;email;1;2027-02-15
      ABM-16;P-4;touch;email;1;2027-02-16
      ABM-17;P-1;touch;email;1;2027-02-17
      ABM-18;P-2;touch;email;1;2027-02-18
      ABM-19;P-3;touch;email;1;2027-02-19
      ABM-20;P-4;touch;email;1;2027-02-20
      ABM-21;P-1;touch;email;1;2027-02-01
      ABM-22;P-1;opportunity;email;;2027-03-01
      ABM-23;P-2;opportunity;email;;2027-03-02
      ABM-24;P-3;opportunity;email;;2027-03-03
      ABM-25;P-4;opportunity;email;;2027-03-04
      ABM-26;P-1;opportunity;email;;2027-03-05
      ABM-27;P-2;opportunity;email;;2027-03-06
      ABM-28;P-3;opportunity;email;;2027-03-07
      CE-01;B-1;touch;cold_email;2;2027-02-01
      CE-02;B-2;touch;cold_email;2;2027-02-02
      CE-03;B-1;touch;cold_email;2;2027-02-03
      CE-04;B-2;touch;cold_email;2;2027-02-04
      CE-05;B-1;touch;cold_email;2;2027-02-05
      CE-06;B-2;touch;cold_email;2;2027-02-06
      CE-07;B-1;touch;cold_email;2;2027-02-07
      CE-08;B-2;touch;cold_email;2;2027-02-08
      CE-09;B-1;touch;cold_email;2;2027-02-09
      CE-10;B-2;touch;cold_email;2;2027-02-10
      CE-11;B-1;touch;cold_email;2;2027-02-11
      CE-12;B-2;touch;cold_email;2;2027-02-12
      CE-13;B-1;touch;cold_email;2;2027-02-13
      CE-14;B-2;touch;cold_email;2;2027-02-14
      CE-15;B-1;touch;cold_email;2;2027-02-15
      CE-16;B-2;touch;cold_email;2;2027-02-16
      CE-17;B-1;touch;cold_email;2;2027-02-17
      CE-18;B-2;touch;cold_email;2;2027-02-18
      CE-19;B-1;touch;cold_email;2;2027-02-19
      CE-20;B-2;touch;cold_email;2;2027-02-20
      CE-21;B-1;opportunity;cold_email;;2027-03-01
      CE-22;B-2;opportunity;cold_email;;2027-03-02
      CE-23;B-1;opportunity;cold_email;;2027-03-03
      CE-24;B-2;opportunity;cold_email;;2027-03-04
      CE-25;B-1;opportunity;cold_email;;2027-03-05
      """
    When the strategist runs "abm evaluate pilot.abm --accounts accounts.csv --activities activities.csv -o scorecard.md"
    Then the command succeeds
    And the output mentions "ABM pays off"
    And the output mentions ": PASS"
    And the output mentions "3.00 USD"

  Scenario: Halfway through, the pilot is not on track
    Given a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      ABM-01;P-1;opportunity;email;;2027-03-01
      ABM-02;P-2;opportunity;email;;2027-03-02
      ABM-03;P-3;opportunity;email;;2027-03-03
      """
    When the strategist runs "abm evaluate pilot.abm --accounts accounts.csv --activities activities.csv --as-of 2027-03-01"
    Then the command fails with exit code 1
    And the output mentions "scorecard as of 2027-03-01 (day 50 of 90)"
    And the output mentions "on track for day 90, at the rate so far: FAIL"

  Scenario: An empty control group gives no data, never a pass
    Given a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      O-1;P-1;opportunity;email;;2027-03-01
      """
    When the strategist runs "abm evaluate pilot.abm --accounts accounts.csv --activities activities.csv"
    Then the command fails with exit code 1
    And the output mentions "accounts: 4 in the programme, 0 in the control group, 2 outside"
    And the output mentions "no data │ >= 1.5"
    And the output mentions "NO DATA"

  Scenario: A bad activities file gets an error naming the row and the column
    Given a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      A-1;P-1;touch;email;2;2027-02-01
      A-2;P-1;call;email;2;2027-02-02
      """
    When the strategist runs "abm evaluate pilot.abm --accounts accounts.csv --activities activities.csv"
    Then the command fails with exit code 2
    And the output mentions "activities.csv"
    And the output mentions "type"

  Scenario: An engagement score measures how much attention the accounts pay
    Given a playbook "engaged.abm":
      """
      abm 1
      playbook "Attention" {
        start 2027-01-11
        horizon 90 days
        currency USD
      }

      accounts {
        key account_id: text
        fit: int 0..5
      }

      activities {
        key activity_id: text
        account_id: text references accounts
        type: enum(touch, reply, discussion, opportunity)
        channel: text optional
        cost: money optional
        on: date
      }

      tier pilot "The ABM programme" when fit >= 3
      tier rest "Standard sales: cold email" otherwise

      engagement attention "Account engagement" {
        reply 5 points
        discussion 20 points
        reply by gift 10 points
        tier pilot x1.5
        within 60 days
        decay 10% per week
        roll up max
      }

      kpi attentive "Accounts with an engagement of 30 or more" =
        share(accounts where attention >= 30)
        target >= 30%

      verdict "The accounts pay attention" pass when attentive
      """
    And a data file "activities.csv":
      """
      activity_id;account_id;type;channel;cost;on
      E-1;P-1;discussion;call;;2027-04-08
      E-2;P-2;discussion;call;;2027-04-01
      E-3;P-2;reply;gift;;2027-04-09
      E-4;P-3;discussion;call;;2027-01-20
      E-5;P-4;touch;email;2;2027-04-09
      E-6;B-1;discussion;call;;2027-04-08
      """
    When the strategist runs "abm evaluate engaged.abm --accounts accounts.csv --activities activities.csv --scores scores.csv"
    Then the command succeeds
    And the output mentions "attentive"
    And the output mentions "50%"
    And the output mentions "verdict "The accounts pay attention": PASS"
    And the output mentions "wrote the engagement scores to scores.csv"
