/** The one type for "something that runs SQL", shared by every repository and caller. */
import type { DataSource, EntityManager } from 'typeorm';

/** Anything that runs SQL: the DataSource, or a transaction's EntityManager. */
export type Queryable = Pick<DataSource | EntityManager, 'query'>;
