import type { ServiceContext } from '../../service/context.js';
import type { ApiVersion, Links } from '../representations.js';

/** What every route module is registered with. */
export interface RouteOptions {
  ctx: ServiceContext;
  /** The public base URL for `self` links, without a trailing slash. */
  publicUrl: string;
  /** The Tracker API version of this prefix; extensions answer with v3 shapes. */
  version: ApiVersion;
}

export const linksOf = (options: RouteOptions): Links => ({ base: options.publicUrl, version: options.version });
