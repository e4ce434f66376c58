// The two commands of the trainer image (trainer/Dockerfile). The image's ENTRYPOINT is training, which is what
// a Vertex CustomJob/TrainingPipeline runs; the model's serving `containerSpec.command` must be SERVING_COMMAND.
// The functions code uses these constants so the strings live in one place (checked against the Dockerfile by
// test/trainer/dockerfile.test.ts).

/** ENTRYPOINT of the image: trains a model and writes it to AIP_MODEL_DIR. */
export const TRAINING_COMMAND: readonly string[] = ['node', 'dist/trainer/src/main.js'];

/** The model's `containerSpec.command`: the Vertex AI custom prediction server. */
export const SERVING_COMMAND: readonly string[] = ['node', 'dist/trainer/src/serve.js'];
