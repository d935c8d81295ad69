/** Runs tasks one at a time in arrival order, so concurrent requests share one model context without thrashing it. */
export function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return {
    get waiting() {
      return waiting;
    },
    run<T>(task: () => Promise<T>): Promise<T> {
      waiting += 1;
      const result = tail.then(task, task);
      tail = result.catch(() => undefined).finally(() => {
        waiting -= 1;
      });
      return result;
    },
  };
}
