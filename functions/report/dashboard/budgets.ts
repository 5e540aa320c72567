/**
 * The budget panel: each platform's budget use from `GET /budgets` (the pollers' ledgers), as a small table
 * appended to the page. A deployment without the route (or an error) simply shows no panel.
 */
import { fetchJson } from './api';
import { cell } from './dom';

interface BudgetsResponse {
  items: {
    platform: string;
    at: string | null;
    quotas: { name: string; unit: string; period: string; used: number; limit: number; fraction: number }[];
    lastRefreshAt: string | null;
    usdThisMonth: number | null;
  }[];
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

export const loadBudgets = async (): Promise<void> => {
  const { items } = await fetchJson<BudgetsResponse>('budgets');
  if (items.length === 0) return;
  const section = document.createElement('section');
  section.id = 'budgets';
  section.className = 'panel';
  const heading = document.createElement('h2');
  heading.textContent = 'Platform budgets';
  const table = document.createElement('table');
  table.className = 'ranking';
  const head = document.createElement('tr');
  for (const title of ['Platform', 'Quota', 'Used', 'Limit', 'Share', 'Last refresh'])
    head.append(cell('th', title));
  table.append(head);
  for (const p of items) {
    const quotas = p.quotas.length > 0 ? p.quotas : [undefined];
    for (const q of quotas) {
      const row = document.createElement('tr');
      row.append(
        cell('td', p.platform),
        cell('td', q ? `${q.name} (${q.unit}/${q.period})` : 'request windows only'),
        cell('td', q ? String(q.used) : ''),
        cell('td', q ? String(q.limit) : ''),
        cell('td', q ? percent(q.fraction) : ''),
        cell('td', p.lastRefreshAt ?? 'not yet'),
      );
      table.append(row);
    }
  }
  section.append(heading, table);
  (document.querySelector('main') ?? document.body).append(section);
};
