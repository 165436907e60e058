import type { CampaignContext } from '../campaigns/campaign.ts';
import { issuesUnder, zodIssues } from '../campaigns/offer.ts';
import { closestName } from '../closest-name.ts';
import type { ContentTemplate } from '../content/content-template.ts';
import { checkTemplate } from '../content/render-template.ts';
import { templateVariables } from '../content/template-variables.ts';
import { err, ok, type Result } from '../result.ts';
import { checkSegmentRule } from '../segments/check-segment-rule.ts';
import type { AttributeCondition, SegmentRule } from '../segments/segment-rule.ts';
import type { SchemaIssue } from '../workspace/workspace-schema.ts';
import { exitsOf, Journey, type JourneyNode } from './journey.ts';

/**
 * What is wrong with a journey, each issue with the path of its key and, where it is about one
 * node, that node's id, so the canvas shows it on the node.
 *
 * The graph: a start, every node reachable from it, every way out of a node connected to a node
 * that exists (a branch's default too), no cycles, a split's shares adding up to 100. The nodes:
 * a send has content of its channel in the workspace's default locale, with variables the
 * workspace knows, and an offer that exists and may go by that channel; events, attributes and
 * segments named exist. A draft may be incomplete (`parseJourney` accepts it with its issues);
 * only a journey without issues is submitted for approval.
 */

export interface JourneyIssue extends SchemaIssue {
  /** The node the issue is about, when it is about one. */
  readonly node?: string | undefined;
}

export type JourneyDefinitionError = {
  readonly type: 'invalid_journey';
  readonly issues: readonly JourneyIssue[];
};

const hint = (name: string, known: Iterable<string>): string => {
  const closest = closestName(name, known);
  return closest === undefined ? '' : ` (did you mean "${closest}"?)`;
};

const attributeRule = (where: readonly AttributeCondition[]): SegmentRule => ({
  type: 'and',
  rules: where.map((condition) => ({ type: 'attribute', ...condition })),
});

const ruleIssues = (rule: SegmentRule, context: CampaignContext, path: string): SchemaIssue[] => {
  const checked = checkSegmentRule(rule, context);
  return checked.ok ? [] : issuesUnder(path, checked.error.issues);
};

/** An event type with conditions, checked as an activity condition is. */
const eventIssues = (
  selection: { readonly eventType: string; readonly where?: readonly AttributeCondition[] | undefined },
  context: CampaignContext,
  path: string,
): SchemaIssue[] =>
  ruleIssues(
    { type: 'activity', eventType: selection.eventType, where: selection.where, done: true },
    context,
    path,
  );

const contentIssues = (
  content: ContentTemplate,
  channel: string,
  context: CampaignContext,
  path: string,
): SchemaIssue[] => {
  if (content.type !== channel) {
    return [{ path: `${path}.type`, message: `must be the node's channel (${channel})` }];
  }
  const checked = checkTemplate(content, { variables: templateVariables(context.schema) });
  const issues = checked.ok ? [] : issuesUnder(path, checked.error.issues);
  const fallback = context.schema.workspace.defaultLocale;
  const language = fallback.split('-')[0];
  if (!Object.keys(content.locales).some((locale) => locale === fallback || locale.split('-')[0] === language)) {
    issues.push({
      path: `${path}.locales`,
      message: `must include the workspace default locale "${fallback}", which customers without a locale of the content get`,
    });
  }
  return issues;
};

const graphIssues = (journey: Journey): JourneyIssue[] => {
  const issues: JourneyIssue[] = [];
  const index = new Map<string, number>();
  journey.nodes.forEach((node, at) => {
    if (index.has(node.id)) {
      issues.push({ path: `nodes[${at}].id`, node: node.id, message: `node "${node.id}" is there twice` });
    } else index.set(node.id, at);
  });
  const ids = [...index.keys()];
  if (journey.nodes.length === 0) {
    issues.push({ path: 'nodes', message: 'must hold at least one node after the entry' });
    return issues;
  }
  if (journey.start === undefined) {
    issues.push({ path: 'start', message: 'the entry must lead to a first node' });
  } else if (!index.has(journey.start)) {
    issues.push({ path: 'start', message: `unknown node "${journey.start}"${hint(journey.start, ids)}` });
  }
  journey.nodes.forEach((node, at) => {
    for (const exit of exitsOf(node)) {
      const path = `nodes[${at}].${exitPath(node, exit.handle)}`;
      if (exit.to === undefined) {
        issues.push({ path, node: node.id, message: missingExit(node, exit.handle) });
      } else if (!index.has(exit.to)) {
        issues.push({ path, node: node.id, message: `unknown node "${exit.to}"${hint(exit.to, ids)}` });
      } else if (exit.to === node.id) {
        issues.push({ path, node: node.id, message: 'leads back to the node itself' });
      }
    }
    if (node.type === 'split') {
      const total = node.paths.reduce((sum, path) => sum + Math.round(path.share * 100), 0);
      if (total !== 10_000) {
        issues.push({
          path: `nodes[${at}].paths`,
          node: node.id,
          message: `shares must add up to 100, they add up to ${total / 100}`,
        });
      }
    }
  });
  // Reachable from the start, and no cycle (a depth-first walk with colours, iteratively).
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles = new Set<string>();
  if (journey.start !== undefined && byId.has(journey.start)) {
    const stack: { id: string; next: number }[] = [{ id: journey.start, next: 0 }];
    state.set(journey.start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const node = byId.get(top.id) as JourneyNode;
      const exits = exitsOf(node);
      if (top.next >= exits.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const to = exits[top.next]?.to;
      top.next += 1;
      if (to === undefined || !byId.has(to) || to === top.id) continue;
      const seen = state.get(to);
      if (seen === 'open') cycles.add(top.id);
      else if (seen === undefined) {
        state.set(to, 'open');
        stack.push({ id: to, next: 0 });
      }
    }
    journey.nodes.forEach((node, at) => {
      if (!state.has(node.id) && index.get(node.id) === at) {
        issues.push({
          path: `nodes[${at}]`,
          node: node.id,
          message: 'cannot be reached: no way from the entry leads here',
        });
      }
    });
  }
  for (const id of cycles) {
    issues.push({
      path: `nodes[${index.get(id)}]`,
      node: id,
      message: 'leads back to an earlier node: a journey goes forward only',
    });
  }
  return issues;
};

const exitPath = (node: JourneyNode, handle: string): string => {
  if (handle === 'timeout') return 'timeoutNext';
  if (handle === 'default') return 'defaultNext';
  if (handle.startsWith('branch:')) return `branches[${handle.slice(7)}].next`;
  if (handle.startsWith('path:')) return `paths[${handle.slice(5)}].next`;
  return node.type === 'exit' ? 'type' : 'next';
};

const missingExit = (node: JourneyNode, handle: string): string => {
  if (handle === 'default') return 'a branch needs a default way for everyone no branch takes';
  if (handle === 'timeout') return 'a wait for an event needs a way for those who do not do it in time';
  if (handle.startsWith('branch:') || handle.startsWith('path:')) return 'leads nowhere: connect it to a node';
  return `leads nowhere: connect the ${node.type} to the next node or to an exit`;
};

const nodeIssues = (journey: Journey, context: CampaignContext): JourneyIssue[] => {
  const issues: JourneyIssue[] = [];
  const sends = new Set(journey.nodes.filter((node) => node.type === 'send').map((node) => node.id));
  const segmentKnown = (segment: string, path: string, node?: string): JourneyIssue[] => {
    const known = context.segments;
    if (known === undefined || known.has(segment)) return [];
    return [{ path, node, kind: 'unknown_name', message: `unknown segment "${segment}"${hint(segment, known)}` }];
  };
  journey.nodes.forEach((node, at) => {
    const path = `nodes[${at}]`;
    const own = (list: readonly SchemaIssue[]): void => {
      for (const issue of list) issues.push({ ...issue, node: node.id });
    };
    switch (node.type) {
      case 'send': {
        if (node.content === undefined) {
          issues.push({ path: `${path}.content`, node: node.id, message: 'a send needs content' });
        } else own(contentIssues(node.content, node.channel, context, `${path}.content`));
        const offers = context.offers;
        if (node.offer !== undefined && offers !== undefined) {
          if (!offers.has(node.offer)) {
            own([{ path: `${path}.offer`, message: `unknown offer "${node.offer}"${hint(node.offer, offers.keys())}` }]);
          } else {
            const offer = 'get' in offers ? offers.get(node.offer) : undefined;
            if (offer !== undefined && !offer.channels.includes(node.channel)) {
              own([
                {
                  path: `${path}.offer`,
                  message: `offer "${node.offer}" may not be sent by ${node.channel}; its channels are ${offer.channels.join(', ')}`,
                },
              ]);
            }
          }
        }
        break;
      }
      case 'wait':
        if (node.wait.type === 'event') own(eventIssues(node.wait, context, `${path}.wait`));
        break;
      case 'branch':
        node.branches.forEach((branch, index) => {
          const where = `${path}.branches[${index}].when`;
          const when = branch.when;
          if (when.type === 'attributes') own(ruleIssues(attributeRule(when.where), context, `${where}.where`));
          else if (when.type === 'segment') issues.push(...segmentKnown(when.segment, `${where}.segment`, node.id));
          else {
            if (!sends.has(when.node)) {
              own([{ path: `${where}.node`, message: `"${when.node}" is not a send node of this journey` }]);
            }
            if (when.outcome === 'event') {
              if (when.eventType === undefined) own([{ path: `${where}.eventType`, message: 'names the event to look for, such as an open or a click' }]);
              else own(eventIssues({ eventType: when.eventType }, context, `${where}`));
            } else if (when.eventType !== undefined) {
              own([{ path: `${where}.eventType`, message: `is only for the outcome "event", not "${when.outcome}"` }]);
            }
          }
        });
        break;
      default:
        break;
    }
  });
  return issues;
};

const entryIssues = (journey: Journey, context: CampaignContext): JourneyIssue[] => {
  const { entry } = journey;
  switch (entry.type) {
    case 'event':
      return [
        ...eventIssues(entry, context, 'entry'),
        ...(entry.customer === undefined ? [] : ruleIssues(entry.customer, context, 'entry.customer')),
      ];
    case 'inactivity':
      return [
        ...eventIssues({ eventType: entry.eventType }, context, 'entry'),
        ...(entry.customer === undefined ? [] : ruleIssues(entry.customer, context, 'entry.customer')),
      ];
    case 'segment': {
      const known = context.segments;
      if (known === undefined || known.has(entry.segment)) return [];
      return [
        {
          path: 'entry.segment',
          kind: 'unknown_name',
          message: `unknown segment "${entry.segment}"${hint(entry.segment, known)}`,
        },
      ];
    }
    case 'date': {
      const attributes = context.schema.customer.attributes;
      const definition = Object.hasOwn(attributes, entry.attribute) ? attributes[entry.attribute] : undefined;
      const issues: JourneyIssue[] =
        definition === undefined
          ? [
              {
                path: 'entry.attribute',
                kind: 'unknown_name',
                message: `unknown customer attribute "${entry.attribute}"${hint(entry.attribute, Object.keys(attributes))}`,
              },
            ]
          : definition.type !== 'date'
            ? [{ path: 'entry.attribute', message: `must be a date attribute; "${entry.attribute}" is ${definition.type}` }]
            : [];
      if (entry.customer !== undefined) issues.push(...ruleIssues(entry.customer, context, 'entry.customer'));
      return issues;
    }
  }
};

const goalIssues = (journey: Journey, context: CampaignContext): JourneyIssue[] => {
  const issues: JourneyIssue[] = eventIssues(journey.goal, context, 'goal');
  const events = context.schema.events;
  const definition = Object.hasOwn(events, journey.goal.eventType) ? events[journey.goal.eventType] : undefined;
  if (journey.goal.kpi === 'revenue' && definition !== undefined && !definition.amount) {
    issues.push({
      path: 'goal.kpi',
      message: `revenue needs a goal event with an amount; "${journey.goal.eventType}" carries none`,
    });
  }
  if (journey.window?.from !== undefined && journey.window.to !== undefined) {
    if (Date.parse(journey.window.from) >= Date.parse(journey.window.to)) {
      issues.push({ path: 'window.to', message: 'must be after window.from' });
    }
  }
  return issues;
};

/** Every issue of a parsed journey: its graph, its nodes, its entry and goal against the workspace. */
export const checkJourney = (journey: Journey, context: CampaignContext): readonly JourneyIssue[] => [
  ...entryIssues(journey, context),
  ...graphIssues(journey),
  ...nodeIssues(journey, context),
  ...goalIssues(journey, context),
];

/**
 * Parses a journey from decoded JSON/YAML. A shape error refuses it; otherwise it comes back with
 * its issues (a draft on the canvas may have some: a node not yet connected, a send not yet
 * written), which `submit` and `start` refuse.
 */
export const parseJourney = (
  input: unknown,
  context: CampaignContext,
): Result<{ readonly journey: Journey; readonly issues: readonly JourneyIssue[] }, JourneyDefinitionError> => {
  const parsed = Journey.safeParse(input);
  if (!parsed.success) return err({ type: 'invalid_journey', issues: zodIssues(parsed.error) });
  return ok({ journey: parsed.data, issues: checkJourney(parsed.data, context) });
};
