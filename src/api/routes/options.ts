import type { ApiVersion, LinkStyle, Links } from '../representations.js';

/** What every route module is registered with. */
export interface RouteOptions {
  /**
   * The public base URL for `self` links, without a trailing slash. A function because the
   * default base names the port actually listened on, known only after `listen` (PORT=0).
   */
  publicUrl: () => string;
  /** The Tracker API version of this prefix; extensions answer with v3 shapes. */
  version: ApiVersion;
  /** How `Link` headers are written (`TIMEPORT_LINK_STYLE`); absolute when not given. */
  linkStyle?: LinkStyle | undefined;
  /** What `worklogs/_import` answers (`TIMEPORT_IMPORT_ANSWER`); the spec's object when not given. */
  importAnswer?: ImportAnswer | undefined;
}

/** The spec's one object, or the array of one worklog the live service has been seen to answer. */
export type ImportAnswer = 'object' | 'array';

export const linksOf = (options: RouteOptions): Links => ({
  get base() {
    return options.publicUrl();
  },
  version: options.version,
  linkStyle: options.linkStyle ?? 'absolute',
});
