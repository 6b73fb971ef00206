/** An immutable id → value map of the SDK's state; `put` and `drop` return the same object when nothing changes. */
export type Table<T> = Readonly<Record<string, T>>;

export function put<T>(table: Table<T>, key: string, value: T): Table<T> {
  return table[key] === value ? table : { ...table, [key]: value };
}

export function drop<T>(table: Table<T>, key: string): Table<T> {
  if (!(key in table)) return table;
  const { [key]: _, ...rest } = table;
  return rest;
}
