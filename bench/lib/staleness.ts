/**
 * Staleness of tracked posts' counters: at each sample instant, for every tracked post, the time since the
 * poller last read its counters. Kept as a histogram of whole minutes (memory stays bounded whatever the
 * number of samples); hot posts (under a day old) are also summarised apart.
 */
export interface StalenessSummary {
  samples: number;
  medianMinutes: number;
  p95Minutes: number;
  hot: { samples: number; medianMinutes: number; p95Minutes: number };
}

const DAY_MS = 86_400_000;

class MinuteHistogram {
  private readonly counts = new Map<number, number>();
  total = 0;

  add(ms: number) {
    const minute = Math.max(0, Math.floor(ms / 60_000));
    this.counts.set(minute, (this.counts.get(minute) ?? 0) + 1);
    this.total++;
  }

  /** The smallest minute m with at least q of the samples at or below m (0 when empty). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const wanted = Math.ceil(q * this.total);
    let seen = 0;
    for (const minute of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(minute) ?? 0;
      if (seen >= wanted) return minute;
    }
    return 0;
  }
}

export class StalenessSampler {
  private readonly all = new MinuteHistogram();
  private readonly hot = new MinuteHistogram();

  add(stalenessMs: number, ageMs: number) {
    this.all.add(stalenessMs);
    if (ageMs < DAY_MS) this.hot.add(stalenessMs);
  }

  summary(): StalenessSummary {
    return {
      samples: this.all.total,
      medianMinutes: this.all.quantile(0.5),
      p95Minutes: this.all.quantile(0.95),
      hot: {
        samples: this.hot.total,
        medianMinutes: this.hot.quantile(0.5),
        p95Minutes: this.hot.quantile(0.95),
      },
    };
  }
}
