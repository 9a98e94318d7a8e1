/**
 * The inference event: one prediction, as published by model servers (Avro `vigil.v1.InferenceEvent`,
 * see schemas/InferenceEvent.avsc). This is the in-memory form shared by every service, the SDK
 * and the CLI.
 */
export type EventStatus = 'OK' | 'ERROR';

export interface Prediction {
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** Regression output, when the model is a regressor. */
  score: number | null;
}

export interface InferenceEvent {
  eventId: string;
  /** Event time, epoch milliseconds. */
  timestamp: number;
  modelId: string;
  modelVersion: string;
  clientId: string;
  features: Record<string, number>;
  categorical: Record<string, string>;
  embedding: number[] | null;
  prediction: Prediction;
  latencyMs: number;
  status: EventStatus;
  errorCode: string | null;
  metadata: Record<string, string>;
}
