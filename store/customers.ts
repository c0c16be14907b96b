/** Reads of the customer profile shared by activities and the API. */
import type { DataSource } from 'typeorm';

/** The customer's traits, or null when no such customer exists. */
export async function customerTraits(db: DataSource, customerId: string): Promise<Record<string, unknown> | null> {
  const rows: { traits: Record<string, unknown> }[] = await db.query(`SELECT traits FROM customers WHERE id = $1`, [customerId]);
  return rows[0]?.traits ?? null;
}
