// The phone's own store (IndexedDB, no library): the queue of visit steps done without a network,
// sent in order when it returns, and the last copies of what a rep needs offline (today's
// visits, each visit as last seen). Each entry of the queue is `{id, user, json, photo}`: `id`
// is a UUIDv7 (so the store's key order is the order the rep worked in), `json` the step as the
// app wrote it, `photo` a resized JPEG Blob or null.
const NAME = 'kaidan';
const VERSION = 1;
let opened;

function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains('queue')) d.createObjectStore('queue', { keyPath: 'id' });
        if (!d.objectStoreNames.contains('cache')) d.createObjectStore('cache', { keyPath: 'key' });
      };
      req.onsuccess = () => {
        // Another tab upgrading the store: let it, and open again next time.
        req.result.onversionchange = () => { req.result.close(); opened = undefined; };
        resolve(req.result);
      };
      req.onerror = () => { opened = undefined; reject(req.error); };
      req.onblocked = () => { opened = undefined; reject(new Error('blocked')); };
    });
  }
  return opened;
}

// Runs `work` on one store in one transaction; resolves with its request's result once the
// transaction has committed (so a resolved put is on disk).
function tx(store, mode, work) {
  return db().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    let result;
    const req = work(t.objectStore(store));
    if (req) req.onsuccess = () => { result = req.result; };
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('aborted'));
  }));
}

export function queuePut(id, user, json, photo) {
  return tx('queue', 'readwrite', (s) => s.put({ id, user, json, photo: photo || null, conflict: false }));
}

// Rewrites an entry's step (and whether it is stuck on a conflict), keeping its photo; a no-op
// when it is gone (sent meanwhile).
export function queueSetJson(id, json, conflict) {
  return tx('queue', 'readwrite', (s) => {
    const req = s.get(id);
    req.onsuccess = () => { if (req.result) s.put({ ...req.result, json, conflict }); };
    return null;
  });
}

// [waiting, conflicts] of a user's entries, for the badge (read without decoding the steps).
export function queueCount(user) {
  return tx('queue', 'readonly', (s) => s.getAll()).then((all) => {
    const mine = (all || []).filter((e) => e.user === user);
    return [mine.length, mine.filter((e) => e.conflict).length];
  });
}

// A user's entries, oldest first: [{id, json, photo}].
export function queueOf(user) {
  return tx('queue', 'readonly', (s) => s.getAll())
    .then((all) => (all || []).filter((e) => e.user === user));
}

export function queueDelete(id) {
  return tx('queue', 'readwrite', (s) => s.delete(id));
}

export function cachePut(key, json) {
  return tx('cache', 'readwrite', (s) => s.put({ key, json }));
}

export function cacheGet(key) {
  return tx('cache', 'readonly', (s) => s.get(key)).then((r) => (r ? r.json : null));
}

// On sign-out: the copies go (another person may use the phone next); the queue stays, each
// entry sent only when its own user is signed in again.
export function cacheClear() {
  return tx('cache', 'readwrite', (s) => s.clear());
}
