/**
 * An answer a peer holds back, so a test can act while a request is in the peer's hands (abort
 * the send, as a dispatcher's timeout would) and only then let the answer go.
 */
export interface HeldAnswer {
  /** Resolves once the request the answer belongs to has reached the peer. */
  readonly arrived: Promise<void>;
  /** Lets the peer answer (to a connection that may be gone by then). */
  release(): void;
}

/** The peer's side of a hold: it calls `arrive` on the request and answers once `released` resolves. */
export interface Hold extends HeldAnswer {
  arrive(): void;
  readonly released: Promise<void>;
}

export const createHold = (): Hold => {
  let arrive = (): void => {};
  let release = (): void => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { arrived, released, arrive: () => arrive(), release: () => release() };
};
