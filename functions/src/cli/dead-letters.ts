// `vertex-retrain dead-letters [--replay]`: events the router gave up on, with the last error; replay re-queues
// them with a fresh attempt budget (a running stack picks them up within a second, a stopped one on its next start).
// With `--env vertex` the letters are read from the dead-letter subscriptions Terraform creates (DEAD_LETTER_ROUTES
// in .env.vertex names each subscription and the topic its function listens on) and replayed onto that topic.
import { listDeadLetters, replayDeadLetters } from '../local/queue-files';
import type { LocalLayout } from '../local/layout';
import {
  pullDeadLetters,
  replayDeadLetters as replayPubSub,
  type PublisherApi,
  type SubscriberApi,
} from '../gcp/pubsub';

export async function deadLetters(layout: LocalLayout, replay: boolean, out: NodeJS.WritableStream): Promise<number> {
  const letters = await listDeadLetters(layout);
  if (letters.length === 0) {
    out.write(`no dead letters in ${layout.deadLetters}\n`);
    return 0;
  }
  for (const l of letters) {
    out.write(`${l.deadLetteredAt}  ${l.trigger}  ${l.event.type}  id=${l.event.id}  attempts=${l.attempts}\n`);
    out.write(`    last error: ${l.lastError ?? '(none)'}\n`);
  }
  if (replay) {
    const n = await replayDeadLetters(layout);
    out.write(`replayed ${n} event(s) into ${layout.queue}\n`);
  }
  return letters.length;
}

/** A dead-letter subscription and the topic its letters replay to (undefined: not replayable). */
export interface DeadLetterRoute {
  subscription: string;
  topic?: string;
}

const SUBSCRIPTION = /^projects\/[^/]+\/subscriptions\/[^/]+$/;
const TOPIC = /^projects\/[^/]+\/topics\/[^/]+$/;

/** Parses DEAD_LETTER_ROUTES (`<subscription>=<topic or empty>,…`, as Terraform's env_file output writes it). */
export function parseDeadLetterRoutes(spec: string | undefined): DeadLetterRoute[] {
  if (!spec) throw new Error('--env vertex dead-letters needs DEAD_LETTER_ROUTES (terraform output -raw env_file)');
  return spec
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const [subscription = '', topic = ''] = part.trim().split('=');
      if (!SUBSCRIPTION.test(subscription) || (topic !== '' && !TOPIC.test(topic)))
        throw new Error(
          `DEAD_LETTER_ROUTES: "${part}" is not projects/<p>/subscriptions/<s>=[projects/<p>/topics/<t>]`,
        );
      return topic === '' ? { subscription } : { subscription, topic };
    });
}

/** Lists (and with `replay`, replays then acknowledges) the letters on every route; returns how many were found. */
export async function deadLettersVertex(
  routes: DeadLetterRoute[],
  replay: boolean,
  out: NodeJS.WritableStream,
  clients: { subscriber: SubscriberApi; publisher: PublisherApi },
  max = 100,
): Promise<number> {
  let total = 0;
  for (const route of routes) {
    const letters = await pullDeadLetters(clients.subscriber, route.subscription, max);
    if (letters.length === 0) {
      out.write(`no dead letters on ${route.subscription}\n`);
      continue;
    }
    total += letters.length;
    for (const l of letters) {
      const attrs = Object.entries(l.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      out.write(`${l.publishTime ?? '?'}  ${route.subscription}  id=${l.messageId}  ${attrs}\n`);
    }
    if (!replay) continue;
    if (route.topic === undefined) {
      out.write(`    not replayed: ${route.subscription} has no topic to replay to (copy the dataset again instead)\n`);
      continue;
    }
    const n = await replayPubSub(clients.subscriber, clients.publisher, route.subscription, route.topic, letters);
    out.write(`replayed ${n} event(s) onto ${route.topic}\n`);
  }
  return total;
}

/** The Pub/Sub clients `--env vertex` reads and replays through; `close` ends their channels. */
export interface DeadLetterClients {
  subscriber: SubscriberApi;
  publisher: PublisherApi;
  close?(): Promise<void>;
}

/** The generated Pub/Sub clients for `--env vertex`, loaded on use (the CLI starts without the Pub/Sub package). */
export function vertexDeadLetterClients(projectId: string): DeadLetterClients {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { v1 } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const subscriber = new v1.SubscriberClient({ projectId });
  const publisher = new v1.PublisherClient({ projectId });
  return {
    subscriber: subscriber as unknown as SubscriberApi,
    publisher: publisher,
    close: async () => void (await Promise.all([subscriber.close(), publisher.close()])),
  };
}

/**
 * `dead-letters --env vertex [--replay]`: the routes (DEAD_LETTER_ROUTES) and project (PROJECT_ID) from `env` — the
 * environment over the env file, as the CLI reads it — through `clients` (default: the generated Pub/Sub clients).
 */
export async function deadLettersFromEnv(
  env: Record<string, string | undefined>,
  replay: boolean,
  out: NodeJS.WritableStream,
  clients: (projectId: string) => DeadLetterClients = vertexDeadLetterClients,
): Promise<number> {
  const routes = parseDeadLetterRoutes(env.DEAD_LETTER_ROUTES);
  const projectId = env.PROJECT_ID;
  if (!projectId) throw new Error('--env vertex dead-letters needs PROJECT_ID (terraform output -raw env_file)');
  const c = clients(projectId);
  try {
    return await deadLettersVertex(routes, replay, out, c);
  } finally {
    await c.close?.();
  }
}
