/** "Did you mean": the known name nearest to a misspelt one, for refusals that help. */

/** Optimal string alignment distance: Levenshtein plus swaps of two neighbours ("regoin"). */
const editDistance = (a: string, b: string): number => {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j += 1) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
};

/**
 * The known name a mistyped one most likely meant: the closest within two edits (and fewer edits
 * than the name is long), else one that starts with the name or that the name starts with.
 */
export const closestName = (name: string, candidates: Iterable<string>): string | undefined => {
  const typed = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  let prefixed: string | undefined;
  for (const candidate of candidates) {
    const known = candidate.toLowerCase();
    const distance = editDistance(typed, known);
    if (distance <= 2 && distance < typed.length && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance };
    }
    const shorter = Math.min(typed.length, known.length);
    if (prefixed === undefined && shorter >= 3 && (known.startsWith(typed) || typed.startsWith(known))) {
      prefixed = candidate;
    }
  }
  return best?.name ?? prefixed;
};

export const suggestion = (name: string, candidates: Iterable<string>): string => {
  const closest = closestName(name, candidates);
  return closest === undefined ? '' : ` (did you mean "${closest}"?)`;
};
