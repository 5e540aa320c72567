import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

/** The dashboard as served: one page, one script (chart.js bundled in, no CDN), one style sheet. */
export interface DashboardAssets {
  html: string;
  js: string;
  css: string;
}

/** File names of the built assets; the page refers to the script and style sheet by these names. */
export const DASHBOARD_FILES = { html: 'index.html', js: 'dashboard.js', css: 'dashboard.css' } as const;

// Held in a variable so a bundler packing the Lambda does not try to inline esbuild (a native build tool).
const ESBUILD_MODULE = 'esbuild';

const sourceDir = (): string => dirname(fileURLToPath(import.meta.url));

/** Bundles the dashboard in memory with esbuild (about a second); the local twin calls it once, lazily. */
export const buildDashboardAssets = async (): Promise<DashboardAssets> => {
  const dir = sourceDir();
  const esbuild = (await import(ESBUILD_MODULE)) as typeof Esbuild;
  const result = await esbuild.build({
    entryPoints: [join(dir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no dashboard script');
  const [html, css] = await Promise.all([
    readFile(join(dir, 'page.html'), 'utf8'),
    readFile(join(dir, 'styles.css'), 'utf8'),
  ]);
  return { html, js, css };
};

/** Writes the built assets into `outDir` (for the Lambda bundle: `<bundle>/dashboard`); returns their paths. */
export const writeDashboardAssets = async (outDir: string): Promise<string[]> => {
  const assets = await buildDashboardAssets();
  await mkdir(outDir, { recursive: true });
  const written = (Object.keys(DASHBOARD_FILES) as (keyof DashboardAssets)[]).map(async (kind) => {
    const path = join(outDir, DASHBOARD_FILES[kind]);
    await writeFile(path, assets[kind]);
    return path;
  });
  return Promise.all(written);
};

/** Reads assets written by `writeDashboardAssets`; undefined when `dir` holds no built dashboard. */
export const readDashboardAssets = async (dir: string): Promise<DashboardAssets | undefined> => {
  try {
    const [html, js, css] = await Promise.all(
      [DASHBOARD_FILES.html, DASHBOARD_FILES.js, DASHBOARD_FILES.css].map((f) =>
        readFile(join(dir, f), 'utf8'),
      ),
    );
    return html === undefined || js === undefined || css === undefined ? undefined : { html, js, css };
  } catch {
    return undefined;
  }
};

/**
 * Loads the dashboard once: from the first directory that holds built assets (the Lambda bundle ships
 * them), else by building in memory (local twin, tests). A failed load is retried on the next request.
 */
export const dashboardAssetLoader = (
  directories: readonly (string | undefined)[],
  build: () => Promise<DashboardAssets> = buildDashboardAssets,
): (() => Promise<DashboardAssets>) => {
  let loading: Promise<DashboardAssets> | undefined;
  const load = async (): Promise<DashboardAssets> => {
    for (const dir of directories) {
      if (!dir) continue;
      const assets = await readDashboardAssets(dir);
      if (assets) return assets;
    }
    return build();
  };
  return () => {
    loading ??= load().catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
    return loading;
  };
};
