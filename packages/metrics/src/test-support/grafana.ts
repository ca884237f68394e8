import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Grafana dashboard shipped in ops/. */
export const DASHBOARD = join(__dirname, '..', '..', 'ops', 'grafana', 'dyno-fleet.json');

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly refId?: string; readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}

/** One PromQL expression of the dashboard: its panel's title, its `refId` and the query. */
export interface DashboardExpression {
  readonly title: string;
  readonly refId: string;
  readonly expr: string;
}

/** Every PromQL expression of the dashboard's panels (rows included). */
export function dashboardExpressions(): DashboardExpression[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const out: DashboardExpression[] = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined)
          out.push({ title: panel.title ?? '', refId: target.refId ?? '', expr: target.expr });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** Grafana's variables replaced by what it would put there: a range and match-all regexes. */
export const substitute = (expr: string): string =>
  expr.replace(/\$__rate_interval/g, '5m').replace(/\$(name|instance)\b/g, '.*');

/** The expression of the panel titled `title` (its first target unless `refId` says). */
export function panelExpression(title: string, refId?: string): string {
  const found = dashboardExpressions().find(
    (e) => e.title === title && (refId === undefined || e.refId === refId),
  );
  if (found === undefined) throw new Error(`no panel titled ${JSON.stringify(title)}`);
  return substitute(found.expr);
}
