import { PollSet, type Socket } from "./socket.ts";

/**
 * Non-blocking readiness for sockets owned by the main thread: one zmq_poll(timeout 0) over all
 * watched sockets per tick, so the event loop is never blocked. Busy: next tick at once; idle: the
 * wait grows from 1 ms to `maxIdleMs`, which bounds added latency and idle CPU.
 */
export class Reactor {
  private readonly watched = new Map<Socket, () => void>();
  private pollSet: PollSet | undefined;
  private list: Socket[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleMs = 1;
  private running = false;

  constructor(private readonly maxIdleMs = 5) {}

  /** Calls onReadable (on the main thread) whenever the socket has a message waiting. */
  watch(socket: Socket, onReadable: () => void): void {
    this.watched.set(socket, onReadable);
    this.rebuild();
    this.wake();
  }

  unwatch(socket: Socket): void {
    if (!this.watched.delete(socket)) return;
    this.rebuild();
    if (this.watched.size === 0) this.stop();
  }

  /** Polls soon: call after sending, since a reply may follow quickly. */
  wake(): void {
    this.idleMs = 1;
    if (this.watched.size === 0) return;
    if (!this.running) {
      this.running = true;
      this.schedule(0);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
  }

  private rebuild(): void {
    this.list = [...this.watched.keys()];
    this.pollSet = this.list.length ? new PollSet(this.list) : undefined;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.pollSet || this.watched.size === 0) {
      this.running = false;
      return;
    }
    const list = this.list;
    const ready = this.pollSet.poll(0);
    let any = false;
    for (let i = 0; i < ready.length; i++) {
      if (!ready[i]) continue;
      const s = list[i]!;
      const cb = this.watched.get(s);
      if (!cb || s.closed) continue;
      any = true;
      cb();
    }
    if (!this.running) return;
    if (any) {
      this.idleMs = 1;
      this.schedule(0);
    } else {
      this.schedule(this.idleMs);
      this.idleMs = Math.min(this.maxIdleMs, this.idleMs * 2);
    }
  }
}
