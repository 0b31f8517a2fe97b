// The deployment checks drive real tools (promtool, kubectl, docker-compose, nginx, haproxy). On a
// developer's machine without one, its checks skip and say which package brings it; in CI
// (HUTONG_DEPLOY_TOOLS=required, set by .ci/run, which installs them) a missing tool fails instead,
// so a check can never pass by not running.
import { execFileSync } from "node:child_process";

/** Debian packages that bring each tool (what .ci/run installs). */
const packages: Record<string, string> = {
  promtool: "prometheus",
  prometheus: "prometheus",
  kubectl: "kubectl (in the image)",
  "docker-compose": "docker-compose",
  nginx: "nginx",
  haproxy: "haproxy",
  openssl: "openssl",
};

function onPath(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * undefined when the tool is on PATH; otherwise the reason to give `test(name, { skip })`. Throws
 * when the environment requires every tool (CI).
 */
export function missingTool(tool: string): string | undefined {
  if (onPath(tool)) return undefined;
  const reason = `${tool} is not installed (Debian package: ${packages[tool] ?? tool})`;
  if (process.env.HUTONG_DEPLOY_TOOLS === "required") throw new Error(`${reason}; HUTONG_DEPLOY_TOOLS=required`);
  return reason;
}
