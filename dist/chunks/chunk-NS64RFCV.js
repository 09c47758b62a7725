import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  VERSION
} from "./chunk-JVYIGASL.js";
import {
  TOOL_NAME,
  TOOL_URI
} from "./chunk-B3YJ2Z46.js";

// src/attest/provenance.ts
var BUILD_TYPE = `${TOOL_URI}/buildtypes/debian-image/v1`;
var BUILDER_ID = TOOL_URI;
function githubInvocation(env) {
  const { GITHUB_SERVER_URL: serverUrl, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!serverUrl || !repository || !runId) return void 0;
  return {
    serverUrl: serverUrl.replace(/\/+$/, ""),
    repository,
    runId,
    ...env.GITHUB_RUN_ATTEMPT ? { runAttempt: env.GITHUB_RUN_ATTEMPT } : {},
    ...env.GITHUB_WORKFLOW_REF ? { workflowRef: env.GITHUB_WORKFLOW_REF } : {},
    ...env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}
  };
}
function invocationId(inv) {
  return `${inv.serverUrl}/${inv.repository}/actions/runs/${inv.runId}${inv.runAttempt ? `/attempts/${inv.runAttempt}` : ""}`;
}
function slsaProvenance(input) {
  const inv = input.invocation;
  const externalParameters = {
    config: input.configPath,
    image: input.image,
    distro: input.distro,
    variant: input.variant,
    arch: input.arch,
    ...input.archs ? { archs: [...input.archs] } : {},
    ...inv?.workflowRef ? { workflow: workflowParameters(inv) } : {}
  };
  const metadata = {
    ...inv ? { invocationId: invocationId(inv) } : {},
    ...input.startedOn ? { startedOn: input.startedOn.toISOString() } : {},
    ...input.finishedOn ? { finishedOn: input.finishedOn.toISOString() } : {}
  };
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters,
      internalParameters: { buildEpoch: input.epoch, snapshots: input.snapshots.map((s) => ({ ...s })) },
      resolvedDependencies: resolvedDependencies(input)
    },
    runDetails: { builder: { id: BUILDER_ID, version: { [TOOL_NAME]: VERSION } }, metadata }
  };
}
function workflowParameters(inv) {
  const ref = inv.workflowRef ?? "";
  const at = ref.lastIndexOf("@");
  const full = at === -1 ? ref : ref.slice(0, at);
  const path = full.startsWith(`${inv.repository}/`) ? full.slice(inv.repository.length + 1) : full;
  return { ref: at === -1 ? "" : ref.slice(at + 1), repository: `${inv.serverUrl}/${inv.repository}`, path };
}
function resolvedDependencies(input) {
  const out = [];
  const inv = input.invocation;
  if (inv?.sha) {
    const ref = inv.workflowRef?.includes("@") ? `@${inv.workflowRef.slice(inv.workflowRef.lastIndexOf("@") + 1)}` : "";
    out.push({ uri: `git+${inv.serverUrl}/${inv.repository}${ref}`, digest: { gitCommit: inv.sha } });
  }
  for (const l of input.lockfiles) out.push({ uri: l.path, digest: { sha256: l.sha256 } });
  out.push({ uri: input.config.path, digest: { sha256: input.config.sha256 }, annotations: { configDigest: input.config.configDigest } });
  for (const d of input.debs) {
    out.push({ uri: d.url, digest: { sha256: d.sha256 }, name: d.name, annotations: { arch: d.arch, version: d.version } });
  }
  return out;
}

export {
  BUILD_TYPE,
  BUILDER_ID,
  githubInvocation,
  invocationId,
  slsaProvenance
};
