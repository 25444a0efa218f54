// Auto-lock: calls `onIdle` once when no key, pointer or wheel input came for the chosen minutes.
const EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "focusin"] as const;

export class IdleTimer {
  active = false;
  private minutes = 0;
  private last = Date.now();
  private tick: ReturnType<typeof setInterval> | null = null;
  private readonly touch = () => {
    this.last = this.now();
  };

  constructor(private readonly onIdle: () => void, private readonly now: () => number = Date.now) {}

  set(minutes: number) {
    this.minutes = minutes;
    this.last = this.now();
  }

  start(everyMs = 5000) {
    for (const e of EVENTS) window.addEventListener(e, this.touch, { passive: true });
    this.tick = setInterval(() => this.check(), everyMs);
  }

  stop() {
    for (const e of EVENTS) window.removeEventListener(e, this.touch);
    if (this.tick) clearInterval(this.tick);
  }

  /** Locks if the idle time has passed; exposed so tests can drive it with a fake clock. */
  check() {
    if (!this.active || this.minutes <= 0) {
      this.last = this.now();
      return;
    }
    if (this.now() - this.last >= this.minutes * 60_000) {
      this.last = this.now();
      this.onIdle();
    }
  }
}
