import type { Router } from 'express';
import type { ApiDeps } from '../deps';

/** POST /rollback (manual / emergency rollback). Filled in by the rollback work. */
export function registerRollbackRoutes(_router: Router, _deps: ApiDeps): void {}
