/** Path helpers for tests (node:path, plus file URLs). */
export { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function fromFileUrl(url: string): string {
  return fileURLToPath(url);
}
