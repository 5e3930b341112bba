/**
 * How many requests the engine is answering, against its limit. A request past the limit is
 * refused at once (429 with Retry-After) rather than queued without bound; the SDKs retry.
 */
export class Admission {
  inflight = 0;

  constructor(readonly max: number) {}

  /** Takes a slot; false when none is free. */
  enter(): boolean {
    if (this.inflight >= this.max) return false;
    this.inflight++;
    return true;
  }

  leave(): void {
    this.inflight--;
  }
}
