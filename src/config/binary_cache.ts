/**
 * The `binaryCache` setting: a Nix store the deployer uploads closures to
 * (`upload`) and the URL hosts fetch them from (`url`, by default the same).
 * `false` switches a cache set at a higher level off (`--no-binary-cache`).
 * Pure: what a value must look like, and which cache a profile uses.
 */

/** A binary cache as it applies: both URIs known. */
export interface BinaryCache {
  /** A Nix store URI the deployer copies closures to (`nix copy --to`). */
  upload: string;
  /** Where hosts fetch them from, as an extra substituter. */
  url: string;
}

/** The setting's value: a cache, or `false` for none. */
export type BinaryCacheSetting = false | BinaryCache;

/**
 * A store URI both ends can use: a scheme (`s3://`, `https://`, `file://`,
 * `ssh-ng://`…) — a bare path would be a chroot store, not a cache — and no
 * white space, which would split Nix's list of substituters.
 */
const STORE_URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;

export const CACHE_URI_EXPECTED =
  'a Nix store URI with a scheme, no spaces and no "trusted" parameter (it turns the hosts\' ' +
  'signature checks off for the cache), such as "s3://bucket" or "https://cache.example.com"';

export function isCacheUri(value: string): boolean {
  return STORE_URI.test(value) && !trustsUnsigned(value);
}

/**
 * Whether the URI carries Nix's `trusted` store parameter: Nix 2.8 and 2.26
 * take unsigned paths from a substituter `URI?trusted=1` (or true, yes), so
 * a fetch through it would bypass the host's trusted-public-keys. Refused in
 * any spelling Nix might read now or later (a bare name, any case, percent
 * escapes), whatever its value.
 */
function trustsUnsigned(uri: string): boolean {
  const query = uri.indexOf("?");
  if (query < 0) return false;
  return uri.slice(query + 1).split("&").some((parameter) => {
    const name = parameter.split("=")[0];
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch { /* not an escape Nix would decode either */ }
    return decoded.trim().toLowerCase() === "trusted";
  });
}

/** The cache a profile's paths go through, if any: none with fastConnection (copy everything over SSH). */
export function cacheOf(
  s: { binaryCache: BinaryCacheSetting; fastConnection: boolean },
): BinaryCache | undefined {
  return s.binaryCache === false || s.fastConnection ? undefined : s.binaryCache;
}
