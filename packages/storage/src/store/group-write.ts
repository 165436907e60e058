/**
 * Group commit for many small writes of one kind: items handed in while a write is under way
 * wait and go together in the next one, so a burst of callers costs a statement per round, not
 * per caller. Each caller resolves once the write holding its item is done; a failed write fails
 * every caller of its round, and the next round is tried afresh.
 */
export class GroupWrite<T> {
  private queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<void>,
    private readonly maxItems = 1_000,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const taken = this.queue.splice(0, this.maxItems);
        try {
          await this.write(taken.map((waiting) => waiting.item));
          for (const waiting of taken) waiting.resolve();
        } catch (error) {
          for (const waiting of taken) waiting.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
