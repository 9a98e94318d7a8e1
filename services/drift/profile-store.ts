/**
 * Reference profiles in ClickHouse (`<db>.reference_profiles`, migration 003_drift.sql), and the
 * reference traffic read back from `<db>.inference_events_final`.
 *
 * The table is a ReplacingMergeTree keyed by (model_id, model_version, profile_id) with version
 * `updated_at_ms`: activating a profile re-inserts (server side, INSERT … SELECT) the row of the
 * chosen profile with active = 1 and the rows of the previously active ones with active = 0, all
 * with a newer version, so `FINAL` shows exactly one active profile per model version. Should two
 * activations race, readers take the active row with the highest `updated_at_ms`.
 */
import type { ClickHouseClient } from '../common/clickhouse.js';
import type { InferenceEvent } from '../common/event.js';
import { VigilError } from '../common/errors.js';
import { modelKeyId } from './profile-cache.js';
import { parseProfile, type ProfileBuilder, type ReferenceProfile } from './profile.js';

/** A ClickHouse string literal (backslash escaping, as ClickHouse parses it). */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function ident(db: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db))
    throw new VigilError(`"${db}" is not a plain database name`);
  return db;
}

async function rows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}

let lastVersion = 0;
/** Strictly increasing row versions within this process (ms clock, bumped on ties). */
function nextVersion(clock: () => number): number {
  lastVersion = Math.max(clock(), lastVersion + 1);
  return lastVersion;
}

export interface StoreOptions {
  /** Make it the active profile of its model version. Default true. */
  activate?: boolean;
  clock?: () => number;
}

/** Stores a profile (idempotent for the same profileVersion) and, by default, activates it. */
export async function saveProfile(
  ch: ClickHouseClient,
  db: string,
  p: ReferenceProfile,
  o: StoreOptions = {},
): Promise<void> {
  const clock = o.clock ?? Date.now;
  await ch.insert({
    table: `${ident(db)}.reference_profiles`,
    format: 'JSONEachRow',
    values: [
      {
        model_id: p.modelId,
        model_version: p.modelVersion,
        profile_id: p.profileVersion,
        created_at: Math.floor(Date.parse(p.createdAt) / 1000),
        active: 0,
        updated_at_ms: nextVersion(clock),
        rows: p.rows,
        source: p.source,
        profile_json: JSON.stringify(p),
      },
    ],
  });
  if (o.activate ?? true)
    await activateProfile(ch, db, p.modelId, p.modelVersion, p.profileVersion, clock);
}

/** Makes `profileId` the active profile of (model, version); the others of that version become inactive. */
export async function activateProfile(
  ch: ClickHouseClient,
  db: string,
  modelId: string,
  modelVersion: string,
  profileId: string,
  clock: () => number = Date.now,
): Promise<void> {
  const d = ident(db);
  const where = `model_id = ${sqlString(modelId)} AND model_version = ${sqlString(modelVersion)}`;
  const found = await rows<{ c: string }>(
    ch,
    `SELECT count() AS c FROM ${d}.reference_profiles FINAL WHERE ${where} AND profile_id = ${sqlString(profileId)}`,
  );
  if (Number(found[0]?.c ?? 0) === 0)
    throw new VigilError(
      `no profile ${profileId} for model ${modelId} version ${modelVersion} in ${d}.reference_profiles`,
    );
  const version = nextVersion(clock);
  await ch.command({
    query: `INSERT INTO ${d}.reference_profiles (model_id, model_version, profile_id, created_at, active, updated_at_ms, rows, source, profile_json)
      SELECT model_id, model_version, profile_id, created_at, toUInt8(profile_id = ${sqlString(profileId)}), toUInt64(${version}), rows, source, profile_json
      FROM ${d}.reference_profiles FINAL WHERE ${where} AND (active = 1 OR profile_id = ${sqlString(profileId)})`,
  });
}

export interface ProfileSummary {
  modelId: string;
  modelVersion: string;
  profileId: string;
  createdAt: string;
  active: boolean;
  updatedAtMs: number;
  rows: number;
  source: string;
}

/** Every stored profile (no JSON), by model, version, then newest first. */
export async function listProfiles(
  ch: ClickHouseClient,
  db: string,
  modelId?: string,
): Promise<ProfileSummary[]> {
  const where = modelId === undefined ? '' : `WHERE model_id = ${sqlString(modelId)}`;
  const r = await rows<Record<string, string | number>>(
    ch,
    `SELECT model_id, model_version, profile_id, toUnixTimestamp(created_at) AS created, active, updated_at_ms, rows, source
     FROM ${ident(db)}.reference_profiles FINAL ${where} ORDER BY model_id, model_version, created DESC, profile_id`,
  );
  return r.map((x) => ({
    modelId: String(x.model_id),
    modelVersion: String(x.model_version),
    profileId: String(x.profile_id),
    createdAt: new Date(Number(x.created) * 1000).toISOString(),
    active: Number(x.active) === 1,
    updatedAtMs: Number(x.updated_at_ms),
    rows: Number(x.rows),
    source: String(x.source),
  }));
}

/** One stored profile by id (and optionally model/version), checked. */
export async function loadProfile(
  ch: ClickHouseClient,
  db: string,
  profileId: string,
): Promise<ReferenceProfile> {
  const r = await rows<{ profile_json: string }>(
    ch,
    `SELECT profile_json FROM ${ident(db)}.reference_profiles FINAL WHERE profile_id = ${sqlString(profileId)} LIMIT 1`,
  );
  if (r.length === 0) throw new VigilError(`no profile ${profileId} in ${db}.reference_profiles`);
  return parseProfile(JSON.parse(r[0]!.profile_json));
}

/** The active profile id per model key (JSON [model, version]). */
export async function activeProfileIds(
  ch: ClickHouseClient,
  db: string,
): Promise<Map<string, string>> {
  const r = await rows<{
    model_id: string;
    model_version: string;
    profile_id: string;
    updated_at_ms: string;
  }>(
    ch,
    `SELECT model_id, model_version, profile_id, updated_at_ms FROM ${ident(db)}.reference_profiles FINAL WHERE active = 1
     ORDER BY model_id, model_version, updated_at_ms, profile_id`,
  );
  const out = new Map<string, string>();
  for (const x of r) out.set(modelKeyId(x.model_id, x.model_version), x.profile_id); // later rows win
  return out;
}

/**
 * Polls the active set: returns the profiles whose id differs from `known` (key → id) and the keys
 * whose id did not change (for ProfileCache.replace).
 */
export async function loadActiveProfiles(
  ch: ClickHouseClient,
  db: string,
  known: ReadonlyMap<string, string> = new Map(),
): Promise<{ changed: ReferenceProfile[]; unchanged: Set<string> }> {
  const active = await activeProfileIds(ch, db);
  const unchanged = new Set<string>();
  const changed: ReferenceProfile[] = [];
  for (const [k, id] of active) {
    if (known.get(k) === id) unchanged.add(k);
    else changed.push(await loadProfile(ch, db, id));
  }
  return { changed, unchanged };
}

/**
 * Feeds `builder` with the events of one model version whose event time is in [fromMs, toMs),
 * from `inference_events_final`, streamed in (timestamp, event id) order so the profile is
 * reproducible. Returns the number of events read.
 */
export async function feedFromClickHouse(
  ch: ClickHouseClient,
  db: string,
  q: { modelId: string; modelVersion: string; fromMs: number; toMs: number },
  builder: ProfileBuilder,
): Promise<number> {
  const rs = await ch.query({
    query: `SELECT event_id, timestamp_ms, feature_names, feature_values, categorical_names, categorical_values, prediction_label, confidence, status
      FROM ${ident(db)}.inference_events_final
      WHERE model_id = ${sqlString(q.modelId)} AND model_version = ${sqlString(q.modelVersion)}
        AND timestamp_ms >= ${Math.trunc(q.fromMs)} AND timestamp_ms < ${Math.trunc(q.toMs)}
      ORDER BY timestamp_ms, event_id`,
    format: 'JSONEachRow',
  });
  let n = 0;
  for await (const batch of rs.stream()) {
    for (const row of batch as Array<{ json<T>(): T }>) {
      const x = row.json<{
        feature_names: string[];
        feature_values: Array<number | string>;
        categorical_names: string[];
        categorical_values: string[];
        prediction_label: string;
        confidence: number | string;
        status: string;
      }>();
      const features: Record<string, number> = {};
      x.feature_names.forEach((name, i) => (features[name] = Number(x.feature_values[i])));
      const categorical: Record<string, string> = {};
      x.categorical_names.forEach((name, i) => (categorical[name] = x.categorical_values[i]!));
      const ok = x.status === 'OK';
      builder.addEvent({
        features,
        categorical,
        status: ok ? 'OK' : 'ERROR',
        prediction: {
          label: x.prediction_label,
          confidence: Number(x.confidence),
          probabilities: {},
          score: null,
        },
      } as unknown as InferenceEvent);
      n++;
    }
  }
  return n;
}
