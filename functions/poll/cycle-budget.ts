import { type BudgetOperation, paceAllowance, type Quota, type ResolvedBudget } from '../../shared/budget';
import type { BudgetLedger } from './budget-ledger';

/** What one operation costs: HTTP requests sent and, on X, posts read for the first time this UTC day. */
export interface Spend {
  requests: number;
  reads: number;
}

interface Entry {
  quota: Quota;
  /** The pace line's share for this cycle (soft: searches may overshoot it by one page). */
  allowance: number;
  /** Reserved in the ledger (hard: never exceeded). */
  reserved: number;
  spent: number;
  exhausted: boolean;
}

const costIn = (quota: Quota, op: BudgetOperation | 'search' | 'lookup', spend: Spend): number => {
  if (quota.unit === 'requests') return spend.requests;
  if (quota.unit === 'reads') return spend.reads * (quota.costs.read ?? 0);
  return quota.costs[op] ?? 0;
};

/**
 * One cycle's share of every quota of the platform's budget. At the start it reserves, per quota, what the
 * pace line allows (at least one search page's worst case, if the period still has it), so every cycle
 * spends only what is left for the rest of its period; at the end it gives back what it did not spend.
 */
export class CycleBudget {
  private constructor(
    private readonly entries: Entry[],
    readonly usdPerRead: number | undefined,
  ) {}

  /** The budget's quotas without a ledger: nothing is paced, but a quota the platform says is spent stops. */
  static unlimited(budget?: ResolvedBudget): CycleBudget {
    const entries = (budget?.quotas ?? []).map((quota) => ({
      quota,
      allowance: Number.POSITIVE_INFINITY,
      reserved: Number.POSITIVE_INFINITY,
      spent: 0,
      exhausted: false,
    }));
    return new CycleBudget(entries, budget?.usdPerRead);
  }

  static async open(
    ledger: BudgetLedger,
    budget: ResolvedBudget,
    now: number,
    cycleMs: number,
    worstSearch: Spend,
  ): Promise<CycleBudget> {
    const used = await ledger.used(budget.quotas, now);
    const entries = await Promise.all(
      budget.quotas.map(async (quota): Promise<Entry> => {
        const usedSoFar = used[quota.name] ?? 0;
        const allowance = paceAllowance(quota, usedSoFar, now, cycleMs);
        const floor = allowance > 0 ? costIn(quota, 'search', worstSearch) : 0;
        const want = Math.min(quota.limit - usedSoFar, Math.max(allowance, floor));
        const ok = want > 0 && (await ledger.reserve(quota, now, want));
        return { quota, allowance: ok ? allowance : 0, reserved: ok ? want : 0, spent: 0, exhausted: false };
      }),
    );
    return new CycleBudget(entries, budget.usdPerRead);
  }

  /**
   * Whether the operation fits: `expected` within every quota's pace share and `worst` within what was
   * reserved. A search page's reads are only known afterwards, so it is judged on its worst case.
   */
  affords(op: 'search' | 'lookup', expected: Spend, worst: Spend = expected): boolean {
    return this.entries.every((e) => {
      const cost = costIn(e.quota, op, expected);
      if (cost === 0) return true;
      if (e.exhausted) return false;
      return e.spent + cost <= e.allowance && e.spent + costIn(e.quota, op, worst) <= e.reserved;
    });
  }

  /** How many more of `op` the pace shares allow at `each` apiece (Infinity when no quota limits it). */
  remaining(op: 'search' | 'lookup', each: Spend): number {
    let n = Number.POSITIVE_INFINITY;
    for (const e of this.entries) {
      const cost = costIn(e.quota, op, each);
      if (cost === 0) continue;
      n = e.exhausted ? 0 : Math.min(n, Math.floor((Math.min(e.allowance, e.reserved) - e.spent) / cost));
    }
    return Math.max(0, n);
  }

  /** Post reads (X) the cycle may still be charged for; Infinity when no quota counts reads. */
  remainingReads(): number {
    let n = Number.POSITIVE_INFINITY;
    for (const e of this.entries)
      if (e.quota.unit === 'reads')
        n = e.exhausted ? 0 : Math.min(n, Math.min(e.allowance, e.reserved) - e.spent);
    return Math.max(0, n);
  }

  /** The budget counts post reads (X): the poller tracks each post's read day. */
  get countsReads(): boolean {
    return this.entries.some((e) => e.quota.unit === 'reads');
  }

  charge(op: 'search' | 'lookup', spend: Spend): void {
    for (const e of this.entries) e.spent += costIn(e.quota, op, spend);
  }

  /** The platform said this quota is spent: nothing more draws on it this period. */
  exhaust(quotaName: string): void {
    for (const e of this.entries) if (e.quota.name === quotaName) e.exhausted = true;
  }

  /** Quota names that stop `op` right now. */
  blocking(op: 'search' | 'lookup'): string[] {
    return this.entries
      .filter((e) => e.exhausted && (e.quota.costs[op] ?? (e.quota.unit === 'requests' ? 1 : 0)) > 0)
      .map((e) => e.quota.name);
  }

  /** Gives back the unspent reservations and records exhausted quotas in the ledger. */
  async settle(ledger: BudgetLedger, now: number): Promise<void> {
    await Promise.all(
      this.entries.map((e) =>
        e.exhausted ? ledger.exhaust(e.quota, now) : ledger.adjust(e.quota, now, e.spent - e.reserved),
      ),
    );
  }

  spent(): Record<string, number> {
    return Object.fromEntries(this.entries.map((e) => [e.quota.name, e.spent]));
  }
}
