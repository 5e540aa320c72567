/**
 * The dashboard: one page over the same JSON API it documents. All URLs are relative, so the page works
 * wherever the API is mounted. Numbers are rendered from the API's figures, never recomputed here.
 * This is the bundle's entry (build.ts); the other modules of this folder are its parts.
 */
import type { CampaignsResponse } from '../schemas';
import { fetchJson } from './api';
import { loadBudgets } from './budgets';
import { $, showError, status } from './dom';
import { state } from './state';
import { loadCampaign } from './views';

const start = async () => {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  const { items } = await fetchJson<CampaignsResponse>('campaigns');
  const select = $<HTMLSelectElement>('campaign');
  for (const c of items) select.append(new Option(c.name, c.id));
  if (items.length === 0) {
    status('No campaigns are configured.', true);
    return;
  }
  const wanted = fromHash.get('campaign');
  if (wanted && items.some((c) => c.id === wanted)) select.value = wanted;
  state.from = fromHash.get('from') ?? undefined;
  state.to = fromHash.get('to') ?? undefined;
  state.platform = fromHash.get('platform') ?? undefined;
  $<HTMLSelectElement>('platform').value = state.platform ?? '';

  select.addEventListener('change', () => {
    state.from = undefined;
    state.to = undefined;
    void loadCampaign().catch(showError);
  });
  $<HTMLFormElement>('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.from = $<HTMLInputElement>('from').value || undefined;
    state.to = $<HTMLInputElement>('to').value || undefined;
    state.platform = $<HTMLSelectElement>('platform').value || undefined;
    void loadCampaign().catch(showError);
  });
  await loadCampaign();
  // A panel of its own: a deployment without GET /budgets shows none.
  await loadBudgets().catch(() => undefined);
};

if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', () => void start().catch(showError));
else void start().catch(showError);
