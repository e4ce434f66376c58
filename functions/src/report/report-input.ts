// What the run report shows, as plain data. Every section but the header is optional: a run that was rejected, failed
// or is still going renders with what it has. The shape follows the run record (runs/<runId>.json) and the trainer's
// metrics.json, so the mapping from either is a copy, not a computation.
import type { CostEstimate } from '../pipeline/cost';
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

/** The quality gate's decision, as recorded on the run (functions/src/pipeline/quality-gate.ts GateDecision). */
export interface ReportGate {
  promote: boolean;
  metric: string;
  /** 'higher' or 'lower' is better; higher when missing. */
  direction?: 'higher' | 'lower';
  candidate: number | null;
  serving: number | null;
  floor: number;
  tolerance: number;
  /** The value the candidate had to reach (the stricter of floor and serving ∓ tolerance). */
  threshold?: number | null;
  /** Which serving figure was compared (absent on older records): like-for-like, recorded (other rows) or none. */
  comparison?: 'like-for-like' | 'recorded' | 'none';
  /** Which rows the two figures were measured on. */
  rows?: string;
  reason: string;
}

/** One recorded failure of the run. */
export interface ReportError {
  at: string;
  stage: string;
  reason: string;
  message: string;
}

/** Everything one run report shows. Timestamps are RFC 3339 strings; nothing is read from a clock while rendering. */
export interface RunReportInput {
  runId: string;
  /** The run's state (RECEIVED … DEPLOYED, HELD, FAILED, REJECTED); an unknown state renders as a neutral badge. */
  state: string;
  /** What started the run, e.g. 'dataset-drop' or 'git-push'. */
  trigger: string;
  /** When the report was produced; shown in the header if given. */
  generatedAt?: string;
  /** When the run entered each state it went through. */
  stages: Partial<Record<ReportStage, string>>;
  dataset?: { uri: string; generation?: string; md5Hash?: string; size?: number; rows?: number };
  build?: { id?: string; logUrl?: string; imageUri?: string; imageDigest?: string };
  training?: {
    /** Vertex AI TrainingPipeline resource name. */
    name?: string;
    endpointVersion?: number;
    /** Registry model resource name and version id. */
    model?: { name: string; versionId: string };
  };
  deployment?: {
    endpoint?: string;
    deployedModelId?: string;
    /** deployedModelId → percent of traffic once live. */
    trafficSplit?: Record<string, number>;
    /** Set once keep-K undeployed the model. */
    undeployedAt?: string;
  };
  gate?: ReportGate;
  /** Why the dataset was turned away (REJECTED runs). */
  rejection?: { reasons: string[]; problemCount: number; reportUri?: string };
  errors?: ReportError[];
  cost?: CostEstimate;
  metrics?: ReportMetrics;
}
