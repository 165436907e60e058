import { JOURNEY_TEMPLATE_KEYS, Journey, type JourneyNode, journeyTemplateInput } from '@opencvm/core';
import { describe, expect, it } from 'vitest';
import {
  addNode,
  connect,
  disconnect,
  ENTRY_ID,
  type FlowJourney,
  freeHandle,
  fromFlow,
  moveNode,
  newNode,
  removeNode,
  targetOf,
  toFlow,
} from '../src/pages/journeys/flow-model.ts';

const names = { branch: (n: number) => `Branch ${n}`, path: (n: number) => `Path ${n}` };

const journey: FlowJourney = {
  entry: { type: 'event', eventType: 'topup' },
  start: 'offer',
  nodes: [
    { id: 'offer', type: 'send', channel: 'sms', position: { x: 0, y: 140 }, next: 'wait' },
    {
      id: 'wait',
      type: 'wait',
      position: { x: 0, y: 280 },
      wait: { type: 'event', eventType: 'purchase', timeout: { days: 3 } },
      next: 'ab',
      timeoutNext: 'check',
    },
    {
      id: 'check',
      type: 'branch',
      position: { x: 280, y: 420 },
      branches: [
        { name: 'Prepaid', when: { type: 'segment', segment: 'prepaid', member: true }, next: 'bye' },
        { name: 'Opened', when: { type: 'message', node: 'offer', outcome: 'delivered' } },
      ],
      defaultNext: 'bye',
    },
    {
      id: 'ab',
      type: 'split',
      position: { x: 0, y: 420 },
      paths: [
        { name: 'A', share: 50, next: 'bye' },
        { name: 'B', share: 50, next: 'check' },
      ],
    },
    { id: 'bye', type: 'exit', position: { x: 0, y: 560 } },
  ],
};

const edgeList = (flow: FlowJourney) =>
  toFlow(flow).edges.map((edge) => `${edge.source}:${edge.sourceHandle}->${edge.target}`);

describe('the canvas model of a journey', () => {
  it('draws the entry and each node, and an edge for every way out that leads somewhere', () => {
    const flow = toFlow(journey);
    expect(flow.nodes.map((node) => [node.id, node.type, node.deletable])).toEqual([
      [ENTRY_ID, 'entry', false],
      ['offer', 'send', true],
      ['wait', 'wait', true],
      ['check', 'branch', true],
      ['ab', 'split', true],
      ['bye', 'exit', true],
    ]);
    expect(flow.nodes[0]?.position).toEqual({ x: 0, y: 0 });
    expect(edgeList(journey)).toEqual([
      '__entry:start->offer',
      'offer:next->wait',
      'wait:next->ab',
      'wait:timeout->check',
      'check:branch:0->bye',
      'check:default->bye',
      'ab:path:0->bye',
      'ab:path:1->check',
    ]);
    expect(flow.edges.every((edge) => edge.targetHandle === 'in')).toBe(true);
  });

  it('reads a journey back from its nodes and edges unchanged', () => {
    expect(fromFlow(journey, toFlow(journey))).toEqual(journey);
  });

  it.each(JOURNEY_TEMPLATE_KEYS)('round-trips the gallery scenario %s', (key) => {
    const scenario = Journey.parse(journeyTemplateInput(key, { id: key, createdBy: 'ann' }));
    expect(fromFlow(scenario, toFlow(scenario))).toEqual(scenario);
  });

  it('reads moved nodes and removed edges back into positions and ways out that lead nowhere', () => {
    const flow = toFlow(journey);
    const back = fromFlow(journey, {
      nodes: flow.nodes.map((node) => (node.id === 'bye' ? { ...node, position: { x: 9, y: 9 } } : node)),
      edges: flow.edges.filter((edge) => edge.id !== 'wait:timeout' && edge.source !== ENTRY_ID),
    });
    expect(back.start).toBeUndefined();
    expect(back.nodes.find((node) => node.id === 'wait')).not.toHaveProperty('timeoutNext');
    expect(back.nodes.find((node) => node.id === 'bye')?.position).toEqual({ x: 9, y: 9 });
  });

  it('sets the field of the way out an edge is drawn from', () => {
    const field = (flow: FlowJourney, id: string) => flow.nodes.find((node) => node.id === id) as JourneyNode;
    expect(field(connect(journey, 'offer', 'next', 'bye'), 'offer')).toMatchObject({ next: 'bye' });
    expect(field(connect(journey, 'wait', 'timeout', 'bye'), 'wait')).toMatchObject({
      timeoutNext: 'bye',
      next: 'ab',
    });
    expect(field(connect(journey, 'wait', 'next', 'bye'), 'wait')).toMatchObject({
      next: 'bye',
      timeoutNext: 'check',
    });
    const branch = field(connect(journey, 'check', 'branch:1', 'bye'), 'check');
    expect(branch).toMatchObject({
      branches: [{ next: 'bye' }, { name: 'Opened', next: 'bye' }],
      defaultNext: 'bye',
    });
    expect(field(connect(journey, 'check', 'default', 'ab'), 'check')).toMatchObject({ defaultNext: 'ab' });
    expect(field(connect(journey, 'ab', 'path:1', 'bye'), 'ab')).toMatchObject({
      paths: [{ next: 'bye' }, { name: 'B', next: 'bye' }],
    });
    expect(connect(journey, ENTRY_ID, 'start', 'wait').start).toBe('wait');
  });

  it('refuses edges into the entry, to the node itself, to unknown nodes and from handles a node lacks', () => {
    expect(connect(journey, 'offer', 'next', ENTRY_ID)).toBe(journey);
    expect(connect(journey, 'offer', 'next', 'offer')).toBe(journey);
    expect(connect(journey, 'offer', 'next', 'nowhere')).toBe(journey);
    expect(connect(journey, 'offer', 'timeout', 'bye')).toEqual(journey);
    expect(connect(journey, 'ab', 'path:7', 'bye')).toEqual(journey);
  });

  it('disconnects one way out, the start included', () => {
    expect(edgeList(disconnect(journey, 'check', 'default'))).not.toContain('check:default->bye');
    expect(
      disconnect(journey, 'check', 'default').nodes.find((node) => node.id === 'check'),
    ).not.toHaveProperty('defaultNext');
    expect(disconnect(journey, ENTRY_ID, 'start')).not.toHaveProperty('start');
    expect(targetOf(disconnect(journey, 'ab', 'path:0'), 'ab', 'path:0')).toBeUndefined();
  });

  it('deleting a node clears every reference to it, the start too', () => {
    const without = removeNode(journey, 'check');
    expect(without.nodes.map((node) => node.id)).toEqual(['offer', 'wait', 'ab', 'bye']);
    expect(without.nodes.find((node) => node.id === 'wait')).not.toHaveProperty('timeoutNext');
    expect(without.nodes.find((node) => node.id === 'ab')).toMatchObject({
      paths: [{ next: 'bye' }, { name: 'B' }],
    });
    expect(
      (without.nodes.find((node) => node.id === 'ab') as { paths: object[] }).paths[1],
    ).not.toHaveProperty('next');
    expect(edgeList(without).some((edge) => edge.includes('check'))).toBe(false);
    const first = removeNode(journey, 'offer');
    expect(first).not.toHaveProperty('start');
  });

  it('adds nodes with free ids, as the first step of an empty journey or after a free way out', () => {
    const empty: FlowJourney = { entry: journey.entry, nodes: [] };
    const send = newNode(empty, 'send', { x: 0, y: 140 }, names);
    const one = addNode(empty, send);
    expect(one.start).toBe('send_1');
    const second = newNode(one, 'send', { x: 0, y: 280.4 }, names);
    expect(second).toMatchObject({ id: 'send_2', position: { x: 0, y: 280 } });
    expect(freeHandle(one, 'send_1')).toBe('next');
    const two = addNode(one, second, { source: 'send_1', handle: 'next' });
    expect(edgeList(two)).toEqual(['__entry:start->send_1', 'send_1:next->send_2']);
    expect(newNode(two, 'split', { x: 0, y: 0 }, names)).toMatchObject({
      paths: [
        { name: 'Path 1', share: 50 },
        { name: 'Path 2', share: 50 },
      ],
    });
    expect(newNode(two, 'branch', { x: 0, y: 0 }, names)).toMatchObject({
      branches: [{ name: 'Branch 1', when: { type: 'message', node: 'send_1' } }],
    });
    expect(moveNode(two, 'send_2', { x: 10.6, y: 20.2 }).nodes[1]?.position).toEqual({ x: 11, y: 20 });
  });
});
