// The Vertex AI Model Registry twin: one model with numbered versions, aliases (exactly one version holds
// `default`; applying an alias moves it) and imported evaluations, kept as one JSON document in the twin's bucket.
import type { ModelEvaluation, ModelRegistry, ObjectStore } from '../ports';
import { readJson, updateJson } from './json-objects';
import { modelName, withoutVersion } from '../pipeline/resource-names';
import { TWIN_STATE_BUCKET } from './settings';
import type { CloudNames } from './settings';

export interface LocalModelVersion {
  versionId: string;
  aliases: string[];
  /** `gs://…/model/`: where the serving container finds the artifact (AIP_STORAGE_URI). */
  artifactUri: string;
  /** The image (pinned by digest) whose serving command serves this version. */
  imageUri: string;
  servingCommand: string[];
  /** The training that uploaded it: uploading is idempotent per training. */
  trainingName: string;
  runId: string;
  createTime: string;
  evaluations: (ModelEvaluation & { createTime: string })[];
}

export interface LocalModel {
  name: string;
  versions: LocalModelVersion[];
}

/** A model or version that does not exist (Vertex's NOT_FOUND). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

const ALIAS = /^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$/;

export class LocalModelRegistry implements ModelRegistry {
  constructor(
    private readonly store: ObjectStore,
    private readonly names: CloudNames,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `projects/<p>/locations/<r>/models/<MODEL_ID>` */
  get modelName(): string {
    return modelName(this.names);
  }

  /** Like a TrainingPipeline's modelToUpload with parentModel: a new version, or the one this training uploaded. */
  async uploadVersion(
    upload: Omit<LocalModelVersion, 'versionId' | 'aliases' | 'createTime' | 'evaluations'>,
  ): Promise<{ name: string; versionId: string }> {
    let versionId = '';
    await updateJson<LocalModel>(this.store, TWIN_STATE_BUCKET, this.docName, (model = this.empty()) => {
      const existing = model.versions.find((v) => v.trainingName === upload.trainingName);
      if (existing) {
        versionId = existing.versionId;
        return undefined;
      }
      versionId = String(model.versions.length + 1);
      const first = model.versions.length === 0;
      const version = {
        ...upload,
        versionId,
        aliases: first ? ['default'] : [],
        createTime: this.iso(),
        evaluations: [],
      };
      return { ...model, versions: [...model.versions, version] };
    });
    return { name: this.modelName, versionId };
  }

  async setVersionAliases(model: { name: string; versionId: string }, aliases: string[]): Promise<void> {
    for (const alias of aliases) {
      if (!ALIAS.test(alias)) throw new Error(`invalid version alias ${JSON.stringify(alias)}`);
    }
    await this.change(model, (doc) => ({
      ...doc,
      versions: doc.versions.map((v) =>
        v.versionId === model.versionId
          ? { ...v, aliases: [...new Set([...v.aliases, ...aliases])] }
          : { ...v, aliases: v.aliases.filter((a) => !aliases.includes(a)) },
      ),
    }));
  }

  async importEvaluation(model: { name: string; versionId: string }, evaluation: ModelEvaluation): Promise<void> {
    await this.change(model, (doc) => ({
      ...doc,
      versions: doc.versions.map((v) =>
        v.versionId === model.versionId
          ? { ...v, evaluations: [...v.evaluations, { ...evaluation, createTime: this.iso() }] }
          : v,
      ),
    }));
  }

  async getModel(): Promise<LocalModel> {
    return (await readJson<LocalModel>(this.store, TWIN_STATE_BUCKET, this.docName)) ?? this.empty();
  }

  /** A version by model name (with or without `@version`) and version id; throws NotFoundError. */
  async getVersion(model: { name: string; versionId: string }): Promise<LocalModelVersion> {
    this.checkName(model.name);
    const version = (await this.getModel()).versions.find((v) => v.versionId === model.versionId);
    if (!version) throw new NotFoundError(`${model.name}@${model.versionId} not found`);
    return version;
  }

  private async change(model: { name: string; versionId: string }, fn: (doc: LocalModel) => LocalModel): Promise<void> {
    await this.getVersion(model);
    await updateJson<LocalModel>(this.store, TWIN_STATE_BUCKET, this.docName, (doc = this.empty()) => fn(doc));
  }

  private checkName(name: string): void {
    if (withoutVersion(name) !== this.modelName)
      throw new NotFoundError(`model ${name} not found (the twin holds ${this.modelName})`);
  }

  private get docName(): string {
    return `models/${this.names.modelId}.json`;
  }

  private empty(): LocalModel {
    return { name: this.modelName, versions: [] };
  }

  private iso(): string {
    return this.now().toISOString();
  }
}
