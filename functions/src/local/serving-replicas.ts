// The prediction containers of an endpoint: one process per deployed model, started with the serving command of
// the model's image and the variables Vertex sets for a custom container (AIP_HTTP_PORT, AIP_STORAGE_URI, routes…),
// bound to 127.0.0.1 on a free port. A replica that exits is started again, as Vertex restarts a container.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnCommand, stopChild, waitForHttp } from './child-process';
import { HostPrograms } from './host-interpreter';
import { imageEnvironment, readImage } from './image-builder';
import { gsUriToPath } from './layout';
import type { LocalLayout } from './layout';

/** What a replica needs to know about the deployed model it serves. */
export interface ReplicaSpec {
  deployedModelId: string;
  endpointId: string;
  imageUri: string;
  servingCommand: string[];
  artifactUri: string;
}

interface Replica {
  spec: ReplicaSpec;
  child: ChildProcess;
  port: number;
  predictRoute: string;
  ready: boolean;
}

export class ServingReplicas {
  private readonly replicas = new Map<string, Replica>();
  private stopping = false;
  private readonly host: HostPrograms;

  constructor(
    private readonly layout: LocalLayout,
    private readonly opts: {
      nodeModules: string;
      projectNumber: string;
      healthTimeoutMs?: number;
      /** Which host program runs the serving command (default: probed on PATH, no module requirements). */
      host?: HostPrograms;
    },
  ) {
    this.host = opts.host ?? new HostPrograms();
  }

  /** Starts the replica and resolves once its health route answers 200; throws if it exits or times out first. */
  async start(spec: ReplicaSpec): Promise<void> {
    const digest = spec.imageUri.split('@')[1] ?? '';
    const image = await readImage(this.layout, digest);
    if (!image) throw new Error(`image ${spec.imageUri} not found`);
    const command = spec.servingCommand.length > 0 ? spec.servingCommand : image.manifest.servingCommand;
    const port = await freePort();
    const healthRoute = `/v1/endpoints/${spec.endpointId}/deployedModels/${spec.deployedModelId}`;
    const predictRoute = `${healthRoute}:predict`;
    const child = await spawnCommand(this.layout, {
      command: await this.host.command(command),
      cwd: image.dir,
      env: {
        ...imageEnvironment(image.manifest),
        PATH: process.env.PATH,
        NODE_PATH: this.opts.nodeModules,
        SERVE_HOST: '127.0.0.1',
        AIP_HTTP_PORT: String(port),
        AIP_HEALTH_ROUTE: healthRoute,
        AIP_PREDICT_ROUTE: predictRoute,
        AIP_STORAGE_URI: gsUriToPath(this.layout, spec.artifactUri),
        AIP_DEPLOYED_MODEL_ID: spec.deployedModelId,
        AIP_ENDPOINT_ID: spec.endpointId,
        AIP_MODEL_NAME: spec.endpointId,
        AIP_VERSION_NAME: spec.deployedModelId,
        AIP_FRAMEWORK: 'CUSTOM_CONTAINER',
        AIP_MODE: 'PREDICTION',
        AIP_MODE_VERSION: '1.0.0',
        AIP_MACHINE_TYPE: 'local',
        AIP_PROJECT_NUMBER: this.opts.projectNumber,
      },
      logFile: join(this.layout.logs, 'serving', `${spec.deployedModelId}.log`),
    });
    const replica: Replica = { spec, child, port, predictRoute, ready: false };
    this.replicas.set(spec.deployedModelId, replica);
    child.once('exit', () => {
      if (this.replicas.get(spec.deployedModelId) !== replica) return;
      this.replicas.delete(spec.deployedModelId);
      if (!this.stopping && replica.ready) void this.restart(spec);
    });
    try {
      await waitForHttp(
        `http://127.0.0.1:${port}${healthRoute}`,
        child,
        this.opts.healthTimeoutMs ?? 60_000,
        (s) => s === 200,
      );
    } catch (err) {
      this.replicas.delete(spec.deployedModelId);
      await stopChild(child);
      throw err;
    }
    replica.ready = true;
    if (this.stopping) await this.stop(spec.deployedModelId);
  }

  /** The predict URL of a ready replica. */
  predictUrl(deployedModelId: string): string | undefined {
    const replica = this.replicas.get(deployedModelId);
    return replica?.ready ? `http://127.0.0.1:${replica.port}${replica.predictRoute}` : undefined;
  }

  has(deployedModelId: string): boolean {
    return this.replicas.has(deployedModelId);
  }

  async stop(deployedModelId: string): Promise<void> {
    const replica = this.replicas.get(deployedModelId);
    this.replicas.delete(deployedModelId);
    if (replica) await stopChild(replica.child);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.replicas.keys()].map((id) => this.stop(id)));
  }

  private async restart(spec: ReplicaSpec): Promise<void> {
    await sleep(500);
    if (!this.stopping && !this.replicas.has(spec.deployedModelId)) await this.start(spec).catch(() => undefined);
  }
}
