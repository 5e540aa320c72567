import type { Router } from '@aws-lambda-powertools/event-handler/http';
import type { ReportDeps } from '../app';
import type { RouteContext } from '../routes';
import {
  campaignLinks,
  type DirectRoute,
  type DirectRouteContext,
  directLeaderboard,
  directResponseTotals,
  kolDirectResponse,
  postEvents,
} from './routes';
import { noSigningSecrets } from './secrets';
import { DirectResponseStore } from './store';

export const DIRECT_GET_ROUTES: [path: `/${string}`, route: DirectRoute][] = [
  ['/campaigns/:campaignId/links', campaignLinks],
  ['/campaigns/:campaignId/direct-response', directResponseTotals],
  ['/campaigns/:campaignId/direct-response/kols', directLeaderboard],
  ['/campaigns/:campaignId/kols/:kolId/direct-response', kolDirectResponse],
];
export const EVENTS_PATH = '/campaigns/:campaignId/events';

/** Registers the direct-response routes on the report router. */
export const directRoutes = (router: Router, base: RouteContext, deps: ReportDeps): void => {
  const ctx: DirectRouteContext = {
    ...base,
    direct: {
      store: new DirectResponseStore({ doc: deps.doc, tableName: deps.rollupsTable }),
      secrets: deps.signingSecrets ?? noSigningSecrets,
      wallClock: deps.wallClock ?? Date.now,
    },
  };
  for (const [path, route] of DIRECT_GET_ROUTES)
    router.get(path, ({ req, params }) => route(ctx, req, params));
  router.post(EVENTS_PATH, ({ req, params }) => postEvents(ctx, req, params));
};
