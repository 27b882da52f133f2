/**
 * The writers of one process take turns here, each waiting no longer than its own deadline: at
 * most `capacity` at a time (one for whole-database writers; a few for transactions that share
 * the lock, so that they leave pooled connections to reads).
 * Queued on the connection's mutex instead, a request would wait for every waiter before it to
 * give up first: with the lock held elsewhere, the tenth request in line would answer after ten
 * lock waits.
 */
export class WriterQueue {
  private readonly waiting: Array<() => void> = [];
  private held = 0;

  constructor(private readonly capacity = 1) {
    if (!(capacity >= 1)) throw new Error('WriterQueue: capacity ≥ 1');
  }

  /** Resolves with a `done` function when it is the caller's turn, or with null at the deadline. */
  turn(deadline: number): Promise<(() => void) | null> {
    if (this.held < this.capacity) {
      this.held++;
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

  /** One turn is over: the slot passes to the next waiter, or is freed. */
  private next(): void {
    const wake = this.waiting.shift();
    if (wake) wake();
    else this.held--;
  }
}
