// The CloudEvents local mode delivers, shaped as Eventarc delivers them (binary content mode: the context in
// `ce-*` headers, the data as the JSON body), so the function code cannot tell local from cloud.
import type { ObjectInfo } from '../ports';

/** A CloudEvent as it travels through the local router. */
export interface LocalCloudEvent {
  id: string;
  type: string;
  source: string;
  subject?: string;
  /** RFC 3339. */
  time: string;
  data: unknown;
}

export const STORAGE_FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** The local twin's project id, used in resource names (`projects/local/...`). */
export const LOCAL_PROJECT = 'local';

/** `google.cloud.storage.object.v1.finalized` for an object, with StorageObjectData (int64 fields as strings). */
export function storageFinalizedEvent(info: ObjectInfo, timeCreated = info.updated): LocalCloudEvent {
  const updated = info.updated ?? new Date().toISOString();
  return {
    id: `${info.bucket}/${info.name}/${info.generation}`,
    type: STORAGE_FINALIZED,
    source: `//storage.googleapis.com/projects/_/buckets/${info.bucket}`,
    subject: `objects/${info.name}`,
    time: updated,
    data: {
      kind: 'storage#object',
      id: `${info.bucket}/${info.name}/${info.generation}`,
      bucket: info.bucket,
      name: info.name,
      generation: info.generation,
      metageneration: '1',
      size: String(info.size),
      md5Hash: info.md5Hash,
      contentType: info.contentType ?? 'application/octet-stream',
      storageClass: 'STANDARD',
      timeCreated: timeCreated ?? updated,
      updated,
      timeStorageClassUpdated: timeCreated ?? updated,
      selfLink: `local://buckets/${info.bucket}/${encodeURIComponent(info.name)}`,
    },
  };
}

/** `google.cloud.pubsub.topic.v1.messagePublished`: MessagePublishedData with base64 data, ce-id = messageId. */
export function messagePublishedEvent(
  topic: string,
  subscription: string,
  messageId: string,
  data: Buffer,
  attributes: Record<string, string>,
  publishTime: string,
): LocalCloudEvent {
  return {
    id: messageId,
    type: PUBSUB_PUBLISHED,
    source: `//pubsub.googleapis.com/projects/${LOCAL_PROJECT}/topics/${topic}`,
    time: publishTime,
    data: {
      subscription: `projects/${LOCAL_PROJECT}/subscriptions/${subscription}`,
      message: { data: data.toString('base64'), attributes, messageId, publishTime },
    },
  };
}

/** The HTTP request of a binary-mode CloudEvent. */
export function toBinaryHttp(event: LocalCloudEvent): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-type': event.type,
    'ce-source': event.source,
    'ce-time': event.time,
  };
  if (event.subject !== undefined) headers['ce-subject'] = event.subject;
  return { headers, body: JSON.stringify(event.data) };
}
