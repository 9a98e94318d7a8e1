/**
 * Reading a calibration file (`vigil guard calibrate --out`): {profile, thresholds}. Checked once
 * on load, with errors naming the field; JSON has no Infinity, so a threshold written as null
 * (a rule that never fires) reads back as Infinity.
 */
import { ValidationError } from '../common/errors.js';
import type { GuardCalibration } from './calibrate.js';
import { EXTRACTION_TESTS } from './extraction-scorer.js';
import { resolveGuardParams, type GuardParams } from './guard-params.js';
import { GUARD_PROFILE_VERSION } from './profile-types.js';
import { GUARD_THRESHOLDS_VERSION } from './thresholds.js';

function obj(field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ValidationError(field, 'must be an object');
  return v as Record<string, unknown>;
}

function threshold(field: string, v: unknown, ifNull: number): number {
  if (v === null) return ifNull;
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new ValidationError(field, `must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The PRADA space must have one finite λ, center and scale per numeric feature of the model's
 * feature space (PradaMap indexes them by feature): a truncated or hand-edited file would
 * otherwise map every query to NaN coordinates (imputed as 0) and silently score nothing.
 */
function pradaSpace(field: string, mp: Record<string, unknown>): void {
  const names = obj(`${field}.space`, mp.space).names;
  if (!Array.isArray(names)) throw new ValidationError(`${field}.space.names`, 'must be an array');
  const prada = obj(`${field}.prada`, mp.prada);
  for (const key of ['lambda', 'center', 'scale']) {
    const v = prada[key];
    if (
      !Array.isArray(v) ||
      v.length !== names.length ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x))
    )
      throw new ValidationError(
        `${field}.prada.${key}`,
        `must be an array of ${names.length} finite numbers (one per feature of space.names), got ${Array.isArray(v) ? `an array of ${v.length}` : JSON.stringify(v)}`,
      );
  }
}

export function parseGuardCalibration(input: unknown): GuardCalibration {
  const root = obj('calibration', input);
  const profile = obj('profile', root.profile);
  const thresholds = obj('thresholds', root.thresholds);
  if (profile.version !== GUARD_PROFILE_VERSION)
    throw new ValidationError(
      'profile.version',
      `must be ${GUARD_PROFILE_VERSION}, got ${JSON.stringify(profile.version)}`,
    );
  if (thresholds.version !== GUARD_THRESHOLDS_VERSION)
    throw new ValidationError(
      'thresholds.version',
      `must be ${GUARD_THRESHOLDS_VERSION}, got ${JSON.stringify(thresholds.version)}`,
    );
  const params = resolveGuardParams(obj('profile.params', profile.params) as Partial<GuardParams>);
  const models = obj('profile.models', profile.models);
  const tModels = obj('thresholds.models', thresholds.models);
  for (const [id, m] of Object.entries(models)) {
    const mp = obj(`profile.models.${id}`, m);
    for (const key of ['space', 'confidence', 'margin', 'ood', 'stateful', 'successive'])
      obj(`profile.models.${id}.${key}`, mp[key]);
    // Absent in profiles written before them (the tests are then binomial); else a positive φ.
    const dispersion = (field: string, v: unknown) => {
      if (v !== undefined && !(typeof v === 'number' && v > 0))
        throw new ValidationError(field, `must be a positive number, got ${JSON.stringify(v)}`);
    };
    dispersion(`profile.models.${id}.boundaryDispersion`, mp.boundaryDispersion);
    dispersion(
      `profile.models.${id}.ood.outOfRangeDispersion`,
      (mp.ood as Record<string, unknown>).outOfRangeDispersion,
    );
    const t = obj(`thresholds.models.${id}`, tModels[id]);
    t.event = threshold(`thresholds.models.${id}.event`, t.event, Infinity);
    t.statefulDistance = threshold(
      `thresholds.models.${id}.statefulDistance`,
      t.statefulDistance,
      0,
    );
    t.extraction = threshold(`thresholds.models.${id}.extraction`, t.extraction, Infinity);
    if (t.extractionTests !== undefined) {
      const field = `thresholds.models.${id}.extractionTests`;
      const per = obj(field, t.extractionTests);
      for (const [name, v] of Object.entries(per)) {
        if (!(EXTRACTION_TESTS as readonly string[]).includes(name))
          throw new ValidationError(
            `${field}.${name}`,
            `is not an extraction test (expected one of ${EXTRACTION_TESTS.join(', ')})`,
          );
        per[name] = threshold(`${field}.${name}`, v, Infinity);
      }
    }
    t.flaggedEvents = threshold(`thresholds.models.${id}.flaggedEvents`, t.flaggedEvents, Infinity);
    // Files written before the PRADA rule have neither its threshold nor its space: never fires.
    t.prada =
      t.prada === undefined
        ? Infinity
        : threshold(`thresholds.models.${id}.prada`, t.prada, Infinity);
    // Files written before the repeats rule: never fires.
    t.repeats =
      t.repeats === undefined
        ? Infinity
        : threshold(`thresholds.models.${id}.repeats`, t.repeats, Infinity);
    if (mp.prada === undefined) mp.prada = null;
    else if (mp.prada !== null) pradaSpace(`profile.models.${id}`, mp);
    const by = (t.calibration as { clientsFlaggedBy?: Record<string, number> } | undefined)
      ?.clientsFlaggedBy;
    if (typeof by === 'object' && by !== null) {
      if (!('prada' in by)) by.prada = 0;
      if (!('repeats' in by)) by.repeats = 0;
    }
  }
  return {
    profile: { ...profile, params } as unknown as GuardCalibration['profile'],
    thresholds: thresholds as unknown as GuardCalibration['thresholds'],
  };
}
