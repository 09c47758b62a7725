/**
 * Runs a parsed command line's request and prints its result (a table, or JSON with --json). Loaded by
 * main.ts only when a command runs.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as run from '../app/requests-run.js';
import type { Runtime } from '../app/requests-run.js';
import type { SignSummary } from '../app/sign.js';
import type { VerifySummary } from '../app/verify.js';
import { renderDiffText, textTable } from '../lock/render.js';
import { EXIT, type CliIo } from './io.js';
import type { CliInvocation } from './program.js';

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export async function runCommand(inv: CliInvocation, rt: Runtime, io: CliIo): Promise<number> {
  const json = inv.parsed.opts.json === true;
  const out = (s: string): void => io.stdout(`${s}\n`);
  const asJson = (value: unknown): number => {
    out(JSON.stringify(value, null, 2));
    return EXIT.ok;
  };
  switch (inv.command) {
    case 'update': {
      const req = inv.request as CliInvocation<'update'>['request'];
      const result = await run.runUpdateRequest(req, rt);
      if (json)
        out(JSON.stringify({ changed: result.changed, written: result.written, distros: result.distros }, null, 2));
      else {
        for (const d of result.distros) out(renderDiffText(d.diff, d.archs));
        if (result.written)
          out(
            `wrote ${result.distros
              .filter((d) => d.changed)
              .map((d) => d.lockfile)
              .join(', ')}`,
          );
      }
      if (req.check && result.changed) {
        io.stderr('error: lockfiles are out of date; run "distroless-action update"\n');
        return EXIT.outOfDate;
      }
      return EXIT.ok;
    }
    case 'list': {
      const listed = await run.runListRequest(inv.request as CliInvocation<'list'>['request']);
      if (json) return asJson(listed);
      const rows = listed.packages.map((p) => [
        p.name,
        p.version,
        p.architecture,
        p.suite,
        String(p.size),
        p.requiredBy || '(requested)',
      ]);
      out(`${listed.image} (${listed.distro}, ${listed.arch}): ${listed.packages.length} packages`);
      out(textTable(['PACKAGE', 'VERSION', 'ARCH', 'SUITE', 'SIZE', 'REQUIRED BY'], rows));
      const excluded = Object.entries(listed.excluded);
      if (excluded.length > 0)
        out(`excluded: ${excluded.map(([n, by]) => `${n} (wanted by ${by.join(', ')})`).join('; ')}`);
      return EXIT.ok;
    }
    case 'build': {
      const result = await run.runBuildRequest(inv.request as CliInvocation<'build'>['request'], rt);
      if (json) return asJson(result);
      const rows = result.images.map((i) => [i.image, i.variant, i.arch, mib(i.size), i.digest]);
      out(textTable(['IMAGE', 'VARIANT', 'ARCH', 'SIZE', 'DIGEST'], rows));
      out(
        `${result.indexes.length} index(es), ${result.images.length} image(s) in ${result.layout} (layers: ${result.layers.built} built, ${result.layers.cached} from cache; epoch ${result.epoch})`,
      );
      if (result.sboms.length > 0) out(`${result.sboms.length} SPDX SBOM(s) in ${dirname(result.sboms[0] ?? '')}`);
      return EXIT.ok;
    }
    case 'push': {
      const summary = await run.runPushRequest(inv.request as CliInvocation<'push'>['request'], rt);
      if (json) return asJson(summary);
      out(
        textTable(
          ['REFERENCE', 'DIGEST'],
          summary.refs.map((r) => [r.reference, r.digest]),
        ),
      );
      out(
        `${summary.refs.length} reference(s) in ${summary.registry}: ${summary.uploadedBlobs} blob(s) uploaded (${mib(summary.uploadedBytes)}), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there`,
      );
      return EXIT.ok;
    }
    case 'publish': {
      const req = inv.request as CliInvocation<'publish'>['request'];
      if (req.signing === undefined)
        rt.warn('publishing unsigned: give --key (or DISTROLESS_SIGNING_KEY) or --keyless to sign');
      const { report } = await run.runPublishRequest(req, rt);
      const summaryFile = inv.parsed.opts.summary;
      if (summaryFile) {
        const { renderPublishSummary } = await import('../app/summary.js');
        await writeFile(resolve(io.cwd, summaryFile), renderPublishSummary(report), { flag: 'a' });
      }
      if (json)
        return asJson({ registry: report.registry, indexes: report.indexes, images: report.rows, push: report.push });
      const rows = report.rows.map((r) => [r.reference, mib(r.size), r.digest, r.signature]);
      out(textTable(['REFERENCE', 'SIZE', 'DIGEST', 'SIGNATURE'], rows));
      out(
        `${report.indexes.length} index(es), ${report.rows.length} image(s) in ${report.registry}: ${report.push.uploadedBlobs} blob(s) uploaded (${mib(report.push.uploadedBytes)})`,
      );
      return EXIT.ok;
    }
    case 'sign': {
      const { summary, identity } = await run.runSignRequest(inv.request as CliInvocation<'sign'>['request'], rt);
      io.stdout(json ? `${JSON.stringify(summary, null, 2)}\n` : renderSign(summary, identity));
      return EXIT.ok;
    }
    case 'verify': {
      const summary = await run.runVerifyRequest(inv.request as CliInvocation<'verify'>['request'], rt);
      io.stdout(json ? `${JSON.stringify(summary, null, 2)}\n` : renderVerify(summary));
      for (const f of summary.failures) io.stderr(`FAILED ${f}\n`);
      return summary.ok ? EXIT.ok : EXIT.verifyFailed;
    }
    case 'plan': {
      const plan = await run.runPlanRequest(inv.request as CliInvocation<'plan'>['request'], rt);
      if (json) {
        out(JSON.stringify(plan.matrix));
        return EXIT.ok;
      }
      out(
        textTable(
          ['SHARD', 'IMAGE', 'DISTRO', 'ARCH', 'PLATFORM'],
          plan.shards.map((s) => [s.id, s.image, s.distro, s.arch, s.platform]),
        ),
      );
      out(`${plan.shards.length} shard(s)`);
      return EXIT.ok;
    }
    case 'shard': {
      const shard = await run.runShardRequest(inv.request as CliInvocation<'shard'>['request'], rt);
      if (json) return asJson(shard.result);
      const rows = shard.result.manifests.map((m) => [m.repository, m.variant, m.arch, m.digest]);
      out(textTable(['REPOSITORY', 'VARIANT', 'ARCH', 'DIGEST'], rows));
      out(
        `shard ${shard.result.shard}: ${rows.length} manifest(s) pushed by digest (no tags) to ${shard.result.registry}; ${shard.push.uploadedBlobs} blob(s) uploaded, ${shard.push.existingBlobs} already there`,
      );
      return EXIT.ok;
    }
    case 'assemble': {
      const { assembled, shards, signed } = await run.runAssembleRequest(
        inv.request as CliInvocation<'assemble'>['request'],
        rt,
      );
      if (json) return asJson(signed === undefined ? assembled : { ...assembled, signed });
      out(
        textTable(
          ['REFERENCE', 'DIGEST'],
          assembled.refs.map((r) => [r.reference, r.digest]),
        ),
      );
      out(
        `${assembled.indexes.length} index(es) from ${shards} shard(s) in ${assembled.registry}: ${assembled.stats.tagsPut} tag(s) set, ${assembled.stats.tagsUnchanged} unchanged${signed === undefined ? '' : `; ${signed.length} digest(s) signed`}`,
      );
      return EXIT.ok;
    }
  }
}

function renderSign(s: SignSummary, identity: string): string {
  const rows = s.digests.flatMap((d) =>
    d.results.map((r) => [
      `${d.name}@${d.digest.slice(0, 19)}…`,
      d.platform ?? 'index',
      `${r.kind} (${r.format})`,
      r.added + r.replaced > 0 ? `added ${r.added}${r.replaced ? `, replaced ${r.replaced}` : ''}` : 'already there',
    ]),
  );
  return `${textTable(['IMAGE', 'PLATFORM', 'WHAT', 'RESULT'], rows)}\n${s.digests.length} digest(s) signed with ${identity}: ${s.added} added, ${s.replaced} replaced, ${s.existing} already there\n`;
}

function renderVerify(s: VerifySummary): string {
  const rows = s.digests.flatMap((d) =>
    d.checks.map((c) => [
      `${d.name}@${d.digest.slice(0, 19)}…`,
      d.platform ?? 'index',
      `${c.what} (${c.format})`,
      c.ok ? 'ok' : 'FAILED',
      c.detail,
    ]),
  );
  const failed = s.digests.filter((d) => !d.ok).length;
  const formats = [...new Set(s.digests.flatMap((d) => d.passed))];
  const by = failed === 0 && formats.length > 0 ? ` (verified by ${formats.join(' and ')} signatures)` : '';
  return `${textTable(['IMAGE', 'PLATFORM', 'CHECK', 'RESULT', 'DETAIL'], rows)}\n${s.digests.length} digest(s) checked: ${failed === 0 ? 'all verified' : `${failed} failed`}${by}\n`;
}
