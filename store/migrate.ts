/** Applies every pending TypeORM migration in `migrations/` to the database at `databaseUrl`. */
export async function migrate(databaseUrl: string): Promise<void> {
  void databaseUrl;
  throw new Error('not implemented yet');
}
