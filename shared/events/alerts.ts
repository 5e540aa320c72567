import { z } from 'zod';
import { SPIKE_METRICS } from './schemas';

/**
 * `campaigns[].alerts.spike`: a campaign with it keeps hourly figures and publishes SpikeDetected events
 * (docs/events.md). A spike: an hour's figure ≥ `minCount` and > `factor` × the mean of the
 * `baselineHours` before it.
 */
export const SpikeAlertSchema = z.object({
  factor: z
    .number()
    .gt(1, 'must be greater than 1 (a spike is a multiple of the baseline)')
    .max(1000)
    .default(3),
  minCount: z.number().int().min(1).max(1_000_000).default(10),
  /** At most 7 days: hourly items expire 8 days after their hour (docs/data-model.md). */
  baselineHours: z
    .number()
    .int()
    .min(1)
    .max(168, 'must be at most 168 (hourly items expire after 8 days)')
    .default(24),
  metrics: z
    .array(z.enum(SPIKE_METRICS))
    .min(1)
    .default([...SPIKE_METRICS]),
});
export type SpikeAlert = z.infer<typeof SpikeAlertSchema>;

export const AlertsSchema = z.object({ spike: SpikeAlertSchema.optional() });
export type Alerts = z.infer<typeof AlertsSchema>;
