import '@xyflow/react/dist/style.css';
import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
} from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { useMessages } from '../../i18n/i18n.tsx';
import { journeysMessages } from '../../i18n/journeys-messages.ts';
import {
  connect,
  disconnect,
  ENTRY_ID,
  type FlowJourney,
  moveNode,
  removeNode,
  toFlow,
} from './flow-model.ts';
import { NODE_TYPES, type StepNode, useHandleName } from './journey-nodes.tsx';

export interface CanvasProps<J extends FlowJourney> {
  readonly journey: J;
  /** Issue messages per node id. */
  readonly issues: ReadonlyMap<string, readonly string[]>;
  /** Live counts per node id, on a running journey. */
  readonly counts?: ReadonlyMap<string, { readonly here: number; readonly reached: number }> | undefined;
  readonly selected: string | null;
  readonly onSelect: (id: string | null) => void;
  readonly onChange: (journey: J) => void;
  readonly readOnly: boolean;
}

/** The steps a canvas shows for a journey: derived from the definition, keeping what React Flow measured. */
const stepsOf = <J extends FlowJourney>(props: CanvasProps<J>, previous: readonly StepNode[]): StepNode[] => {
  const before = new Map(previous.map((node) => [node.id, node]));
  const byId = new Map(props.journey.nodes.map((node) => [node.id, node]));
  return toFlow(props.journey).nodes.map((flow) => {
    const old = before.get(flow.id);
    return {
      id: flow.id,
      type: flow.type,
      position: old?.dragging ? old.position : flow.position,
      deletable: flow.deletable && !props.readOnly,
      selected: props.selected === flow.id,
      ...(old?.measured === undefined ? {} : { measured: old.measured }),
      ...(old?.dragging === undefined ? {} : { dragging: old.dragging }),
      data: {
        kind: flow.type,
        node: byId.get(flow.id),
        entry: flow.id === ENTRY_ID ? props.journey.entry : undefined,
        issues: props.issues.get(flow.id) ?? [],
        counts: props.counts?.get(flow.id),
      },
    };
  });
};

const Canvas = <J extends FlowJourney>(props: CanvasProps<J>) => {
  const t = useMessages(journeysMessages);
  const handleName = useHandleName();
  const [nodes, setNodes] = useState<StepNode[]>(() => stepsOf(props, []));
  // biome-ignore lint/correctness/useExhaustiveDependencies: the steps follow the definition and what it is shown with.
  useEffect(
    () => setNodes((previous) => stepsOf(props, previous)),
    [props.journey, props.issues, props.counts, props.selected, props.readOnly],
  );
  const edges: Edge[] = useMemo(() => {
    const byId = new Map(props.journey.nodes.map((node) => [node.id, node]));
    return toFlow(props.journey).edges.map((edge) => ({
      ...edge,
      label: handleName(byId.get(edge.source), edge.sourceHandle),
      deletable: !props.readOnly,
    }));
  }, [props.journey, props.readOnly, handleName]);

  const onNodesChange = (changes: NodeChange<StepNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    let journey = props.journey;
    for (const change of changes) {
      if (
        change.type === 'position' &&
        change.dragging === false &&
        change.position !== undefined &&
        !props.readOnly
      ) {
        if (change.id !== ENTRY_ID) journey = moveNode(journey, change.id, change.position);
      } else if (change.type === 'remove' && change.id !== ENTRY_ID && !props.readOnly) {
        journey = removeNode(journey, change.id);
        if (props.selected === change.id) props.onSelect(null);
      } else if (change.type === 'select' && change.selected) {
        props.onSelect(change.id);
      }
    }
    if (journey !== props.journey) props.onChange(journey);
  };
  const onEdgesChange = (changes: EdgeChange[]) => {
    if (props.readOnly) return;
    let journey = props.journey;
    for (const change of changes) {
      if (change.type !== 'remove') continue;
      const edge = edges.find((candidate) => candidate.id === change.id);
      if (edge?.sourceHandle) journey = disconnect(journey, edge.source, edge.sourceHandle);
    }
    if (journey !== props.journey) props.onChange(journey);
  };
  const onConnect = (connection: Connection) => {
    if (props.readOnly || connection.sourceHandle === null || connection.sourceHandle === undefined) return;
    props.onChange(connect(props.journey, connection.source, connection.sourceHandle, connection.target));
  };

  return (
    <section
      style={{ height: 620, border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}
      aria-label={t.canvas}
    >
      <ReactFlow<StepNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onPaneClick={() => props.onSelect(null)}
        nodesDraggable={!props.readOnly}
        nodesConnectable={!props.readOnly}
        fitView
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
      </ReactFlow>
    </section>
  );
};

/** The journey drawn with React Flow: drag steps, connect a way out to a step, delete with the Delete key. */
export const JourneyCanvas = <J extends FlowJourney>(props: CanvasProps<J>) => (
  <ReactFlowProvider>
    <Canvas {...props} />
  </ReactFlowProvider>
);
