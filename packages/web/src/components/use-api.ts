import { useCallback, useEffect, useRef, useState } from 'react';

export type Loaded<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'ready'; readonly value: T };

/**
 * Data a page shows: loaded when `key` changes (and by `reload`), with the last answer winning
 * when requests overlap.
 */
export const useLoad = <T>(
  load: () => Promise<T>,
  key: readonly unknown[],
): Loaded<T> & { reload: () => void } => {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    generation.current += 1;
    const mine = generation.current;
    loadRef.current().then(
      (value) => {
        if (mine === generation.current) setState({ status: 'ready', value });
      },
      (error: unknown) => {
        if (mine === generation.current) setState({ status: 'error', error });
      },
    );
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` lists what the load depends on.
  useEffect(run, key);
  return { ...state, reload: run };
};
