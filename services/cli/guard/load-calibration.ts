/** The calibration a command scores with: read from `--thresholds`, or built from `--reference`. */
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../../common/errors.js';
import { InputError } from '../../data/input-error.js';
import {
  calibrateGuard,
  type CalibrateOptions,
  type GuardCalibration,
} from '../../guard/calibrate.js';
import { parseGuardCalibration } from '../../guard/calibration-json.js';
import { loadReference } from './event-lines.js';

export async function readCalibrationFile(file: string): Promise<GuardCalibration> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError({ file }, `cannot read the thresholds file: ${errorMessage(err)}`);
  }
  try {
    return parseGuardCalibration(JSON.parse(text));
  } catch (err) {
    throw new InputError(
      { file },
      `not a guard calibration (vigil guard calibrate --out): ${errorMessage(err)}`,
    );
  }
}

export async function calibrateFromReference(
  file: string,
  options: CalibrateOptions,
  warn: (text: string) => void,
): Promise<GuardCalibration> {
  const events = await loadReference(file, warn);
  try {
    return calibrateGuard(events, options);
  } catch (err) {
    throw new InputError({ file }, `cannot calibrate on this reference: ${errorMessage(err)}`);
  }
}
