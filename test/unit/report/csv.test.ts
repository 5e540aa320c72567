import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvColumn, toCsv } from '../../../functions/report/csv';

/** A strict RFC 4180 reader, to check that what we write reads back to the same fields. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += ch;
      i++;
    }
  }
  return rows;
};

const columns: CsvColumn<{ a: string; n: number | null }>[] = [
  { header: 'text', value: (r) => r.a },
  { header: 'number', value: (r) => r.n },
];

describe('Function: toCsv', () => {
  it('writes a header, CRLF line ends and quotes only where RFC 4180 needs it', () => {
    const csv = toCsv(columns, [
      { a: 'plain', n: 1 },
      { a: 'a, "b"', n: null },
      { a: 'two\nlines', n: -5 },
    ]);
    expect(csv).toBe('text,number\r\nplain,1\r\n"a, ""b""",\r\n"two\nlines",-5\r\n');
  });

  it('neutralises text a spreadsheet would evaluate, but not negative numbers', () => {
    const csv = toCsv(columns, [
      { a: '=SUM(A1)', n: -3 },
      { a: '@cmd', n: 0 },
      { a: '-1+1', n: 0 },
    ]);
    expect(csv.split('\r\n').slice(1, 4)).toEqual(["'=SUM(A1),-3", "'@cmd,0", "'-1+1,0"]);
  });

  it('reads back to the same fields for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.option(fc.integer(), { nil: null }))), (pairs) => {
        const rows = pairs.map(([a, n]) => ({ a, n }));
        const parsed = parseCsv(toCsv(columns, rows));
        expect(parsed[0]).toEqual(['text', 'number']);
        expect(parsed.slice(1)).toEqual(
          rows.map((r) => [/^[=+\-@\t\r]/.test(r.a) ? `'${r.a}` : r.a, r.n === null ? '' : String(r.n)]),
        );
      }),
    );
  });
});
