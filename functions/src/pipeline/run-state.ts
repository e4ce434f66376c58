// The run state machine, pure: apply(record, event) → {record, changed}. Events carry their own time. Every rule is
// "in this state, this event does that"; anything else — a duplicate, a late or out-of-order delivery, anything after
// a terminal state — returns the record unchanged with changed=false, which callers treat as "someone else did it".
//
//   RECEIVED ─▶ REJECTED
//      └─▶ BUILDING ─▶ TRAINING ─▶ DEPLOYING ─▶ DEPLOYED
//             │           ├─▶ HELD (quality gate said no) ─▶ DEPLOYING (operator override: `promote`)
//             └───────────┴───────────┴─▶ FAILED
// A scoring run (kind 'scoring'): RECEIVED ─▶ REJECTED | SCORING (claim, then its batch job) ─▶ SCORED | FAILED.
// After a terminal state only notes are added (evaluation, traffic changes, cost and report), never a new state —
// except the one explicit operator override of a HELD run.
import type { ModelEvaluation, TrafficSplit } from '../ports';
import type { GateDecision } from '../contract/gate-comparison';
import type { BatchSummary } from './batch-results';
import {
  TERMINAL_STATES,
  type Claim,
  type RunCost,
  type RunRecord,
  type RunState,
  type Stage,
  type TrafficChange,
} from './run-record';

type ModelRef = { name: string; versionId: string };

/** Something that happened to a run. `at` is RFC 3339; claims carry the lease after which a silent claim may be retaken. */
export type RunEvent =
  | { type: 'reject'; at: string; reasons: string[]; problemCount: number; reportUri?: string }
  | { type: 'claimBuild'; at: string; leaseSeconds: number }
  | { type: 'buildStarted'; at: string; buildId: string; logUrl?: string }
  | {
      type: 'claimTraining';
      at: string;
      leaseSeconds: number;
      buildId: string;
      logUrl?: string;
      imageUri: string;
      imageDigest: string;
      baseOutputDir: string;
      machineType: string;
    }
  | { type: 'endpointVersionAllocated'; at: string; endpointVersion: number }
  | { type: 'trainingStarted'; at: string; trainingName: string; baselineRunId?: string }
  | {
      type: 'claimDeploy';
      at: string;
      leaseSeconds: number;
      model: ModelRef;
      metrics: Record<string, number>;
      gate: GateDecision;
      requestedSplit: TrafficSplit;
    }
  | { type: 'hold'; at: string; model: ModelRef; metrics: Record<string, number>; gate: GateDecision }
  | { type: 'deployStarted'; at: string; operationName: string }
  | { type: 'deployed'; at: string; deployedModelId: string; traffic: TrafficSplit }
  | {
      type: 'undeployRecorded';
      at: string;
      undeployed: { deployedModelId: string; operationName?: string; error?: string }[];
      /** The undeploy operations not done yet (the run holds the endpoint until they are). */
      pending?: string[];
    }
  /** Every pending undeploy operation of the clean-up is done; `failed` are those that ended with an error. */
  | { type: 'undeploysFinished'; at: string; failed: { operationName: string; error: string }[] }
  /** Keep-K undeployed this run's model (after `by` went live): it no longer serves, costs or takes traffic. */
  | { type: 'undeployed'; at: string; by: string; operationName?: string }
  /** An operator deploys a HELD version anyway: the run goes back to DEPLOYING with the deploy claim taken. */
  | { type: 'overrideHold'; at: string; by: string; leaseSeconds: number; requestedSplit: TrafficSplit }
  | { type: 'evaluationImported'; at: string; evaluation: ModelEvaluation }
  /** An operator traffic change that touched this run's deployed model. */
  | ({ type: 'trafficChanged' } & TrafficChange)
  /** Cost and report written for the record as it was at `of` (its updatedAt then); a no-op if it changed since. */
  | { type: 'finalized'; at: string; of: string; cost: RunCost; reportUri: string }
  /** The claim holder hit a transient error before recording a result: let the redelivery retake the claim at once. */
  | { type: 'releaseClaim'; at: string; stage: Stage }
  /** A scoring run takes the claim on its batch job, with the version serving now and where the job reads and writes. */
  | {
      type: 'claimScoring';
      at: string;
      leaseSeconds: number;
      model: ModelRef;
      deployedModelId: string;
      servingRunId?: string;
      inputUri: string;
      outputUriPrefix: string;
    }
  | { type: 'scoringStarted'; at: string; jobName: string }
  | { type: 'scored'; at: string; predictionsUri: string; summary: BatchSummary }
  /** A permanent failure; applies only while the run is in one of `from` (so a late failure cannot undo progress). */
  | { type: 'fail'; at: string; from: RunState[]; reason: string; message: string };

export interface Applied {
  record: RunRecord;
  changed: boolean;
}

/** Whether a run will never change state again. */
export const isTerminal = (state: RunState): boolean => TERMINAL_STATES.has(state);

/** A claim may be retaken only once its lease has run out with no result recorded (the holder is presumed dead). */
export function claimExpired(claim: Claim | undefined, at: string, leaseSeconds: number): boolean {
  if (!claim || claim.released) return true;
  return Date.parse(at) - Date.parse(claim.at) >= leaseSeconds * 1000;
}

const nextClaim = (claim: Claim | undefined, at: string): Claim => ({ at, attempt: (claim?.attempt ?? 0) + 1 });

/**
 * `updatedAt` only moves forward, by at least a millisecond: "the report is current" is `report.of === updatedAt`,
 * so a change within the same instant as the last report (a coarse or fake clock) must still make it stale.
 */
function later(record: RunRecord, at: string): string {
  return at > record.updatedAt ? at : new Date(Date.parse(record.updatedAt) + 1).toISOString();
}

function moveTo(record: RunRecord, state: RunState, at: string): RunRecord {
  return { ...record, state, updatedAt: later(record, at), stages: { ...record.stages, [state]: at } };
}

function touch(record: RunRecord, at: string): RunRecord {
  return { ...record, updatedAt: later(record, at) };
}

/** The new record, or undefined when the event does not apply in the record's current state. */
function transition(r: RunRecord, e: RunEvent): RunRecord | undefined {
  switch (e.type) {
    case 'reject':
      if (r.state !== 'RECEIVED') return undefined;
      return {
        ...moveTo(r, 'REJECTED', e.at),
        rejection: {
          reasons: e.reasons,
          problemCount: e.problemCount,
          ...(e.reportUri ? { reportUri: e.reportUri } : {}),
        },
      };
    case 'claimBuild':
      if (r.kind === 'scoring') return undefined;
      if (r.state === 'RECEIVED')
        return { ...moveTo(r, 'BUILDING', e.at), build: { claim: nextClaim(undefined, e.at) } };
      if (r.state === 'BUILDING' && !r.build?.id && claimExpired(r.build?.claim, e.at, e.leaseSeconds))
        return { ...touch(r, e.at), build: { ...r.build, claim: nextClaim(r.build?.claim, e.at) } };
      return undefined;
    case 'buildStarted':
      if (r.state !== 'BUILDING' || r.build?.id) return undefined;
      return { ...touch(r, e.at), build: { ...r.build, id: e.buildId, ...(e.logUrl ? { logUrl: e.logUrl } : {}) } };
    case 'claimTraining':
      if (r.state === 'BUILDING')
        return {
          ...moveTo(r, 'TRAINING', e.at),
          build: {
            ...r.build,
            id: e.buildId,
            ...((e.logUrl ?? r.build?.logUrl) ? { logUrl: e.logUrl ?? r.build?.logUrl } : {}),
            imageUri: e.imageUri,
            imageDigest: e.imageDigest,
          },
          training: { claim: nextClaim(undefined, e.at), baseOutputDir: e.baseOutputDir, machineType: e.machineType },
        };
      if (r.state === 'TRAINING' && !r.training?.name && claimExpired(r.training?.claim, e.at, e.leaseSeconds))
        return { ...touch(r, e.at), training: { ...r.training, claim: nextClaim(r.training?.claim, e.at) } };
      return undefined;
    case 'endpointVersionAllocated':
      if (r.state !== 'TRAINING' || r.training?.endpointVersion !== undefined) return undefined;
      return { ...touch(r, e.at), training: { ...r.training, endpointVersion: e.endpointVersion } };
    case 'trainingStarted':
      if (r.state !== 'TRAINING' || r.training?.name) return undefined;
      return {
        ...touch(r, e.at),
        training: {
          ...r.training,
          name: e.trainingName,
          ...(e.baselineRunId ? { baselineRunId: e.baselineRunId } : {}),
        },
      };
    case 'claimDeploy':
      if (r.state === 'TRAINING')
        return {
          ...moveTo(r, 'DEPLOYING', e.at),
          training: { ...r.training, model: e.model },
          metrics: e.metrics,
          gate: e.gate,
          deploy: { claim: nextClaim(undefined, e.at), requestedSplit: e.requestedSplit },
        };
      if (r.state === 'DEPLOYING' && !r.deploy?.operationName && claimExpired(r.deploy?.claim, e.at, e.leaseSeconds))
        return { ...touch(r, e.at), deploy: { ...r.deploy, claim: nextClaim(r.deploy?.claim, e.at) } };
      return undefined;
    case 'hold':
      if (r.state !== 'TRAINING') return undefined;
      return {
        ...moveTo(r, 'HELD', e.at),
        training: { ...r.training, model: e.model },
        metrics: e.metrics,
        gate: e.gate,
      };
    case 'deployStarted':
      if (r.state !== 'DEPLOYING' || r.deploy?.operationName) return undefined;
      return { ...touch(r, e.at), deploy: { ...r.deploy, operationName: e.operationName } };
    case 'deployed':
      if (r.state !== 'DEPLOYING') return undefined;
      return {
        ...moveTo(r, 'DEPLOYED', e.at),
        deploy: { ...r.deploy, deployedModelId: e.deployedModelId, traffic: e.traffic },
      };
    case 'undeployRecorded':
      // The one change allowed after a terminal state: keep-K housekeeping noted once, the state stays DEPLOYED.
      if (r.state !== 'DEPLOYED' || r.deploy?.undeployed) return undefined;
      return {
        ...touch(r, e.at),
        deploy: {
          ...r.deploy,
          undeployed: e.undeployed,
          ...(e.pending && e.pending.length > 0 ? { undeployPending: e.pending } : {}),
        },
      };
    case 'undeploysFinished': {
      if (r.state !== 'DEPLOYED' || !r.deploy?.undeployPending) return undefined;
      const { undeployPending: _done, ...deploy } = r.deploy;
      const failure = new Map(e.failed.map((f) => [f.operationName, f.error]));
      const undeployed = (deploy.undeployed ?? []).map((u) => {
        const error = u.operationName === undefined ? undefined : failure.get(u.operationName);
        return error === undefined ? u : { ...u, error };
      });
      return { ...touch(r, e.at), deploy: { ...deploy, undeployed, undeploysFinishedAt: e.at } };
    }
    case 'undeployed':
      if (r.state !== 'DEPLOYED' || !r.deploy?.deployedModelId || r.deploy.undeployedAt) return undefined;
      return {
        ...touch(r, e.at),
        deploy: {
          ...r.deploy,
          undeployedAt: e.at,
          undeployedBy: e.by,
          ...(e.operationName ? { undeployOperation: e.operationName } : {}),
        },
      };
    case 'overrideHold':
      if (r.state !== 'HELD' || !r.training?.model) return undefined;
      return {
        ...moveTo(r, 'DEPLOYING', e.at),
        override: { at: e.at, by: e.by },
        deploy: { claim: nextClaim(undefined, e.at), requestedSplit: e.requestedSplit },
      };
    case 'evaluationImported':
      if (!r.training?.model || r.evaluation) return undefined;
      return { ...touch(r, e.at), evaluation: { ...e.evaluation, importedAt: e.at } };
    case 'trafficChanged': {
      if (r.state !== 'DEPLOYED' || !r.deploy?.deployedModelId) return undefined;
      const last = r.deploy.trafficChanges?.at(-1);
      if (last && last.at === e.at && last.action === e.action) return undefined;
      const { type: _type, ...change } = e;
      return {
        ...touch(r, e.at),
        deploy: { ...r.deploy, trafficChanges: [...(r.deploy.trafficChanges ?? []), change] },
      };
    }
    case 'finalized':
      // `report.of` is the updatedAt this event sets, so "the report is current" is `report.of === updatedAt`.
      if (!isTerminal(r.state) || r.updatedAt !== e.of) return undefined;
      {
        const touched = touch(r, e.at);
        return { ...touched, cost: e.cost, report: { uri: e.reportUri, writtenAt: e.at, of: touched.updatedAt } };
      }
    case 'claimScoring':
      if (r.kind !== 'scoring') return undefined;
      if (r.state === 'RECEIVED') {
        const { type: _t, at: _a, leaseSeconds: _l, ...chosen } = e;
        return { ...moveTo(r, 'SCORING', e.at), scoring: { claim: nextClaim(undefined, e.at), ...chosen } };
      }
      // A retake keeps the version chosen at drop time: only the claim moves on.
      if (r.state === 'SCORING' && !r.scoring?.jobName && claimExpired(r.scoring?.claim, e.at, e.leaseSeconds))
        return { ...touch(r, e.at), scoring: { ...r.scoring, claim: nextClaim(r.scoring?.claim, e.at) } };
      return undefined;
    case 'scoringStarted':
      if (r.state !== 'SCORING' || r.scoring?.jobName) return undefined;
      return { ...touch(r, e.at), scoring: { ...r.scoring, jobName: e.jobName } };
    case 'scored':
      if (r.state !== 'SCORING' || !r.scoring?.jobName) return undefined;
      return {
        ...moveTo(r, 'SCORED', e.at),
        scoring: { ...r.scoring, predictionsUri: e.predictionsUri, summary: e.summary },
      };
    case 'releaseClaim': {
      const released = (c: Claim | undefined): Claim | undefined =>
        c && !c.released ? { ...c, released: true } : undefined;
      if (e.stage === 'build' && r.state === 'BUILDING' && !r.build?.id) {
        const claim = released(r.build?.claim);
        return claim ? { ...touch(r, e.at), build: { ...r.build, claim } } : undefined;
      }
      if (e.stage === 'training' && r.state === 'TRAINING' && !r.training?.name) {
        const claim = released(r.training?.claim);
        return claim ? { ...touch(r, e.at), training: { ...r.training, claim } } : undefined;
      }
      if (e.stage === 'scoring' && r.state === 'SCORING' && !r.scoring?.jobName) {
        const claim = released(r.scoring?.claim);
        return claim ? { ...touch(r, e.at), scoring: { ...r.scoring, claim } } : undefined;
      }
      if (e.stage === 'deploy' && r.state === 'DEPLOYING' && !r.deploy?.operationName) {
        const claim = released(r.deploy?.claim);
        return claim ? { ...touch(r, e.at), deploy: { ...r.deploy, claim } } : undefined;
      }
      return undefined;
    }
    case 'fail':
      if (isTerminal(r.state) || !e.from.includes(r.state)) return undefined;
      return {
        ...moveTo(r, 'FAILED', e.at),
        errors: [...r.errors, { at: e.at, stage: r.state, reason: e.reason, message: e.message }],
      };
  }
}

/** Applies an event to a run record. Never mutates its input. */
export function apply(record: RunRecord, event: RunEvent): Applied {
  const next = transition(record, event);
  return next ? { record: next, changed: true } : { record, changed: false };
}
