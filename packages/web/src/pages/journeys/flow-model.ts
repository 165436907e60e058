import { exitsOf, type JourneyEntry, type JourneyNode, type NodeType } from '@opencvm/core';

/**
 * The journey definition as the canvas draws it, and back: one flow node per journey node plus
 * the entry, one edge per way out that leads somewhere. The definition is what is kept; the
 * canvas's nodes and edges are derived from it, and every edit (connect, disconnect, move, add,
 * delete) is a change of the definition's `next` fields, `start` and positions.
 *
 * Handles name the ways out as `exitsOf` does: `next`; a wait for an event's `timeout`; a
 * branch's `branch:<i>` and `default`; a split's `path:<i>`; the entry's `start`.
 */

/** The part of a journey the canvas edits. */
export interface FlowJourney {
  readonly entry: JourneyEntry;
  readonly start?: string | undefined;
  readonly nodes: readonly JourneyNode[];
}

/** The entry's id on the canvas: not a valid node id, so no journey node can take it. */
export const ENTRY_ID = '__entry';
export const ENTRY_HANDLE = 'start';
export const TARGET_HANDLE = 'in';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type FlowNodeKind = 'entry' | NodeType;

export interface FlowNode {
  readonly id: string;
  readonly type: FlowNodeKind;
  readonly position: Point;
  readonly deletable: boolean;
}

export interface FlowEdge {
  readonly id: string;
  readonly source: string;
  readonly sourceHandle: string;
  readonly target: string;
  readonly targetHandle: string;
}

/** Where the entry is drawn: above the first node. */
export const entryPosition = (journey: FlowJourney): Point => {
  const first = journey.nodes.find((node) => node.id === journey.start) ?? journey.nodes[0];
  const at = first?.position ?? { x: 0, y: 140 };
  return { x: at.x, y: at.y - 140 };
};

/** A node without a position is drawn in a column of its own, in the order of the definition. */
const fallbackPosition = (index: number): Point => ({ x: 0, y: 140 * (index + 1) });

export const edgeId = (source: string, handle: string): string => `${source}:${handle}`;

/** The ways out of a node (or of the entry), in the order the node draws its handles. */
export const handlesOf = (node: JourneyNode | 'entry'): readonly string[] =>
  node === 'entry' ? [ENTRY_HANDLE] : exitsOf(node).map((exit) => exit.handle);

export const toFlow = (journey: FlowJourney): { nodes: FlowNode[]; edges: FlowEdge[] } => {
  const ids = new Set(journey.nodes.map((node) => node.id));
  const nodes: FlowNode[] = [
    { id: ENTRY_ID, type: 'entry', position: entryPosition(journey), deletable: false },
    ...journey.nodes.map((node, index) => ({
      id: node.id,
      type: node.type,
      position: node.position ?? fallbackPosition(index),
      deletable: true,
    })),
  ];
  const edge = (source: string, sourceHandle: string, target: string): FlowEdge => ({
    id: edgeId(source, sourceHandle),
    source,
    sourceHandle,
    target,
    targetHandle: TARGET_HANDLE,
  });
  const edges: FlowEdge[] = [];
  if (journey.start !== undefined && ids.has(journey.start))
    edges.push(edge(ENTRY_ID, ENTRY_HANDLE, journey.start));
  for (const node of journey.nodes) {
    for (const exit of exitsOf(node)) {
      if (exit.to !== undefined && ids.has(exit.to)) edges.push(edge(node.id, exit.handle, exit.to));
    }
  }
  return { nodes, edges };
};

const indexOf = (handle: string, prefix: string): number =>
  handle.startsWith(prefix) ? Number(handle.slice(prefix.length)) : -1;

/** The node with the way out `handle` leading to `to` (undefined: leading nowhere). */
export const withExit = (node: JourneyNode, handle: string, to: string | undefined): JourneyNode => {
  const set = <T extends object, K extends keyof T>(value: T, key: K, next: T[K] | undefined): T => {
    const { [key]: _old, ...rest } = value;
    return (next === undefined ? rest : { ...rest, [key]: next }) as T;
  };
  switch (node.type) {
    case 'send':
      return handle === 'next' ? set(node, 'next', to) : node;
    case 'wait':
      if (handle === 'next') return set(node, 'next', to);
      return handle === 'timeout' && node.wait.type === 'event' ? set(node, 'timeoutNext', to) : node;
    case 'branch': {
      if (handle === 'default') return set(node, 'defaultNext', to);
      const at = indexOf(handle, 'branch:');
      if (at < 0 || at >= node.branches.length) return node;
      return {
        ...node,
        branches: node.branches.map((branch, index) => (index === at ? set(branch, 'next', to) : branch)),
      };
    }
    case 'split': {
      const at = indexOf(handle, 'path:');
      if (at < 0 || at >= node.paths.length) return node;
      return {
        ...node,
        paths: node.paths.map((path, index) => (index === at ? set(path, 'next', to) : path)),
      };
    }
    case 'exit':
      return node;
  }
};

const replaceNode = <J extends FlowJourney>(
  journey: J,
  id: string,
  change: (node: JourneyNode) => JourneyNode,
): J => ({
  ...journey,
  nodes: journey.nodes.map((node) => (node.id === id ? change(node) : node)),
});

/**
 * The way out `handle` of `source` now leads to `target` (one edge per way out: a new connection
 * replaces the old). A connection to the entry or to the node itself is refused: the journey is
 * unchanged.
 */
export const connect = <J extends FlowJourney>(
  journey: J,
  source: string,
  handle: string,
  target: string,
): J => {
  if (target === ENTRY_ID || target === source || !journey.nodes.some((node) => node.id === target))
    return journey;
  if (source === ENTRY_ID) return handle === ENTRY_HANDLE ? { ...journey, start: target } : journey;
  return replaceNode(journey, source, (node) => withExit(node, handle, target));
};

/** The way out `handle` of `source` leads nowhere. */
export const disconnect = <J extends FlowJourney>(journey: J, source: string, handle: string): J => {
  if (source === ENTRY_ID) {
    const { start: _start, ...rest } = journey;
    return rest as J;
  }
  return replaceNode(journey, source, (node) => withExit(node, handle, undefined));
};

/** Without the node, and every way out (and the start) that led to it now leads nowhere. */
export const removeNode = <J extends FlowJourney>(journey: J, id: string): J => {
  const nodes = journey.nodes
    .filter((node) => node.id !== id)
    .map((node) =>
      exitsOf(node).reduce(
        (kept, exit) => (exit.to === id ? withExit(kept, exit.handle, undefined) : kept),
        node,
      ),
    );
  const base = { ...journey, nodes };
  if (journey.start !== id) return base;
  const { start: _start, ...rest } = base;
  return rest as J;
};

export const moveNode = <J extends FlowJourney>(journey: J, id: string, position: Point): J =>
  replaceNode(journey, id, (node) => ({
    ...node,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
  }));

/** A free id for a new node of the type: `send_1`, `send_2`, … */
export const freeId = (journey: FlowJourney, type: NodeType): string => {
  const taken = new Set(journey.nodes.map((node) => node.id));
  let n = 1;
  while (taken.has(`${type}_${n}`)) n += 1;
  return `${type}_${n}`;
};

/**
 * A new node of the type, as small as the definition allows: a send on SMS without content yet,
 * a wait of a day, a branch on whether the first send was delivered, a split 50/50, an exit.
 * The journey's checks then say what is still to fill in.
 */
export const newNode = (
  journey: FlowJourney,
  type: NodeType,
  position: Point,
  names: NewNodeNames,
): JourneyNode => {
  const id = freeId(journey, type);
  const base = { id, position: { x: Math.round(position.x), y: Math.round(position.y) } };
  switch (type) {
    case 'send':
      return { ...base, type, channel: 'sms' };
    case 'wait':
      return { ...base, type, wait: { type: 'duration', duration: { days: 1 } } };
    case 'branch': {
      const send = journey.nodes.find((node) => node.type === 'send');
      return {
        ...base,
        type,
        branches: [
          {
            name: names.branch(1),
            when: { type: 'message', node: send?.id ?? 'send_1', outcome: 'delivered' },
          },
        ],
      };
    }
    case 'split':
      return {
        ...base,
        type,
        paths: [
          { name: names.path(1), share: 50 },
          { name: names.path(2), share: 50 },
        ],
      };
    case 'exit':
      return { ...base, type };
  }
};

export interface NewNodeNames {
  readonly branch: (n: number) => string;
  readonly path: (n: number) => string;
}

/** The journey with a new node; when `from` names a free way out, it leads to the new node. */
export const addNode = <J extends FlowJourney>(
  journey: J,
  node: JourneyNode,
  from?: { readonly source: string; readonly handle: string },
): J => {
  const added = { ...journey, nodes: [...journey.nodes, node] };
  if (journey.nodes.length === 0 && journey.start === undefined) return { ...added, start: node.id };
  return from === undefined ? added : connect(added, from.source, from.handle, node.id);
};

/** Where the way out `handle` of `source` leads now. */
export const targetOf = (journey: FlowJourney, source: string, handle: string): string | undefined => {
  if (source === ENTRY_ID) return journey.start;
  const node = journey.nodes.find((candidate) => candidate.id === source);
  return node === undefined ? undefined : exitsOf(node).find((exit) => exit.handle === handle)?.to;
};

/** The first way out of a node that leads nowhere yet, for "add after". */
export const freeHandle = (journey: FlowJourney, source: string): string | undefined => {
  if (source === ENTRY_ID) return journey.start === undefined ? ENTRY_HANDLE : undefined;
  const node = journey.nodes.find((candidate) => candidate.id === source);
  return node === undefined ? undefined : exitsOf(node).find((exit) => exit.to === undefined)?.handle;
};

/**
 * The definition the canvas shows, read back from its nodes and edges: positions from the
 * nodes, `start` and every way out from the edges (a way out without an edge leads nowhere).
 * Nodes the canvas does not hold are dropped. `toFlow` then `fromFlow` gives the journey back.
 */
export const fromFlow = <J extends FlowJourney>(
  journey: J,
  flow: {
    readonly nodes: readonly Pick<FlowNode, 'id' | 'position'>[];
    readonly edges: readonly Omit<FlowEdge, 'id' | 'targetHandle'>[];
  },
): J => {
  const positions = new Map(flow.nodes.map((node) => [node.id, node.position]));
  const targets = new Map(flow.edges.map((edge) => [edgeId(edge.source, edge.sourceHandle), edge.target]));
  const nodes = journey.nodes
    .filter((node) => positions.has(node.id))
    .map((node) => {
      const moved = { ...node, position: positions.get(node.id) };
      return exitsOf(node).reduce(
        (kept, exit) => withExit(kept, exit.handle, targets.get(edgeId(node.id, exit.handle))),
        moved as JourneyNode,
      );
    });
  const start = targets.get(edgeId(ENTRY_ID, ENTRY_HANDLE));
  const { start: _start, ...rest } = journey;
  return (start === undefined ? { ...rest, nodes } : { ...rest, start, nodes }) as unknown as J;
};
