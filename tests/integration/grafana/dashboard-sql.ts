/**
 * Reads Grafana dashboards and turns their ClickHouse SQL into runnable statements, the way the
 * grafana-clickhouse-datasource plugin and Grafana would: template variables first (Grafana), then
 * the plugin's macros. Only what Vigil's dashboards use is supported; anything else left with a `$`
 * is an error, so a dashboard cannot silently use a macro this substituter does not know.
 *
 * Macros (as the plugin expands them, pkg/macros/macros.go):
 *   $__timeFilter(col) -> col >= toDateTime(<from s>) AND col <= toDateTime(<to s>)
 *   $__fromTime / $__toTime -> toDateTime(<s>)
 *   $__interval_s -> the panel interval in whole seconds (at least 1)
 * Variables: ${name}, $name, ${name:singlequote} ('a','b' with \' escaped), ${name:csv}.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DashboardQuery {
  dashboard: string;
  /** Panel title, or `variable <name>` for a templating query. */
  source: string;
  refId: string;
  sql: string;
  /** The panel repeats per value of this variable (Grafana's panel repeat). */
  repeat?: string;
}

export interface TemplateVariable {
  name: string;
  type: string;
  query: string;
  multi: boolean;
  includeAll: boolean;
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  json: Record<string, unknown>;
  panels: Array<Record<string, unknown>>;
  variables: TemplateVariable[];
}

export function loadDashboards(dir: string): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      const panels = flattenPanels((json.panels as Array<Record<string, unknown>>) ?? []);
      const list = ((json.templating as { list?: Array<Record<string, unknown>> } | undefined)
        ?.list ?? []) as Array<Record<string, unknown>>;
      const variables = list.map((v) => ({
        name: String(v.name),
        type: String(v.type),
        query:
          typeof v.query === 'string'
            ? v.query
            : String(
                (v.query as { rawSql?: string; query?: string } | undefined)?.rawSql ??
                  (v.query as { query?: string } | undefined)?.query ??
                  '',
              ),
        multi: Boolean(v.multi),
        includeAll: Boolean(v.includeAll),
      }));
      return { file, uid: String(json.uid), title: String(json.title), json, panels, variables };
    });
}

/** Panels, with the panels of collapsed rows. */
function flattenPanels(panels: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return panels.flatMap((p) => [
    p,
    ...flattenPanels((p.panels as Array<Record<string, unknown>>) ?? []),
  ]);
}

export function panelQueries(d: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const p of d.panels) {
    if (p.type === 'row') continue;
    for (const t of (p.targets as Array<Record<string, unknown>>) ?? []) {
      const sql = t.rawSql;
      if (typeof sql !== 'string') continue;
      out.push({
        dashboard: d.file,
        source: String(p.title),
        refId: String(t.refId ?? 'A'),
        sql,
        ...(typeof p.repeat === 'string' ? { repeat: p.repeat } : {}),
      });
    }
  }
  return out;
}

export interface RenderContext {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** Current values of the template variables (a list for multi-value variables). */
  vars: Record<string, string | string[]>;
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function formatVar(value: string | string[], format: string | undefined, name: string): string {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new Error(`template variable ${name} has no value`);
  switch (format) {
    case undefined:
      if (values.length > 1)
        throw new Error(
          `multi-value variable ${name} used without a format (use \${${name}:singlequote})`,
        );
      return values[0]!;
    case 'singlequote':
      return values.map(quote).join(',');
    case 'csv':
      return values.join(',');
    default:
      throw new Error(`unsupported variable format ${format} for ${name}`);
  }
}

/** Substitutes variables and macros; throws on anything it does not know. */
export function renderSql(sql: string, ctx: RenderContext): string {
  const from = Math.floor(ctx.fromMs / 1000);
  const to = Math.floor(ctx.toMs / 1000);
  const intervalS = Math.max(1, Math.floor(ctx.intervalMs / 1000));
  let out = sql
    .replace(
      /\$__timeFilter\(\s*([^)]+?)\s*\)/g,
      (_, col: string) => `${col} >= toDateTime(${from}) AND ${col} <= toDateTime(${to})`,
    )
    .replace(/\$__fromTime\b(?!_)/g, `toDateTime(${from})`)
    .replace(/\$__toTime\b(?!_)/g, `toDateTime(${to})`)
    .replace(/\$__interval_s\b/g, String(intervalS));
  out = out.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (whole, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare)!;
      if (name.startsWith('__')) throw new Error(`unsupported macro ${whole}`);
      const value = ctx.vars[name];
      if (value === undefined) throw new Error(`unknown template variable ${whole}`);
      return formatVar(value, format, name);
    },
  );
  return out;
}

/** Points every `vigil.` table reference at another database. */
export function retargetDatabase(sql: string, database: string): string {
  return sql.replace(/\bvigil\.(?=[a-z_])/g, `${database}.`);
}
