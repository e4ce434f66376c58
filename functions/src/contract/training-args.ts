// The training command's arguments of the trainer contract (docs/trainer-contract.md section 3), in one place for
// both engines: Vertex AI's CustomJob (gcp/vertex-training.ts) and the local training twin (local/training-twin.ts).
// The manifest's own `train.args` come after them, on both.

export interface TrainingArgsInput {
  env: 'local' | 'vertex';
  endpointVersion: number;
  /** `gs://…#<generation>` on Vertex, the pinned generation's file path locally. */
  data: string;
  runId: string;
  /** The serving version's model directory, when one of ours serves (the like-for-like gate, section 7). */
  baselineModelDir?: string;
}

export function trainingArgs(input: TrainingArgsInput, manifestArgs: readonly string[]): string[] {
  return [
    '--env',
    input.env,
    '--endpoint_version',
    String(input.endpointVersion),
    '--data',
    input.data,
    '--run-id',
    input.runId,
    ...(input.baselineModelDir ? ['--baseline-model-dir', input.baselineModelDir] : []),
    ...manifestArgs,
  ];
}
