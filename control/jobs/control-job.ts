/** One continuous computation of the control loop; `nowMs` is the data clock (wall clock in production). */
export interface ControlJob {
  readonly name: string;
  runOnce(nowMs: number): Promise<void>;
}
