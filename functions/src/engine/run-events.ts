// Every run transition, told once: the ledger calls this after the compare-and-swap write that changed a run's state
// took (so a duplicate delivery, which changes nothing, tells nothing). It logs the transition line the monitoring
// reads ({runId, from, to}) and publishes the run event on the RunEvents port.
//
// A publish that fails is logged at ERROR (Terraform's function-errors metric counts it) with the whole event, and
// does not fail the step: the transition is already durable in the ledger, and a redelivery would find nothing left
// to change, so throwing would neither retry the publish nor undo the write — it would only repeat the step's work.
// The Pub/Sub client has already retried transient publish errors with backoff by then.
import type { Config } from '../config';
import type { TransitionListener } from '../ledger/run-ledger';
import { withRunId, type Logger } from '../log';
import { errorMessage } from '../pipeline/errors';
import { buildRunEvent, transitionOf } from '../pipeline/run-event';
import type { Ports } from '../ports';

/** The CloudEvents `source` of this deployment's run events. */
export const runEventSource = (config: Pick<Config, 'projectId' | 'region'>): string =>
  `//vertex-retrain/projects/${config.projectId}/locations/${config.region}`;

/** The listener that logs and publishes each transition the ledger records. */
export function publishTransitions(
  config: Pick<Config, 'projectId' | 'region'>,
  ports: Pick<Ports, 'runEvents'>,
  eventLog: Logger,
): TransitionListener {
  const source = runEventSource(config);
  return async (from, record) => {
    const { runId, state: to } = record;
    const log = withRunId(eventLog, runId);
    let event;
    try {
      event = buildRunEvent(source, transitionOf(from, record));
    } catch (err) {
      log.error({ from: from ?? null, to, err }, `run event not built: ${errorMessage(err)}`);
      return;
    }
    log.info({ from: from ?? null, to, eventId: event.id }, `run transition: ${from ?? 'START'} → ${to}`);
    try {
      await ports.runEvents.publish(event);
    } catch (err) {
      log.error(
        { from: from ?? null, to, eventId: event.id, event, err },
        `run event not published (the run record has the transition): ${errorMessage(err)}`,
      );
    }
  };
}
