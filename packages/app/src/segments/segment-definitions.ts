import {
  err,
  findSegmentCycle,
  formatPath,
  issueKindOf,
  type Result,
  type SavedSegment,
  SegmentDefinition,
} from '@opencvm/core';
import { expectedVersionOf, invalid, type SegmentError, staleSegment } from './segment-error.ts';
import type { SegmentDeps, SegmentRules } from './segment-rules.ts';

/** Creates (`create`), changes (`update`) or writes either way (`save`) a segment definition. */
export const saveSegment =
  (deps: SegmentDeps, rules: SegmentRules) =>
  async (input: unknown, mode: 'create' | 'update' | 'save'): Promise<Result<SavedSegment, SegmentError>> => {
    const shape = SegmentDefinition.omit({ rule: true }).loose().safeParse(input);
    if (!shape.success) {
      return err({
        type: 'invalid_input',
        issues: shape.error.issues.map((issue) => ({
          path: formatPath(issue.path) || '(root)',
          message: issue.message,
          kind: issueKindOf(issue),
        })),
      });
    }
    const { id, name, description } = shape.data;
    const version = expectedVersionOf(input);
    if (!version.ok) return version;
    if (mode === 'create' && version.value !== undefined)
      return err(invalid('version', 'is given only when changing a segment', 'unrecognized_keys'));
    const saved = await rules.savedRules();
    if (mode === 'create' && saved.has(id))
      return err({ type: 'conflict', reason: 'already_exists', message: `segment "${id}" already exists` });
    const current = saved.get(id);
    if (mode === 'update' && current === undefined)
      return err({ type: 'not_found', message: `no segment "${id}"` });
    // Checked before the rule so that a stale edit is told so first; the store checks it again.
    if (version.value !== undefined && version.value !== current?.version)
      return err(staleSegment(id, version.value, current?.version ?? null));
    const body = typeof input === 'object' && input !== null && 'rule' in input ? input.rule : undefined;
    if (body === undefined) return err(invalid('rule', 'is required'));
    const known = new Map(saved);
    known.delete(id);
    const rule = await rules.checkRule(body, saved, 'rule');
    if (!rule.ok) return rule;
    const cycle = findSegmentCycle(id, rule.value, (other) => known.get(other)?.rule);
    if (cycle !== null)
      return err(
        invalid('rule', `segments may not refer to themselves: ${cycle.join(' → ')}`, 'segment_cycle'),
      );
    const extra = Object.keys(shape.data).filter(
      (key) => !['id', 'name', 'description', 'version'].includes(key) && key !== 'rule',
    );
    if (extra.length > 0)
      return err(invalid(extra[0] ?? '(root)', 'is not a segment field', 'unrecognized_keys'));
    // Without a version from the caller, the one read above: a write in between still conflicts.
    const expectedVersion = version.value ?? current?.version ?? null;
    const written = await deps.store.segments.saveSegment(
      { id, name, ...(description === undefined ? {} : { description }), rule: rule.value },
      deps.clock(),
      { expectedVersion },
    );
    return written.ok ? written : err(staleSegment(id, written.error.expected, written.error.actual));
  };
