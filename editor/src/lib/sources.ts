// A document's source as a person reads it: a file uploaded through the browser or chat is stored as
// <data>/uploads/<collection id>/<hash>-<name>, which says nothing; show its name. Other server paths
// show their last two parts (the full path stays in the element's title).
export function shortSource(source: string): string {
  if (/^https?:\/\//.test(source)) return source;
  const uploaded = /\/uploads\/[0-9a-f-]{36}\/[0-9a-f]{6,}-(.+)$/i.exec(source);
  if (uploaded) return `${uploaded[1]} (uploaded)`;
  const parts = source.split('/').filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : source;
}
