import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  allowedActions,
  CAMPAIGN_ACTIONS,
  CAMPAIGN_STATUSES,
  type Campaign,
  type CampaignAction,
  type CampaignContext,
  type CampaignStatus,
  isEditable,
  nextScheduledRun,
  parseCampaign,
  transition,
} from '../src/campaigns/campaign.ts';
import { type CronSchedule, nextRunAfter, nextRuns, parseCron } from '../src/campaigns/cron.ts';
import { parseWorkspaceSchema, type WorkspaceSchema } from '../src/workspace/workspace-schema.ts';
import { pathsAndMessages } from './issue-text.ts';

const telecom = ((): WorkspaceSchema => {
  const text = readFileSync(new URL('../../../cvm.config.yaml', import.meta.url), 'utf8');
  const parsed = parseWorkspaceSchema(parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
})();

const context: CampaignContext = { schema: telecom };

const valid = {
  id: 'spring-topup',
  name: 'Spring top-up bonus',
  audience: {
    type: 'rule',
    rule: { type: 'attribute', attribute: 'plan_type', op: '=', value: 'prepaid' },
  },
  offers: ['topup-plus-10'],
  channel: 'sms',
  content: {
    type: 'sms',
    locales: {
      en: { text: 'Top up now and get +10%: {{ offer.name }}' },
      ru: { text: 'Пополните счёт и получите +10%' },
    },
  },
  schedule: { type: 'recurring', cron: '0 18 * * *' },
  goal: { eventType: 'topup', kpi: 'revenue' },
  priority: 500,
  purpose: 'marketing',
  createdBy: 'ann',
};

const issuesOf = (input: unknown, given: CampaignContext = context) => {
  const parsed = parseCampaign(input, given);
  return parsed.ok ? [] : pathsAndMessages(parsed.error.issues);
};

const campaignOf = (input: unknown): Campaign => {
  const parsed = parseCampaign(input, context);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.value;
};

describe('parseCampaign', () => {
  it('accepts a campaign and fills in the defaults', () => {
    expect(campaignOf(valid)).toEqual({
      ...valid,
      goal: { eventType: 'topup', kpi: 'revenue', attributionDays: 14 },
      controlShare: 10,
      status: 'draft',
      history: [],
    });
  });

  it('names every key it refuses and why', () => {
    expect(
      issuesOf({
        ...valid,
        id: '',
        offers: [],
        channel: 'telegram',
        controlShare: 60,
        priority: 5.5,
        volumeCap: 0,
        purpose: 'sales',
      }),
    ).toEqual([
      { path: 'id', message: 'must start with a lower-case letter and hold only a-z, 0-9, _ and -' },
      { path: 'offers', message: 'must list at least one offer' },
      { path: 'channel', message: 'must be one of sms, email, push, webhook' },
      { path: 'controlShare', message: 'must be a percentage from 0 to 50 with at most two decimals' },
      { path: 'priority', message: 'must be a whole number from 0 to 1000' },
      { path: 'volumeCap', message: 'must be a whole number of 1 or more' },
      { path: 'purpose', message: expect.stringContaining('marketing') },
    ]);
    expect(issuesOf({ ...valid, controlShare: 12.345 })).toHaveLength(1);
    expect(campaignOf({ ...valid, controlShare: 12.34 }).controlShare).toBe(12.34);
    expect(campaignOf({ ...valid, controlShare: 0 }).controlShare).toBe(0);
    expect(issuesOf({ ...valid, offers: ['a', 'a'] })).toEqual([
      { path: 'offers', message: 'lists an offer twice' },
    ]);
  });

  it('checks the goal event type, its conditions and the kpi against the schema', () => {
    expect(issuesOf({ ...valid, goal: { eventType: 'topups', kpi: 'conversion' } })).toEqual([
      { path: 'goal.eventType', message: 'unknown event type "topups" (did you mean "topup"?)' },
    ]);
    expect(
      issuesOf({
        ...valid,
        goal: {
          eventType: 'topup',
          where: [
            { attribute: 'topup_chanel', op: '=', value: 'app' },
            { attribute: 'amount', op: '>=', value: 'many' },
          ],
          kpi: 'conversion',
        },
      }),
    ).toEqual([
      {
        path: 'goal.where[0].attribute',
        message: 'unknown attribute "topup_chanel" of event type "topup" (did you mean "topup_channel"?)',
      },
      { path: 'goal.where[1].value', message: 'must be a number' },
    ]);
    expect(issuesOf({ ...valid, goal: { eventType: 'app_open', kpi: 'revenue' } })).toEqual([
      { path: 'goal.kpi', message: 'revenue needs a goal event with an amount; "app_open" carries none' },
    ]);
    expect(issuesOf({ ...valid, goal: { eventType: 'topup', kpi: 'clicks', attributionDays: 91 } })).toEqual([
      { path: 'goal.attributionDays', message: 'must be a whole number of days from 1 to 90' },
      { path: 'goal.kpi', message: 'must be one of conversion, revenue, retention' },
    ]);
    expect(
      issuesOf({
        ...valid,
        goal: { eventType: 'topup', kpi: 'conversion', where: [{ attribute: 'x', op: 'in' }] },
      }),
    ).toEqual([{ path: 'goal.where[0].values', message: 'is required by in' }]);
  });

  it('checks the schedule', () => {
    const scheduled = (schedule: unknown) => issuesOf({ ...valid, schedule });
    expect(scheduled({ type: 'recurring', cron: '61 9 * * *' })).toEqual([
      { path: 'schedule.cron', message: 'minute field "61": 61 is out of range 0–59' },
    ]);
    expect(scheduled({ type: 'recurring', cron: '0 9 * * * 2026' })).toEqual([
      {
        path: 'schedule.cron',
        message: 'must have 5 fields (minute hour day-of-month month day-of-week), found 6',
      },
    ]);
    expect(scheduled({ type: 'once', at: '2026-03-01T10:00:00' })).toEqual([
      {
        path: 'schedule.at',
        message: 'must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-01T10:00:00+03:00',
      },
    ]);
    expect(scheduled({ type: 'once', at: '2026-03-01T10:00:00+03:00' })).toEqual([]);
    expect(scheduled({ type: 'trigger' })).toEqual([
      { path: 'schedule.type', message: 'type must be once or recurring' },
    ]);
  });

  it('checks the audience under audience.rule or audience.segment', () => {
    expect(
      issuesOf({
        ...valid,
        audience: { type: 'rule', rule: { type: 'attribute', attribute: 'plan', op: 'is null' } },
      }),
    ).toEqual([
      { path: 'audience.rule.attribute', message: 'unknown attribute "plan" (did you mean "plan_type"?)' },
    ]);
    const saved = { ...valid, audience: { type: 'segment', segment: 'prepaid' } };
    expect(issuesOf(saved)).toEqual([]);
    expect(issuesOf(saved, { ...context, segments: new Set(['prepaid-active']) })).toEqual([
      { path: 'audience.segment', message: 'unknown segment "prepaid" (did you mean "prepaid-active"?)' },
    ]);
  });

  it('checks offers against the known ones, and their channels when given', () => {
    expect(issuesOf(valid, { ...context, offers: new Set(['topup-plus-20']) })).toEqual([
      { path: 'offers[0]', message: 'unknown offer "topup-plus-10" (did you mean "topup-plus-20"?)' },
    ]);
    expect(issuesOf(valid, { ...context, offers: new Set(['topup-plus-10']) })).toEqual([]);
    const pushOnly = new Map([['topup-plus-10', { channels: ['push' as const] }]]);
    expect(issuesOf(valid, { ...context, offers: pushOnly })).toEqual([
      { path: 'offers[0]', message: 'offer "topup-plus-10" may not be sent by sms; its channels are push' },
    ]);
  });

  it('checks the content: its channel, its variables and the default locale', () => {
    expect(issuesOf({ ...valid, channel: 'push' })).toEqual([
      { path: 'content.type', message: "must be the campaign's channel (push)" },
    ]);
    expect(
      issuesOf({ ...valid, content: { type: 'sms', locales: { en: { text: 'Hi {{ customer.tarif }}' } } } }),
    ).toEqual([
      {
        path: 'content.locales.en.text',
        message: 'unknown variable "customer.tarif" at line 1, column 7 (did you mean "customer.tariff"?)',
      },
      {
        path: 'content.locales',
        message:
          'must include the workspace default locale "ru", which customers without a locale of the content get',
      },
    ]);
  });

  it('keeps the lifecycle fields true to the status', () => {
    expect(issuesOf({ ...valid, approvedBy: 'bob', approvedAt: '2026-03-01T10:00:00Z' })).toEqual([
      { path: 'approvedBy', message: 'must be absent when status is draft' },
      { path: 'approvedAt', message: 'must be absent when status is draft' },
    ]);
    expect(issuesOf({ ...valid, status: 'approved' })).toEqual([
      { path: 'submittedBy', message: 'is required when status is approved' },
      { path: 'submittedAt', message: 'is required when status is approved' },
      { path: 'approvedBy', message: 'is required when status is approved' },
      { path: 'approvedAt', message: 'is required when status is approved' },
    ]);
    const at = '2026-03-01T10:00:00Z';
    expect(
      issuesOf({
        ...valid,
        status: 'approved',
        submittedBy: 'ann',
        submittedAt: at,
        approvedBy: 'ann',
        approvedAt: at,
      }),
    ).toEqual([{ path: 'approvedBy', message: 'must be someone other than the author and the submitter' }]);
  });
});

describe('transition', () => {
  const draft = campaignOf(valid);
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute));

  const run = (campaign: Campaign, action: CampaignAction, by: string, minute: number): Campaign => {
    const moved = transition(campaign, action, { by, at: at(minute) });
    if (!moved.ok) throw new Error(JSON.stringify(moved.error));
    return moved.value;
  };

  it('takes a campaign from draft to completed, recording who and when', () => {
    const submitted = run(draft, 'submit', 'ann', 0);
    expect(submitted).toMatchObject({
      status: 'pending_approval',
      submittedBy: 'ann',
      submittedAt: '2026-03-01T09:00:00.000Z',
    });
    const approved = run(submitted, 'approve', 'bob', 5);
    expect(approved).toMatchObject({
      status: 'approved',
      approvedBy: 'bob',
      approvedAt: '2026-03-01T09:05:00.000Z',
    });
    const completed = run(run(approved, 'start', 'system', 10), 'complete', 'system', 20);
    expect(completed.status).toBe('completed');
    expect(completed.history).toEqual([
      { action: 'submit', from: 'draft', to: 'pending_approval', by: 'ann', at: '2026-03-01T09:00:00.000Z' },
      {
        action: 'approve',
        from: 'pending_approval',
        to: 'approved',
        by: 'bob',
        at: '2026-03-01T09:05:00.000Z',
      },
      { action: 'start', from: 'approved', to: 'running', by: 'system', at: '2026-03-01T09:10:00.000Z' },
      { action: 'complete', from: 'running', to: 'completed', by: 'system', at: '2026-03-01T09:20:00.000Z' },
    ]);
    // What transition makes, parseCampaign accepts: a stored campaign reads back.
    expect(parseCampaign(completed, context)).toEqual({ ok: true, value: completed });
    expect(draft.status).toBe('draft');
  });

  it('refuses approval by the author or by whoever submitted it', () => {
    const submittedByAuthor = run(draft, 'submit', 'ann', 0);
    expect(transition(submittedByAuthor, 'approve', { by: 'ann', at: at(1) })).toEqual({
      ok: false,
      error: { type: 'self_approval' },
    });
    const submittedByOther = run(draft, 'submit', 'carl', 0);
    expect(transition(submittedByOther, 'approve', { by: 'carl', at: at(1) })).toEqual({
      ok: false,
      error: { type: 'self_approval' },
    });
    expect(transition(submittedByOther, 'approve', { by: 'bob', at: at(1) }).ok).toBe(true);
  });

  it('sends a rejected campaign back to draft, with the reason', () => {
    const submitted = run(draft, 'submit', 'ann', 0);
    const rejected = transition(submitted, 'reject', {
      by: 'bob',
      at: at(3),
      note: 'Too many SMS this week',
    });
    expect(rejected.ok && rejected.value).toMatchObject({ status: 'draft' });
    expect(rejected.ok && 'submittedBy' in rejected.value).toBe(false);
    expect(rejected.ok && rejected.value.history.at(-1)).toEqual({
      action: 'reject',
      from: 'pending_approval',
      to: 'draft',
      by: 'bob',
      at: '2026-03-01T09:03:00.000Z',
      note: 'Too many SMS this week',
    });
    expect(rejected.ok && isEditable(rejected.value)).toBe(true);
    expect(isEditable(submitted)).toBe(false);
  });

  it('allows exactly the transitions of the lifecycle', () => {
    const expected: Record<CampaignStatus, readonly CampaignAction[]> = {
      draft: ['submit'],
      pending_approval: ['approve', 'reject'],
      approved: ['start', 'stop'],
      running: ['complete', 'stop'],
      completed: [],
      stopped: [],
    };
    const submitted = run(draft, 'submit', 'ann', 0);
    const approved = run(submitted, 'approve', 'bob', 1);
    const running = run(approved, 'start', 'system', 2);
    const byStatus: Record<CampaignStatus, Campaign> = {
      draft,
      pending_approval: submitted,
      approved,
      running,
      completed: run(running, 'complete', 'system', 3),
      stopped: run(running, 'stop', 'bob', 3),
    };
    for (const status of CAMPAIGN_STATUSES) {
      expect(allowedActions(status), status).toEqual(expected[status]);
      for (const action of CAMPAIGN_ACTIONS) {
        const result = transition(byStatus[status], action, { by: 'dave', at: at(9) });
        if (expected[status].includes(action)) {
          expect(result.ok, `${status} ${action}`).toBe(true);
        } else {
          expect(result, `${status} ${action}`).toEqual({
            ok: false,
            error: { type: 'invalid_transition', from: status, action },
          });
        }
      }
    }
    expect(run(approved, 'stop', 'bob', 5).status).toBe('stopped');
  });
});

// ---------------------------------------------------------------------------------------------
// Schedules

const cronOf = (text: string): CronSchedule => {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

const next = (text: string, after: string, timeZone = 'UTC'): string | undefined =>
  nextRunAfter(cronOf(text), new Date(after), timeZone)?.toISOString();

const runsOf = (text: string, after: string, timeZone: string, count: number): string[] =>
  nextRuns(cronOf(text), { after: new Date(after), timeZone, count }).map((date) => date.toISOString());

describe('parseCron', () => {
  it('reads values, ranges, steps, lists and names', () => {
    expect(cronOf('*/15 9-17/4 1,15 JAN-mar mon-FRI')).toMatchObject({
      minutes: [0, 15, 30, 45],
      hours: [9, 13, 17],
      daysOfMonth: [1, 15],
      months: [1, 2, 3],
      daysOfWeek: [1, 2, 3, 4, 5],
      eitherDay: true,
    });
    expect(cronOf('5/20 0 * * 7,0')).toMatchObject({
      minutes: [5, 25, 45],
      daysOfWeek: [0],
      eitherDay: false,
    });
    expect(cronOf('  0   12 * * *  ').hours).toEqual([12]);
  });

  it.each([
    ['', 'must have 5 fields (minute hour day-of-month month day-of-week), found 0'],
    ['* * * *', 'must have 5 fields (minute hour day-of-month month day-of-week), found 4'],
    ['60 * * * *', 'minute field "60": 60 is out of range 0–59'],
    ['0 24 * * *', 'hour field "24": 24 is out of range 0–23'],
    ['0 0 0 * *', 'day of month field "0": 0 is out of range 1–31'],
    ['0 0 * 13 *', 'month field "13": 13 is out of range 1–12'],
    ['0 0 * * 8', 'day of week field "8": 8 is out of range 0–7'],
    ['0 0 L * *', 'day of month field "L": "L" is not a number'],
    [
      '0 0 * * MON#2',
      'day of week field "MON#2": "MON#2" is not a number or a name (SUN, MON, TUE, WED, THU, FRI, SAT)',
    ],
    ['*/0 * * * *', 'minute field "*/0": step "0" must be a whole number of 1 or more'],
    ['0 17-9 * * *', 'hour field "17-9": range "17-9" must run from low to high'],
    ['0 0 1,,2 * *', 'day of month field "1,,2": "" is not a value, a range or a step'],
    ['@daily * * * *', 'minute field "@daily": "@daily" is not a number'],
    ['0 0 30 2 *', 'never runs: no month in "2" has day "30"'],
    ['0 0 31 4,6,9,11 *', 'never runs: no month in "4,6,9,11" has day "31"'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseCron(text)).toEqual({ ok: false, error: { type: 'invalid_cron', message } });
  });

  it('accepts 30 February when a day of the week may match instead', () => {
    expect(parseCron('0 0 30 2 MON').ok).toBe(true);
  });
});

describe('nextRunAfter', () => {
  it('finds the next matching minute strictly after the given instant', () => {
    expect(next('0 18 * * *', '2026-03-01T10:00:00Z')).toBe('2026-03-01T18:00:00.000Z');
    expect(next('0 18 * * *', '2026-03-01T18:00:00Z')).toBe('2026-03-02T18:00:00.000Z');
    expect(next('0 18 * * *', '2026-03-01T17:59:59.999Z')).toBe('2026-03-01T18:00:00.000Z');
    expect(next('*/15 * * * *', '2026-03-01T10:07:30Z')).toBe('2026-03-01T10:15:00.000Z');
    expect(next('0 0 1 * *', '2026-12-31T23:59:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('matches either day field when both are restricted, both when one is *', () => {
    // 2026-03-01 is a Sunday. Either the 15th or a Monday:
    expect(runsOf('0 9 15 * MON', '2026-03-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2026-03-02T09:00:00.000Z',
      '2026-03-09T09:00:00.000Z',
      '2026-03-15T09:00:00.000Z',
    ]);
    // Every other day of the month that is also a Monday (`*/2` starts with *): both must match.
    expect(runsOf('0 9 */2 * MON', '2026-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2026-03-09T09:00:00.000Z',
      '2026-03-23T09:00:00.000Z',
    ]);
  });

  it('runs at wall-clock times of the workspace time zone', () => {
    expect(next('0 10 * * *', '2026-03-01T00:00:00Z', 'Europe/Moscow')).toBe('2026-03-01T07:00:00.000Z');
    expect(next('0 10 * * *', '2026-03-01T07:00:00Z', 'Europe/Moscow')).toBe('2026-03-02T07:00:00.000Z');
    // Monday 10:00 in Vladivostok is Monday 00:00 UTC; asked on Sunday 23:30 UTC (Monday 09:30 local).
    expect(next('0 10 * * MON', '2026-03-01T23:30:00Z', 'Asia/Vladivostok')).toBe('2026-03-02T00:00:00.000Z');
  });

  it('runs a daily job once a day across a spring-forward, at the end of the gap when skipped', () => {
    // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST.
    expect(runsOf('30 2 * * *', '2026-03-27T12:00:00Z', 'Europe/Berlin', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(runsOf('0 9 * * *', '2026-03-28T00:00:00Z', 'Europe/Berlin', 2)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT.
    expect(next('30 2 * * *', '2026-03-08T00:00:00Z', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
  });

  it('runs a daily job once on a fall-back night, at the first of the repeated times', () => {
    // Berlin, 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    expect(runsOf('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first time
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    // Asked during the repeated hour, after the first 02:30: not again that night.
    expect(next('30 2 * * *', '2026-10-25T01:10:00Z', 'Europe/Berlin')).toBe('2026-10-26T01:30:00.000Z');
  });

  it('runs an hourly job without duplicates across both changes', () => {
    expect(runsOf('0 * * * *', '2026-03-29T00:30:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 02:00 skipped: 03:00 CEST
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
      '2026-03-29T03:00:00.000Z',
    ]);
    // The repeated 02:00–03:00 hour gets its runs once, in its first pass.
    expect(runsOf('0 * * * *', '2026-10-24T23:30:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('handles a half-hour daylight saving shift', () => {
    // Lord Howe Island, 5 April 2026: 02:00 (+11) becomes 01:30 (+10:30).
    expect(runsOf('45 1 * * *', '2026-04-04T00:00:00Z', 'Australia/Lord_Howe', 2)).toEqual([
      '2026-04-04T14:45:00.000Z', // 5 April 01:45 (+11), the first of the two
      '2026-04-05T15:15:00.000Z', // 6 April 01:45 (+10:30)
    ]);
  });
});

describe('nextScheduledRun', () => {
  it('gives a one-off time until it has passed, and the next cron run otherwise', () => {
    const once = { type: 'once', at: '2026-03-01T10:00:00+03:00' } as const;
    expect(nextScheduledRun(once, new Date('2026-03-01T06:59:59Z'), 'Europe/Moscow')?.toISOString()).toBe(
      '2026-03-01T07:00:00.000Z',
    );
    expect(nextScheduledRun(once, new Date('2026-03-01T07:00:00Z'), 'Europe/Moscow')).toBeNull();
    const daily = { type: 'recurring', cron: '0 18 * * *' } as const;
    expect(nextScheduledRun(daily, new Date('2026-03-01T16:00:00Z'), 'Europe/Moscow')?.toISOString()).toBe(
      '2026-03-02T15:00:00.000Z',
    );
  });
});
