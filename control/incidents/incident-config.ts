/**
 * Thresholds of the tag-based incident detector (control/incidents/README.md explains each one).
 * Parsed from CONTROL_INCIDENT_* in core/config; the defaults are what the scoreboard measures.
 */
export interface IncidentConfig {
  /** A vehicle is overdue when not read downstream by entry + expected x factor + slack. */
  overdueFactor: number;
  overdueSlackS: number;
  /** Accepted rate of runs that are only exiting vehicles by coincidence (per segment-hour). */
  runFalseAlarmsPerSegmentHour: number;
  minRun: number;
  maxRun: number;
  /** Travel-time deviation test: the oldest overdue vehicle has been out this many expected times. */
  deviationFactor: number;
  /** On-time arrivals after the run that clear the segment ("vehicles flow again"). */
  clearOnTime: number;
  /** An alarm still standing this long is confirmed. */
  confirmAfterS: number;
  /** Window before the run from which the base overdue share and today's speed ratio are taken. */
  referenceWindowS: number;
  /** Alarmed segments this many segments upstream of an incident are its queue, not new incidents. */
  queueSegments: number;
  /** A queue segment joins an incident cleared at most this long ago (the queue drains after it). */
  queueHoldS: number;
  /** Severity from the speed bound length / time the oldest overdue vehicle has been out (km/h). */
  severeBelowKmh: number;
  moderateBelowKmh: number;
  /** Entries kept per segment (the longest incident the detector follows whole). */
  horizonS: number;
}

export const DEFAULT_INCIDENT_CONFIG: IncidentConfig = {
  overdueFactor: 1.15,
  overdueSlackS: 15,
  runFalseAlarmsPerSegmentHour: 1e-5,
  minRun: 8,
  maxRun: 40,
  deviationFactor: 1.25,
  clearOnTime: 3,
  confirmAfterS: 180,
  referenceWindowS: 1800,
  queueSegments: 4,
  queueHoldS: 900,
  severeBelowKmh: 20,
  moderateBelowKmh: 40,
  horizonS: 3 * 3600,
};
