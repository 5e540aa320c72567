import type { ReportFigures } from '../schemas';
import { fetchJson, urlFor } from './api';
import { $, cell, formatMetric, showCsvLink, showError } from './dom';
import { campaignPath, METRICS, type Metric, range } from './state';

const PAGE_SIZE = 50;

/** A paged ranking table whose metric headers are buttons that re-sort it. */
export interface RankingView<T> {
  tableId: string;
  moreId: string;
  csvId: string;
  path: string;
  metric: () => Metric;
  setMetric: (m: Metric) => void;
  leadHeaders: string[];
  leadCells: (entry: T) => (string | HTMLElement)[];
  rowId: (entry: T) => string;
}

const renderHead = <T>(view: RankingView<T>, reload: () => void) => {
  const row = document.createElement('tr');
  for (const h of ['#', ...view.leadHeaders]) {
    const th = cell('th', h);
    th.scope = 'col';
    row.append(th);
  }
  for (const { key, label } of METRICS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.dataset.metric = key;
    button.addEventListener('click', () => {
      view.setMetric(key);
      reload();
    });
    const th = cell('th', button);
    th.scope = 'col';
    if (key === view.metric()) th.setAttribute('aria-sort', 'descending');
    row.append(th);
  }
  $(view.tableId).querySelector('thead')?.replaceChildren(row);
};

const appendRows = <T extends ReportFigures & { rank: number }>(view: RankingView<T>, items: T[]) => {
  const body = $(view.tableId).querySelector('tbody');
  for (const entry of items) {
    const tr = document.createElement('tr');
    tr.dataset.id = view.rowId(entry);
    tr.append(cell('td', String(entry.rank)), ...view.leadCells(entry).map((c) => cell('td', c)));
    for (const { key } of METRICS) {
      const td = cell('td', formatMetric(key, entry[key]));
      td.dataset.metric = key;
      td.dataset.value = entry[key] === null ? '' : String(entry[key]);
      tr.append(td);
    }
    body?.append(tr);
  }
};

export const loadRanking = async <T extends ReportFigures & { rank: number }>(
  view: RankingView<T>,
  after?: (items: T[]) => void,
) => {
  const params = { ...range(), metric: view.metric(), limit: String(PAGE_SIZE) };
  showCsvLink(
    view.csvId,
    urlFor(`${campaignPath()}/${view.path}`, { ...params, limit: '500', format: 'csv' }),
  );
  const reload = () => void loadRanking(view, after).catch(showError);
  renderHead(view, reload);
  $(view.tableId).querySelector('tbody')?.replaceChildren();
  const more = $<HTMLButtonElement>(view.moreId);
  const page = async (next?: string) => {
    const res = await fetchJson<{ items: T[]; next: string | null }>(`${campaignPath()}/${view.path}`, {
      ...params,
      next,
    });
    appendRows(view, res.items);
    more.hidden = res.next === null;
    more.onclick = () => void page(res.next ?? undefined).catch(showError);
    return res.items;
  };
  const first = await page();
  after?.(first);
};
