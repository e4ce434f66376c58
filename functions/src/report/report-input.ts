// What the run report shows, as plain data: the run record's fields (runs/<runId>.json) and the trainer's metrics.json
// checked against its manifest. Every section but the header is optional.
import type { GateDecision } from '../contract/gate-comparison';
import type { RunError, RunRecord } from '../pipeline/run-record';
import type { MetricDeclaration } from '../contract/manifest';
import type { MetricsFile } from '../contract/metrics-file';

/** The states a run goes through, in order; the last three are the terminal outcomes (REJECTED is the fourth). */
export const REPORT_STAGES = ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED', 'HELD', 'FAILED'] as const;
export type ReportStage = (typeof REPORT_STAGES)[number] | 'REJECTED';

/**
 * The trainer's metrics.json v1, checked against its manifest (contract/metrics-file.ts), with the metrics the manifest
 * declares and their direction; or why it could not be read (the report says so instead of hiding the section).
 */
export type ReportMetrics = { file: MetricsFile; declared: readonly MetricDeclaration[] } | { error: string };

/** The quality gate's decision, as recorded on the run (contract/gate-comparison.ts GateDecision). */
export type ReportGate = GateDecision;

/** One recorded failure of the run. */
export type ReportError = RunError;

/**
 * Everything one run report shows: the run record's own fields (a run that was rejected, failed or is still going has
 * only some), plus what the record does not hold. Timestamps are RFC 3339 strings; nothing is read from a clock while
 * rendering.
 */
export type RunReportInput = Pick<RunRecord, 'runId' | 'stages' | 'errors'> &
  Partial<Pick<RunRecord, 'dataset' | 'rejection' | 'build' | 'training' | 'gate' | 'deploy' | 'override' | 'cost'>> & {
    /** The run's state (RECEIVED … DEPLOYED, HELD, FAILED, REJECTED); an unknown state renders as a neutral badge. */
    state: string;
    /** What started the run, e.g. 'dataset-drop' or 'git-push'. */
    trigger: string;
    /** When the report was produced; shown in the header if given. */
    generatedAt?: string;
    /** The endpoint's resource name, shown with the deployment. */
    endpoint?: string;
    metrics?: ReportMetrics;
  };
