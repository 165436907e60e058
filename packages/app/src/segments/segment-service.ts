import {
  err,
  type FeatureRefresh,
  type NormalizedRow,
  ok,
  type Result,
  RFM_PRESETS,
  referencedSegments,
  rfmConfig,
  type SavedSegment,
  type SegmentExplain,
} from '@opencvm/core';
import { saveSegment } from './segment-definitions.ts';
import { invalid, type SegmentError } from './segment-error.ts';
import { segmentExports } from './segment-export.ts';
import { segmentLists } from './segment-lists.ts';
import { ruleAttributes, type SegmentDeps, type SegmentTarget, segmentRules } from './segment-rules.ts';
import { segmentSnapshots } from './segment-snapshots.ts';

export type { SegmentError } from './segment-error.ts';
export { csvHeader, csvLine, exportableColumns } from './segment-export.ts';
export { ruleAttributes, type SegmentDeps, type SegmentTarget } from './segment-rules.ts';
export { MAX_CHANGE_IDS } from './segment-snapshots.ts';

export const MAX_PREVIEW_ROWS = 1000;

/** Segment use cases: definitions, live evaluation, snapshots, exports, lists and features. */
export const segmentService = (deps: SegmentDeps) => {
  const { store, schema } = deps;
  const segments = store.segments;
  const rules = segmentRules(deps);
  const save = saveSegment(deps, rules);

  return {
    save,
    get: (id: string) => segments.getSegment(id),
    list: () => segments.listSegments(),

    /** Deletes a segment no other segment refers to. */
    async remove(id: string): Promise<Result<true, SegmentError>> {
      const saved = await rules.savedRules();
      if (!saved.has(id)) return err({ type: 'not_found', message: `no segment "${id}"` });
      const users = [...saved.values()].filter(
        (other) => other.id !== id && referencedSegments(other.rule).includes(id),
      );
      if (users.length > 0) {
        return err({
          type: 'conflict',
          reason: 'in_use',
          message: `segment "${id}" is used by ${users.map((u) => `"${u.id}"`).join(', ')}`,
        });
      }
      await segments.deleteSegment(id);
      return ok(true);
    },

    async count(target: SegmentTarget): Promise<Result<number, SegmentError>> {
      const resolved = await rules.resolve(target);
      if (!resolved.ok) return resolved;
      return ok(await segments.count(rules.queryOf(resolved.value.rule, resolved.value.saved)));
    },

    async preview(
      target: SegmentTarget,
      options: { readonly limit?: number; readonly columns?: readonly string[] } = {},
    ): Promise<
      Result<{ readonly columns: readonly string[]; readonly rows: readonly NormalizedRow[] }, SegmentError>
    > {
      const limit = options.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PREVIEW_ROWS) {
        return err(invalid('limit', `must be an integer from 1 to ${MAX_PREVIEW_ROWS}`));
      }
      const resolved = await rules.resolve(target);
      if (!resolved.ok) return resolved;
      const columns = options.columns ?? [
        'id',
        ...ruleAttributes(resolved.value.rule).filter((c) => c !== 'id'),
      ];
      const columnError = rules.checkColumns(columns);
      if (columnError) return err(columnError);
      const rows = await segments.preview(rules.queryOf(resolved.value.rule, resolved.value.saved), {
        limit,
        columns,
      });
      return ok({ columns, rows });
    },

    async explain(target: SegmentTarget): Promise<Result<SegmentExplain, SegmentError>> {
      const resolved = await rules.resolve(target);
      if (!resolved.ok) return resolved;
      return ok(await segments.explain(rules.queryOf(resolved.value.rule, resolved.value.saved)));
    },

    ...segmentSnapshots(deps, rules),
    ...segmentExports(deps, rules),
    ...segmentLists(deps),

    /** Recomputes RFM for every customer as of now. */
    refreshFeatures: (): Promise<FeatureRefresh> =>
      segments.refreshFeatures(rfmConfig(schema), { now: deps.clock(), timezone: schema.workspace.timezone }),

    lastFeatureRefresh: () => segments.lastFeatureRefresh(),

    presets: () => Object.entries(RFM_PRESETS).map(([key, preset]) => ({ key, ...preset })),

    /** Saves an RFM preset as segment `rfm-<key>`. */
    async createFromPreset(key: string): Promise<Result<SavedSegment, SegmentError>> {
      const preset = Object.hasOwn(RFM_PRESETS, key) ? RFM_PRESETS[key] : undefined;
      if (preset === undefined) {
        return err(
          invalid('preset', `unknown preset "${key}"; known: ${Object.keys(RFM_PRESETS).join(', ')}`),
        );
      }
      return save(
        { id: `rfm-${key.replaceAll('_', '-')}`, name: `RFM: ${preset.name}`, rule: preset.rule },
        'save',
      );
    },
  };
};

export type SegmentService = ReturnType<typeof segmentService>;
