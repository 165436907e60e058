import { windowRange } from '@opencvm/core';
import { ident } from '../sql/sql-types.ts';
import { type EventMeasure, type EventSelection, SegmentCompileError } from './compile-types.ts';
import type { EventMeasures, SqlConditionContext } from './sql-build-context.ts';

/**
 * The event measures a rule needs, each a column of the one `ev` CTE: an aggregate `FILTER`ed by
 * its selection, so a single scan of the events computes them all. Equal selections and equal
 * measures are shared by every node that asks for them.
 */
export class EventAggregates implements EventMeasures {
  private readonly selections = new Map<
    string,
    { index: number; sql: string; from: string | null; type: string }
  >();
  private readonly measures = new Map<string, { column: string; sql: string }>();

  constructor(private readonly builder: SqlConditionContext) {}

  get size(): number {
    return this.measures.size;
  }

  /** The FILTER of an event selection: type, window and `where`, over events aliased `e`. */
  private selection(selection: EventSelection, path: string): { index: number } {
    const key = JSON.stringify([selection.eventType, selection.where ?? [], selection.window ?? null]);
    const found = this.selections.get(key);
    if (found) return found;
    if (!Object.hasOwn(this.builder.options.schema.events, selection.eventType)) {
      throw new SegmentCompileError(`${path}.eventType`, `unknown event type "${selection.eventType}"`);
    }
    const range = windowRange(selection.window, this.builder.options.clock);
    const parts = [`e.type = ${this.builder.param(selection.eventType, 'text')}`];
    if (range.from !== null) parts.push(`e.ts >= ${this.builder.param(range.from, 'timestamp')}`);
    if (range.before !== null) parts.push(`e.ts < ${this.builder.param(range.before, 'timestamp')}`);
    // A FILTER of the aggregate: an unknown drops the event as FALSE would, under any node.
    (selection.where ?? []).forEach((condition, index) => {
      parts.push(
        this.builder.inContext(true, () =>
          this.builder.condition(
            condition,
            { alias: 'e', eventType: selection.eventType },
            `${path}.where[${index}]`,
          ),
        ),
      );
    });
    const entry = {
      index: this.selections.size + 1,
      sql: parts.join(' AND '),
      from: range.from,
      type: selection.eventType,
    };
    this.selections.set(key, entry);
    return entry;
  }

  /** The `base` column holding one measure of a selection's events. */
  measure(selection: EventSelection, measure: EventMeasure, field: string | undefined, path: string): string {
    const { index } = this.selection(selection, path);
    const key = JSON.stringify([index, measure, field ?? null]);
    const found = this.measures.get(key);
    if (found) return found.column;
    const filter = [...this.selections.values()].find((entry) => entry.index === index)?.sql ?? 'FALSE';
    let fieldSql = '';
    if (field !== undefined) {
      const kind = this.builder.fieldKind(
        this.builder.eventFields(selection.eventType),
        field,
        `${path}.field`,
      );
      if (kind !== 'money' && kind !== 'integer' && kind !== 'number') {
        throw new SegmentCompileError(`${path}.field`, `"${field}" is not a number`);
      }
      fieldSql = `e.${ident(field)}`;
    }
    const column = `__e${this.measures.size + 1}`;
    const aggregate: Record<EventMeasure, string> = {
      count: 'count(*)',
      sum: `sum(${fieldSql})`,
      nonnull: `count(${fieldSql})`,
      min: `min(${fieldSql})`,
      max: `max(${fieldSql})`,
      last: 'max(e.ts)',
      first: 'min(e.ts)',
    };
    this.measures.set(key, {
      column,
      sql: `${aggregate[measure]} FILTER (WHERE ${filter}) AS ${ident(column)}`,
    });
    return column;
  }

  /** The event types the measures read, each once, in the order first asked for. */
  types(): readonly string[] {
    return [...new Set([...this.selections.values()].map((entry) => entry.type))];
  }

  /** The earliest window start of every selection; null when one of them has none. */
  earliest(): string | null | undefined {
    const lowest = [...this.selections.values()].map((entry) => entry.from);
    return lowest.some((bound) => bound === null) ? null : lowest.filter((b) => b !== null).sort()[0];
  }

  /** The aggregate of each measure, for the `ev` CTE's select list. */
  aggregates(): readonly string[] {
    return [...this.measures.values()].map((measure) => measure.sql);
  }

  /** The `ev` columns `base` carries. */
  columns(): readonly string[] {
    return [...this.measures.values()].map((measure) => measure.column);
  }
}
