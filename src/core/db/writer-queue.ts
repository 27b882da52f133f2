/**
 * The writers of one process take turns here, each waiting no longer than its own deadline.
 * Queued on the connection's mutex instead, a request would wait for every waiter before it to
 * give up first: with the lock held elsewhere, the tenth request in line would answer after ten
 * lock waits.
 */
export class WriterQueue {
  private readonly waiting: Array<() => void> = [];
  private held = false;

  /** Resolves with a `done` function when it is the caller's turn, or with null at the deadline. */
  turn(deadline: number): Promise<(() => void) | null> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(() => this.next());
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(() => this.next());
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        resolve(null);
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(wake);
    });
  }

  private next(): void {
    const wake = this.waiting.shift();
    if (wake) wake();
    else this.held = false;
  }
}
