/** Why a results question was refused: shared by the results service and contact pressure. */
export type ResultsError =
  | { readonly type: 'not_found'; readonly message: string }
  | { readonly type: 'invalid_input'; readonly message: string; readonly path: string };
