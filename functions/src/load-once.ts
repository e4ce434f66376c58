// One load per key for the life of the process (a function instance, a stack): the trainer's manifest and dataset
// schema do not change while it runs. A failed load is forgotten, so the next caller tries again.

/** Wraps `load` so each key is loaded once and its promise shared; a rejected load is retried on the next call. */
export function loadOncePerKey<V>(load: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const loaded = new Map<string, Promise<V>>();
  return (key) => {
    let value = loaded.get(key);
    if (!value) {
      value = load(key);
      loaded.set(key, value);
      value.catch(() => loaded.delete(key));
    }
    return value;
  };
}
