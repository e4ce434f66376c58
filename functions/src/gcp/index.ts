// The Google Cloud backend: every port over its Google Cloud service. Building the Ports object loads no client
// package; each client is required and created on its first use (see clients.ts).
import type { Ports } from '../ports';
import { type GcpClients, lazyClients } from './clients';
import { createCloudBuildService } from './cloud-build';
import { createPubSubPublisher, createPubSubRunEvents } from './pubsub';
import type { GcpSettings } from './settings';
import { createGcsStore } from './storage';
import { createVertexBatch, lazyJobClient } from './vertex-batch';
import { createVertexEndpoint } from './vertex-endpoint';
import { createVertexRegistry } from './vertex-registry';
import { createVertexTraining } from './vertex-training';

export type { GcpSettings } from './settings';
export { ObjectTooLargeError, PreconditionFailedError } from '../ports';

/** The ports over Google Cloud. `clients` defaults to lazily created, process-wide cached clients. */
export function createGcpPorts(settings: GcpSettings, clients: GcpClients = lazyClients(settings)): Ports {
  return {
    store: createGcsStore(clients),
    builds: createCloudBuildService(settings, clients),
    training: createVertexTraining(settings, clients),
    endpoint: createVertexEndpoint(settings, clients),
    registry: createVertexRegistry(clients),
    publisher: createPubSubPublisher(clients),
    runEvents: createPubSubRunEvents(clients, settings.runEventsTopic),
    batch: createVertexBatch(settings, lazyJobClient(settings)),
    now: () => new Date(),
  };
}
