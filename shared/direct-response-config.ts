import { z } from 'zod';
import { isCurrency, toMinorUnits } from './money';
import { trackingCode } from './tracking';

/** Campaign configuration for direct response (docs/direct-response.md): KOL fees and landing URLs. */

export const CurrencySchema = z
  .string()
  .refine(isCurrency, 'must be an ISO 4217 currency code in capitals, such as "EUR" or "CNY"');

/** A KOL's fee for the campaign: `amount` in major units ("5000.00" or 5000), `currency` ISO 4217. */
export const FeeSchema = z
  .object({ amount: z.union([z.number(), z.string()]), currency: CurrencySchema })
  .superRefine((fee, ctx) => {
    if (!isCurrency(fee.currency)) return;
    const parsed = toMinorUnits(fee.amount, fee.currency);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: ['amount'], message: parsed.problem });
    else if (parsed.minor === 0)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'must be above 0 (omit the fee instead)' });
  });
export type Fee = z.infer<typeof FeeSchema>;

/** Up to 20 http(s) landing URLs without a fragment (UTM parameters go in the query). */
export const LandingUrlsSchema = z
  .array(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .refine((u) => !u.includes('#'), 'must not carry a #fragment: the tracking parameters go in the query'),
  )
  .min(1)
  .max(20);

/** KOLs whose tracking code equals an earlier KOL's in the same campaign (50-bit codes: practically never). */
export const trackingCodeClashes = (
  campaignId: string,
  kols: readonly { id: string }[],
): { index: number; message: string }[] => {
  const seen = new Map<string, string>();
  const clashes: { index: number; message: string }[] = [];
  kols.forEach((k, index) => {
    const code = trackingCode(campaignId, k.id);
    const other = seen.get(code);
    if (other && other !== k.id)
      clashes.push({
        index,
        message: `tracking code ${code} of "${k.id}" equals that of "${other}": rename one`,
      });
    seen.set(code, k.id);
  });
  return clashes;
};
