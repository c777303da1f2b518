/**
 * An attempt's output so far, while it runs (a streamed model answer): the whole text written
 * yet, redacted. Shown live by the surfaces that follow a run in the process that runs it;
 * never a ledger event, so it is neither replayed nor resumable.
 */
export interface PartialOutput {
  runId: string;
  step: string;
  attemptId: string;
  text: string;
}

export type PartialOutputListener = (partial: PartialOutput) => void;

/**
 * The listeners to the partial outputs of the attempts one Baton runs. A listener that throws
 * is skipped: a display must never stop an attempt (STYLE.md 10).
 * @example
 * const stop = partials.listen((partial) => console.log(partial.step, partial.text));
 */
export class PartialOutputs {
  private readonly listeners = new Set<PartialOutputListener>();

  listen(listener: PartialOutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(partial: PartialOutput): void {
    for (const listener of this.listeners) {
      try {
        listener(partial);
      } catch {
        // A display that fails loses its updates; the attempt goes on.
      }
    }
  }
}
