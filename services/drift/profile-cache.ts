/**
 * The active profiles the drift service compares against, per model version (pure; the ClickHouse
 * poller in profile-store.ts feeds it). Replacing the set is atomic from the tasks' point of view:
 * a window keeps the prepared profile it started with, new windows take the new one, so a profile
 * activated while the service runs is used from the next window on, without a restart.
 */
import { prepareProfile, type PreparedProfile } from './compare.js';
import type { ReferenceProfile } from './profile.js';

export function modelKeyId(modelId: string, modelVersion: string): string {
  return JSON.stringify([modelId, modelVersion]);
}

export interface ProfileLookup {
  active(modelId: string, modelVersion: string): PreparedProfile | undefined;
}

export interface ProfileCacheOptions {
  /** Most model versions with a profile; profiles beyond are not loaded (and counted). */
  maxModels: number;
  /** Most input features tested per model version. */
  maxFeatures: number;
}

/** What changed in a {@link ProfileCache.replace}. */
export interface ProfileChanges {
  added: string[];
  changed: string[];
  removed: string[];
  /** Model versions left out by the `maxModels` cap. */
  overCap: number;
}

export class ProfileCache implements ProfileLookup {
  private byKey = new Map<string, PreparedProfile>();

  constructor(private readonly o: ProfileCacheOptions) {}

  active(modelId: string, modelVersion: string): PreparedProfile | undefined {
    return this.byKey.get(modelKeyId(modelId, modelVersion));
  }

  /** Current profile id per model key (for the poller: fetch only what changed). */
  ids(): Map<string, string> {
    return new Map([...this.byKey].map(([k, p]) => [k, p.profileId]));
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Installs the active set. `profiles` may hold only the changed ones when `unchanged` names the
   * keys to keep as they are (their profile id did not move).
   */
  replace(
    profiles: readonly ReferenceProfile[],
    unchanged: ReadonlySet<string> = new Set(),
  ): ProfileChanges {
    const next = new Map<string, PreparedProfile>();
    const changes: ProfileChanges = { added: [], changed: [], removed: [], overCap: 0 };
    for (const k of [...unchanged].sort()) {
      const p = this.byKey.get(k);
      if (p !== undefined && next.size < this.o.maxModels) next.set(k, p);
    }
    const sorted = [...profiles].sort((a, b) =>
      cmp(modelKeyId(a.modelId, a.modelVersion), modelKeyId(b.modelId, b.modelVersion)),
    );
    for (const p of sorted) {
      const k = modelKeyId(p.modelId, p.modelVersion);
      if (next.has(k)) continue;
      if (next.size >= this.o.maxModels) {
        changes.overCap++;
        continue;
      }
      const old = this.byKey.get(k);
      if (old !== undefined && old.profileId === p.profileVersion) {
        next.set(k, old);
        continue;
      }
      next.set(k, prepareProfile(p, { maxFeatures: this.o.maxFeatures }));
      (old === undefined ? changes.added : changes.changed).push(`${k}=${p.profileVersion}`);
    }
    for (const k of this.byKey.keys()) if (!next.has(k)) changes.removed.push(k);
    this.byKey = next;
    return changes;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
