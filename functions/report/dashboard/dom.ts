/** Small DOM helpers shared by the dashboard's views. */

export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const numberFormat = new Intl.NumberFormat('en-US');
export const formatFigure = (value: number | null): string =>
  value === null ? 'n/a' : numberFormat.format(value);

const percentFormat = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 2 });
/** A metric's value as shown: engagementRate as a percentage, every other figure as a whole number. */
export const formatMetric = (metric: string, value: number | null): string =>
  metric === 'engagementRate' && value !== null ? percentFormat.format(value) : formatFigure(value);

export const status = (text: string, isError = false) => {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', isError);
};

export const showError = (e: unknown) => status(e instanceof Error ? e.message : String(e), true);

export const showCsvLink = (id: string, href: string) => {
  const link = $<HTMLAnchorElement>(id);
  link.href = href;
  link.hidden = false;
};

export const cell = (tag: 'td' | 'th', content: string | HTMLElement): HTMLTableCellElement => {
  const el = document.createElement(tag);
  if (typeof content === 'string') el.textContent = content;
  else el.append(content);
  return el;
};
