import type { ApiVersion, Links } from '../representations.js';

/** What every route module is registered with. */
export interface RouteOptions {
  /**
   * The public base URL for `self` links, without a trailing slash. A function because the
   * default base names the port actually listened on, known only after `listen` (PORT=0).
   */
  publicUrl: () => string;
  /** The Tracker API version of this prefix; extensions answer with v3 shapes. */
  version: ApiVersion;
}

export const linksOf = (options: RouteOptions): Links => ({
  get base() {
    return options.publicUrl();
  },
  version: options.version,
});
