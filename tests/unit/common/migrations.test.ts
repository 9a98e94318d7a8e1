import { describe, expect, it } from 'vitest';
import {
  loadMigrations,
  renderForVersion,
  splitStatements,
} from '../../../services/common/clickhouse.js';

const v18 = { major: 18, minor: 16, text: '18.16.1' };
const v24 = { major: 24, minor: 8, text: '24.8.1' };

describe('migration rendering', () => {
  const sql = ['a', '-- @if server >= 20.1', 'new', '-- @else', 'old', '-- @endif', 'b;'].join(
    '\n',
  );
  it('keeps the portable branch on 18.16 and the new one on current servers', () => {
    expect(renderForVersion(sql, v18)).toBe('a\nold\nb;');
    expect(renderForVersion(sql, v24)).toBe('a\nnew\nb;');
  });
  it('rejects unbalanced blocks', () => {
    expect(() => renderForVersion('-- @if server >= 1.0\nx', v18)).toThrow(/without @endif/);
    expect(() => renderForVersion('-- @endif', v18)).toThrow(/without @if/);
  });
  it('splits statements at line-final semicolons and drops comments', () => {
    expect(splitStatements('-- c\nCREATE a;\nCREATE b\n  x;\n')).toEqual([
      'CREATE a',
      'CREATE b\n  x',
    ]);
  });
  it('every shipped migration renders for both versions without LowCardinality/TTL on 18.16', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b));
    for (const m of ms) {
      const old = splitStatements(renderForVersion(m.sql, v18));
      expect(old.join('\n')).not.toMatch(/LowCardinality|\bTTL\b|DateTime64|CODEC\(/);
      expect(old.length).toBeGreaterThan(0);
      renderForVersion(m.sql, v24);
    }
  });
});
