/**
 * What the image tests share (test/e2e/image.test.ts, test/e2e/ecs.test.ts): building against the local stand-in base
 * images (scripts/base-images.sh) with buildah, and running with podman on this machine.
 */
import { execFileSync } from "node:child_process";
import { currentServerVersions } from "../helpers.js";

/** The prom/* stand-ins are tagged with the versions of the current servers they carry (scripts/base-images.sh). */
export const standInArgs = () => {
  const versions = currentServerVersions();
  return ["--build-arg", `PROMETHEUS_VERSION=v${versions.prometheus}`, "--build-arg", `ALERTMANAGER_VERSION=v${versions["prometheus-alertmanager"]}`];
};

export const buildEnv = (extra: Record<string, string> = {}) => ({ ...process.env, BUILDAH_ISOLATION: "chroot", ...extra });

export async function waitReady(url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return await response.text();
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** podman run with this machine's facts: runc (crun fails on hybrid cgroups here) and ulimits within the hard limit. */
export function podmanRunArgs(): string[] {
  const hard = execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim();
  const nofile = hard === "unlimited" ? 65536 : Math.min(65536, Number(hard));
  return ["run", "--runtime", "runc", "--ulimit", `nofile=${nofile}:${nofile}`, "--ulimit", "nproc=32768:32768"];
}
