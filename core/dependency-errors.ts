/**
 * Which errors mean "a dependency is unreachable", for callers above core/ (the API's 503s and outage
 * monitor): the database's classification lives with the data source in store/.
 */
export { isDatabaseUnavailable } from '../store/data-source.js';
